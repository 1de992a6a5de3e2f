"""Year-end figures as an office reports them: counties under their city (市州), and a CSV file.

The bulletin writes a contributor as city + county (株洲市炎陵县, 湘西州吉首市, 常德市津市市), so the
city is read from the name itself: the shortest leading part that ends in 市, 州, 地区 or 盟 and
leaves at least two characters after it. Units without such a prefix (省人大常委会办公厅) are grouped
under “其他单位”. Hunan's fourteen 市州 are listed in their official order; any other city follows
in the order its counties first appear.
"""

from __future__ import annotations

import csv
import io
import re

OTHER = "其他单位"
# Hunan's 14 市州 in the order the province lists them (湘西 written either way).
HUNAN_CITIES = ("长沙市", "株洲市", "湘潭市", "衡阳市", "邵阳市", "岳阳市", "常德市", "张家界市", "益阳市",
                "郴州市", "永州市", "怀化市", "娄底市", "湘西州", "湘西土家族苗族自治州")
_CITY_PREFIX = re.compile(r"(.{2,12}?(?:市|州|地区|盟))(.{2,})$")


def city_of(name: str) -> str:
    """The 市州 a contributor belongs to, read from its name; a bare city name is its own city."""
    match = _CITY_PREFIX.match(name)
    if match:
        return match.group(1)
    if name in HUNAN_CITIES:
        return name
    return OTHER


def city_rank(city: str, first_seen: dict[str, int]) -> tuple[int, int]:
    """Sort key of a city: Hunan's official order first, others as they appear, 其他单位 last."""
    if city == OTHER:
        return (2, 0)
    if city in HUNAN_CITIES:
        return (0, min(HUNAN_CITIES.index(city), 13))
    return (1, first_seen[city])


def figures_csv(years: tuple[int, ...], groups) -> str:
    """The county table as CSV for a spreadsheet: 市州, 县区, one column per year (oldest first, as
    a report reads), 合计; a subtotal line per city and a grand total. Starts with a byte-order mark
    so Excel and WPS open the Chinese text as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    order = sorted(range(len(years)), key=lambda i: years[i])
    writer.writerow(["市州", "县区（单位）", *(f"{years[i]}年" for i in order), "合计"])
    grand = [0] * len(years)
    for city, rows, city_counts in groups:
        for name, _, counts in rows:
            writer.writerow([city, name, *(counts[i] for i in order), sum(counts)])
        writer.writerow([city, "小计", *(city_counts[i] for i in order), sum(city_counts)])
        grand = [a + b for a, b in zip(grand, city_counts)]
    writer.writerow(["合计", "", *(grand[i] for i in order), sum(grand)])
    return "\ufeff" + out.getvalue()
