"""Which county sent a contribution: the 供稿 line, the file name or the title, matched to the archive.

The archive's county names (株洲市炎陵县) are what the statistics count, so a contribution must land
on one of them when it can: a document signed （炎陵县人大常委会 供稿） or a file named 炎陵-经验.docx
belongs to 株洲市炎陵县. A unit the archive has never seen becomes a new county named after its
place (衡阳市衡东县人大常委会 → 衡阳市衡东县). The caller asks the editor when the guess is not sure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from liandong.model import Archive

ADMIN_PART = re.compile(r"[\u4e00-\u9fff]{2,}?(?:省|自治州|市|州|盟|地区)|[\u4e00-\u9fff]+?(?:自治县|县|区|市|旗)")
ORGAN = re.compile(r"(?:人大常委会|人民代表大会常务委员会|人大常委|人民代表大会|人大|常委会|人民政府|政府|办公室|委员会).*$")
PLACE = re.compile(r"(?:[\u4e00-\u9fff]{2,4}?(?:市|州))?[\u4e00-\u9fff]{1,5}?(?:自治县|县|区|市|旗)")
DEFAULT_ORGAN = "人大常委会"


@dataclass(frozen=True)
class Guess:
    """A county for a contribution; ``sure`` is False when the editor should confirm it."""

    county: str | None
    sure: bool
    reason: str  # Chinese, shown to the editor: where the county was read from
    candidates: tuple[str, ...] = ()
    unattended: bool = False  # good enough to take without asking when nobody is at a terminal


def known_counties(archive: Archive) -> list[str]:
    return sorted({article.county for issue in archive.issues for article in issue.articles})


def aliases(county: str) -> set[str]:
    """Ways a contributor writes a county: 株洲市炎陵县, 炎陵县, 炎陵."""
    names = {county}
    parts = ADMIN_PART.findall(county)
    if parts and "".join(parts) == county:
        last = parts[-1]
        names.add(last)
        stem = re.sub(r"(?:自治县|县|区|市|旗)$", "", last)
        if len(stem) >= 2:
            names.add(stem)
    return names


def match_known(text: str, known: list[str]) -> list[str]:
    """Known counties named in ``text``, best first (the longest name found wins)."""
    scores = {}
    for county in known:
        hits = [len(alias) for alias in aliases(county) if alias in text]
        if hits:
            scores[county] = max(hits)
    if not scores:
        return []
    best = max(scores.values())
    return sorted(county for county, score in scores.items() if score == best)


def county_of_unit(unit: str) -> str:
    """衡阳市衡东县人大常委会办公室 → 衡阳市衡东县; a unit with no place in it stays as written."""
    place = ORGAN.sub("", unit).strip()
    return place if len(place) >= 2 else unit


def guess_county(unit: str | None, file_stem: str, title: str, known: list[str]) -> Guess:
    """The county from the strongest evidence: the document's own 供稿 line, then file name, then title."""
    if unit:
        found = match_known(unit, known)
        if len(found) == 1:
            return Guess(found[0], True, f"供稿行“{unit}”")
        if len(found) > 1:
            return Guess(None, False, f"供稿行“{unit}”可能指多个县区", tuple(found))
        return Guess(county_of_unit(unit), False, f"供稿行“{unit}”（档案中尚无此县区）", unattended=True)
    for where, text in (("文件名", file_stem), ("标题", title)):
        found = match_known(text, known)
        if len(found) == 1:
            return Guess(found[0], True, f"{where}“{text}”")
        if len(found) > 1:
            return Guess(None, False, f"{where}“{text}”可能指多个县区", tuple(found))
    place = PLACE.search(file_stem)
    if place:
        return Guess(place.group(), False, f"文件名“{file_stem}”（档案中尚无此县区）")
    return Guess(None, False, "文中没有供稿行，文件名和标题中也没有已知县区")


def resolve_given(county: str, known: list[str]) -> str:
    """A county typed by the editor (炎陵县) as the archive spells it (株洲市炎陵县)."""
    found = match_known(county, known)
    exact = [name for name in found if county in aliases(name)]
    return exact[0] if len(exact) == 1 else county


def contributor_for(unit: str | None, county: str) -> str:
    """The unit printed in （… 供稿）: as the document names it, with the county's full name in front."""
    if not unit:
        return county + DEFAULT_ORGAN
    if unit.startswith(county):
        return unit
    for alias in sorted(aliases(county), key=len, reverse=True):
        if unit.startswith(alias) and alias != county:
            return county + unit[len(alias):]
    return unit


def titled(title: str, county: str) -> str:
    """The bulletin's article title reads “县区：标题”."""
    for alias in sorted(aliases(county), key=len, reverse=True):
        for colon in ("：", ":"):
            if title.startswith(alias + colon):
                return f"{county}：{title[len(alias) + 1:].strip()}"
    return f"{county}：{title}"
