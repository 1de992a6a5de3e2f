"""A second, independently shaped synthetic archive, so that no figure depends on the shape of
bench/generate.py's text.

    python bench/generate_alt.py DIR [--issues 1000] [--seed 11]
    python bench/generate_alt.py DIR --real-size   # articles of at most 1,600 characters

``--real-size`` (``bench/run.py --generator alt-real``) caps every article at 1,600 characters:
about 10 KB an issue, the size of the real bulletin's issues (content/2025/12.md is 10 KB), where
the default shape's long tail makes 19.5 KB. A fixed cost per page then weighs more against the
text's, so it is the shape on which a build's per-page and start-up costs show most.

Where generate.py writes 36 issues a year of 2–4 articles of 3,000–5,000 characters, all
paragraphs under 一、/（一） headings, from 90 Hunan counties, this one differs on every axis:
- years of uneven size (12 to 52 issues; the newest year partial), starting where the count ends;
- 1–6 articles an issue, from 200 to ~9,000 characters (most short, a few very long);
- about 330 contributing units from other provinces (county names made of real place names);
- titles from 8 to 70 characters; headings at several levels, or none;
- Markdown generate.py never writes: tables, bulleted and numbered lists (some nested), footnotes,
  bold lead-ins, block quotes (编者按), hard-wrapped paragraphs, half-width digits and Latin words;
- its own sentences (ecology, budgets, rule of law, rural revitalisation …).

The files are in liandong's issue format (see content/2025/12.md), so liandong and Hugo (which reads
the same content/ folder in bench/run.py) both build them. Only the standard library is used; the
same (n_issues, seed) always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import command_line, liandong_repo  # noqa: E402

LAST_YEAR = 2025
MAX_ISSUE_CHARS = 45_000  # liandong refuses issues over 60,000 characters (about 100 printed pages)

CITIES = ["南昌市", "九江市", "赣州市", "吉安市", "宜春市", "上饶市", "抚州市", "萍乡市", "武汉市", "宜昌市",
          "襄阳市", "荆州市", "黄冈市", "孝感市", "恩施州", "桂林市", "柳州市", "百色市", "河池市", "贵阳市",
          "遵义市", "毕节市", "铜仁市", "黔东南州", "成都市", "绵阳市", "南充市", "达州市", "凉山州", "曲靖市"]
PLACES = ["安远", "定南", "全南", "龙南", "寻乌", "石城", "瑞金", "会昌", "宁都", "兴国", "于都", "信丰",
          "永丰", "泰和", "遂川", "万安", "安福", "永新", "峡江", "新干", "铜鼓", "靖安", "奉新", "高安",
          "丰城", "樟树", "万载", "上高", "宜丰", "婺源", "德兴", "弋阳", "横峰", "铅山", "玉山", "广丰",
          "南丰", "黎川", "资溪", "金溪", "乐安", "宜黄", "崇仁", "广昌", "秭归", "长阳", "五峰", "远安",
          "兴山", "当阳", "枝江", "宜都", "保康", "南漳", "谷城", "老河口", "枣阳", "宜城", "监利", "洪湖",
          "石首", "松滋", "公安", "江陵", "麻城", "武穴", "蕲春", "浠水", "罗田", "英山", "红安", "团风"]
SUFFIXES = ["县", "县", "县", "市", "区"]
UNIT_KINDS = ["人大常委会", "人大常委会", "人大常委会办公室", "人大常委会选举联络工委", "乡镇人大工作室"]
EDITORS = ["周敏", "孙立新", "黄晓燕", "吴海波", "郑一鸣", "何静", "冯涛"]

THEMES = ["乡村振兴", "生态环境保护", "预算审查监督", "法治政府建设", "营商环境", "农村人居环境整治", "基层社会治理",
          "义务教育均衡发展", "养老服务体系", "河湖长制", "耕地保护", "食品安全", "城市更新", "民族团结进步"]
VERBS = ["聚焦", "围绕", "紧扣", "立足", "着眼"]
GOALS = ["以高质量监督助推高质量发展", "让人大代表的声音在基层落地生根", "把群众的“小心愿”办成民生“大实事”",
         "用法治力量守护绿水青山", "以数字赋能提升人大工作质效", "推动审查监督向支出预算和政策拓展"]
SENTENCES = [
    "常委会组织{n}个调研组，深入{m}个乡镇、{k}个村组开展实地调研，形成专题报告{n}份。",
    "聚焦{t}，采取明察暗访、随机抽查等方式，发现问题{m}个，已整改到位{n}个。",
    "全年审查政府性基金预算和国有资本经营预算，提出审查意见{n}条，被采纳{n}条。",
    "推动出台《关于加强{t}工作的若干意见》，明确了{m}项具体措施和责任分工。",
    "代表们走村入户，面对面倾听群众心声，共收集意见建议{k}条，办结率达到{p}%。",
    "建立“季度调度、半年督查、年终评议”工作机制，确保监督工作不走过场。",
    "在全市率先建成预算联网监督系统，实现对{m}个预算单位的实时在线监督。",
    "坚持把{t}作为年度监督重点，连续{n}年听取审议专项工作报告。",
    "对{m}部法律法规在本行政区域的实施情况开展执法检查，推动解决突出问题。",
    "邀请{n}名基层代表列席常委会会议，面对面参与审议，提出意见建议{m}条。",
    "制定代表联络站星级评定办法，评选出五星级联络站{n}个、四星级联络站{m}个。",
    "针对群众反映强烈的“急难愁盼”问题，实行清单管理、挂图作战、逐项销号。",
    "组织开展“代表在行动”主题活动，参与代表{k}人次，办理民生实事{m}件。",
    "围绕{t}开展专题询问，{n}个政府部门主要负责人到会应询，回应问题{m}个。",
    "通过“线上+线下”方式开展代表培训，累计培训{k}人次，实现新任代表培训全覆盖。",
    "运用“数字人大”平台，将代表履职情况全程记录，形成履职档案{k}份。",
    "推动设立{t}专项资金{m}亿元，惠及群众{k}余户。",
    "常委会主任会议成员带头领衔督办重点建议{n}件，推动解决了一批难点问题。",
    "创新开展“人大代表+网格员”联动机制，在{m}个网格设立代表服务岗。",
    "把代表议案建议办理情况纳入政府绩效考核，考核权重提高到{p}%。",
    "对照问题清单逐项“回头看”，确保整改不反弹、问题不回潮。",
    "会同有关部门开展联合视察，对{n}个重点项目现场督办，推动项目按期完工。",
    "全面推行代表述职评议制度，{m}名代表向原选区选民报告履职情况。",
    "注重发挥专业小组作用，组建财经、法治、生态等{n}个代表专业小组。",
    "以“小切口”推动“大治理”，围绕{t}制定地方性法规{n}部。",
    "利用农闲时节组织代表进村讲政策、听民意、解民忧，受到群众普遍欢迎。",
    "2024年以来，累计收集群众意见{k}条，其中{m}条转化为代表建议。",
    "对政府债务管理情况开展专项监督，推动建立债务风险预警机制。",
    "把监督触角延伸到最基层，乡镇人大每年至少开展{n}次专项视察。",
    "依托“代表之家”开展“周三接待日”活动，全年接待群众{k}人次。",
]
BOLD_LEADS = ["一是强化组织领导。", "二是健全工作机制。", "三是突出问题导向。", "四是注重成果运用。",
              "五是加强宣传引导。", "主要做法：", "工作成效：", "下一步打算："]
QUOTES = ["编者按：基层人大工作是人大工作的基础。本期刊发的经验做法，供各地学习借鉴。",
          "编者按：代表联络站是密切人大代表同人民群众联系的重要平台，现将有关做法予以刊发。"]
TABLE_HEADS = [["项目", "数量", "占比"], ["乡镇", "代表人数", "进站次数", "收集建议"],
               ["年度", "议案（件）", "建议（件）", "办结率"], ["类别", "2023年", "2024年", "增长", "备注"],
               ["单位", "预算数（万元）", "执行数（万元）", "执行率", "问题数", "整改数"]]
FOOTNOTES = ["数据来源：县人大常委会办公室统计。", "参见《中华人民共和国各级人民代表大会常务委员会监督法》第二章。",
             "截至当年11月底的数据。", "含市、县、乡三级人大代表。", "按可比口径计算。"]
ORDINALS = "一二三四五六七八九十"


def unit_names(rng: random.Random, count: int = 330) -> list[str]:
    """Contributing units: city + a place name + 县/市/区, all distinct."""
    names: set[str] = set()
    while len(names) < count:
        names.add(rng.choice(CITIES) + rng.choice(PLACES) + rng.choice(SUFFIXES))
    return sorted(names)


def short(unit: str) -> str:
    for sep in ("市", "州"):
        head, found, tail = unit.partition(sep)
        if found and tail:
            return tail
    return unit


def sentence(rng: random.Random) -> str:
    return rng.choice(SENTENCES).format(n=rng.randint(2, 15), m=rng.randint(10, 300), k=rng.randint(200, 9000),
                                        p=rng.randint(60, 99), t=rng.choice(THEMES))


def paragraph(rng: random.Random, wrap: bool) -> str:
    text = "".join(sentence(rng) for _ in range(rng.randint(1, 6)))
    if rng.random() < 0.2:
        text = "**" + rng.choice(BOLD_LEADS) + "**" + text
    if wrap:  # an editor's hard-wrapped paragraph: lines of ~36 characters
        text = "\n".join(text[i:i + 36] for i in range(0, len(text), 36))
    return text


def table(rng: random.Random) -> list[str]:
    head = rng.choice(TABLE_HEADS)
    rows = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    for index in range(rng.randint(3, 12)):
        cells = [f"{rng.choice(PLACES)}镇" if index % 3 else "合计"] + \
                [str(rng.randint(1, 5000)) if c % 2 else f"{rng.randint(50, 100)}%" for c in range(1, len(head))]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def bullet_list(rng: random.Random) -> list[str]:
    numbered = rng.random() < 0.5
    lines = []
    for index in range(rng.randint(2, 6)):
        marker = f"{index + 1}." if numbered else "-"
        lines.append(f"{marker} {sentence(rng)}")
        if rng.random() < 0.15:
            lines += [f"   - {sentence(rng)}" for _ in range(rng.randint(1, 3))]
    return lines


def title(rng: random.Random) -> str:
    theme, goal = rng.choice(THEMES), rng.choice(GOALS)
    shape = rng.random()
    if shape < 0.2:
        return f"{theme}工作纪实"
    if shape < 0.8:
        return f"{rng.choice(VERBS)}{theme} {goal}"
    return f"{rng.choice(VERBS)}{theme}、{rng.choice(THEMES)}和{rng.choice(THEMES)}等重点领域，" \
           f"{goal}，{rng.choice(GOALS)}"  # a long title (up to ~70 characters)


def article(rng: random.Random, unit: str, issue_tag: str, budget: int, most: int | None = None) -> str:
    target = min(budget, int(rng.lognormvariate(7.3, 0.8)) + 200)  # median ~1,700 characters, tail to ~9,000
    if most is not None:
        target = min(target, most)
    lines = [f"# {short(unit) if rng.random() < 0.3 else unit}：{title(rng)}", ""]
    if rng.random() < 0.1:
        lines += ["> " + rng.choice(QUOTES), ""]
    size, notes, section = 0, 0, 0
    headed = rng.random() < 0.6
    while size < target:
        if headed and rng.random() < 0.25 and section < 10:
            lines += [f"## {ORDINALS[section]}、{rng.choice(VERBS)}{rng.choice(THEMES)}", ""]
            section += 1
        roll = rng.random()
        if roll < 0.06:
            block = table(rng)
        elif roll < 0.16:
            block = bullet_list(rng)
        else:
            text = paragraph(rng, wrap=rng.random() < 0.15)
            if rng.random() < 0.08 and notes < 5:
                notes += 1
                text += f"[^{issue_tag}-{notes}]"
            block = [text]
        lines += block + [""]
        size += sum(len(line) for line in block)
    for number in range(1, notes + 1):
        lines += [f"[^{issue_tag}-{number}]: {rng.choice(FOOTNOTES)}", ""]
    return "\n".join(lines)


def schedule(rng: random.Random, n_issues: int) -> list[tuple[int, int, int]]:
    """(year, 期号, 总期号), oldest first: years of 12–52 issues, the newest (2025) partial."""
    sizes: list[int] = []
    while sum(sizes) < n_issues:
        sizes.append(rng.randint(12, 52))
    sizes[-1] -= sum(sizes) - n_issues
    first = LAST_YEAR - len(sizes) + 1
    slots, total = [], 0
    for index, size in enumerate(sizes):
        for number in range(1, size + 1):
            total += 1
            slots.append((first + index, number, total))
    return slots


def issue_text(rng: random.Random, units: list[str], year: int, number: int, total: int, per_year: int,
               article_most: int | None = None) -> str:
    day = (number - 1) * (360 // max(per_year, 1))
    date = dt.date(year, 1, 2) + dt.timedelta(days=min(day + rng.randint(0, 2), 362))
    chosen = rng.sample(units, rng.choice([1, 1, 2, 2, 2, 3, 3, 4, 5, 6]))
    front = ["---", f"# {year}年第{number}期（另一种生成的基准测试数据，并非真实简报）", f"issue: {number}",
             f"total: {total}", f"date: {date.isoformat()}"]
    if rng.random() < 0.7:
        front.append(f"editor: {rng.choice(EDITORS)}")
    front.append("articles:")
    for unit in chosen:
        front.append(f"  - county: {unit}")
        if rng.random() < 0.95:
            front.append(f"    contributor: {short(unit)}{rng.choice(UNIT_KINDS)}")
    front.append("---")
    budget = MAX_ISSUE_CHARS
    bodies = []
    for index, unit in enumerate(chosen):
        text = article(rng, unit, f"n{index + 1}", budget // (len(chosen) - index), article_most)
        budget -= len(text)
        bodies.append(text)
    return "\n".join(front) + "\n\n" + "\n".join(bodies)


def generate(root: Path, n_issues: int = 1000, seed: int = 11, source: Path | None = None,
             article_most: int | None = None) -> list[Path]:
    """Write a site with ``n_issues`` issues under ``root`` (content/ replaced), with site.yaml and
    templates/ from ``source`` (default: the installed liandong's checkout); articles of at most
    ``article_most`` characters if given. Returns the issue files, oldest first."""
    root = Path(root)
    source = source or liandong_repo()
    rng = random.Random(seed)
    units = unit_names(rng)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "site.yaml", root / "site.yaml")
    shutil.rmtree(root / "templates", ignore_errors=True)
    shutil.copytree(source / "templates", root / "templates")
    shutil.rmtree(root / "content", ignore_errors=True)
    slots = schedule(rng, n_issues)
    per_year: dict[int, int] = {}
    for year, _, _ in slots:
        per_year[year] = per_year.get(year, 0) + 1
    files = []
    for year, number, total in slots:
        path = root / "content" / str(year) / f"{number:02d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(issue_text(rng, units, year, number, total, per_year[year], article_most) + "\n",
                        encoding="utf-8")
        files.append(path)
    return files


REAL_SIZE_ARTICLE = 1600  # characters: --real-size


def generate_real_size(root: Path, n_issues: int = 1000, seed: int = 11, source: Path | None = None) -> list[Path]:
    """:func:`generate` with articles of at most REAL_SIZE_ARTICLE characters (issues of ~10 KB)."""
    return generate(root, n_issues, seed, source, article_most=REAL_SIZE_ARTICLE)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--real-size" in argv:
        argv.remove("--real-size")
        return command_line(generate_real_size, __doc__, 11, argv)
    return command_line(generate, __doc__, 11, argv)


if __name__ == "__main__":
    sys.exit(main())
