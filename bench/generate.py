"""Generate a realistic synthetic 《联络动态》 archive for benchmarking liandong.

    python bench/generate.py DIR [--issues 1000] [--seed 7]

DIR gets site.yaml and templates/ copied from the repository, and content/<year>/<NN>.md in the
same format as content/2025/12.md: 36 issues a year about ten days apart, the last year being 2025
(the newest year is the partial one, as in a real archive); 期号 restart every year, 总期号 run from
1 to N; 2–4 articles an issue, each 3,000–5,000 Chinese characters under 一、 and （一） headings,
contributed by real Hunan counties. The text recombines ~60 bulletin-style sentences, so every
character is one the free fonts draw. The same (n_issues, seed) always gives the same bytes.

Only the standard library is used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ISSUES_PER_YEAR = 36
LAST_YEAR = 2025

# Real county-level divisions of Hunan, written as the bulletin writes them (市/州 + 县/市/区).
COUNTIES = [
    "长沙市长沙县", "长沙市望城区", "长沙市浏阳市", "长沙市宁乡市",
    "株洲市攸县", "株洲市茶陵县", "株洲市炎陵县", "株洲市醴陵市", "株洲市渌口区",
    "湘潭市湘潭县", "湘潭市湘乡市", "湘潭市韶山市",
    "衡阳市衡阳县", "衡阳市衡南县", "衡阳市衡山县", "衡阳市衡东县", "衡阳市祁东县", "衡阳市耒阳市",
    "衡阳市常宁市",
    "邵阳市邵东市", "邵阳市新邵县", "邵阳市邵阳县", "邵阳市隆回县", "邵阳市洞口县", "邵阳市绥宁县",
    "邵阳市新宁县", "邵阳市城步苗族自治县", "邵阳市武冈市",
    "岳阳市岳阳县", "岳阳市华容县", "岳阳市湘阴县", "岳阳市平江县", "岳阳市汨罗市", "岳阳市临湘市",
    "常德市安乡县", "常德市汉寿县", "常德市澧县", "常德市临澧县", "常德市桃源县", "常德市石门县",
    "常德市津市市",
    "张家界市慈利县", "张家界市桑植县", "张家界市永定区", "张家界市武陵源区",
    "益阳市南县", "益阳市桃江县", "益阳市安化县", "益阳市沅江市",
    "郴州市桂阳县", "郴州市宜章县", "郴州市永兴县", "郴州市嘉禾县", "郴州市临武县", "郴州市汝城县",
    "郴州市桂东县", "郴州市安仁县", "郴州市资兴市",
    "永州市祁阳市", "永州市东安县", "永州市双牌县", "永州市道县", "永州市江永县", "永州市宁远县",
    "永州市蓝山县", "永州市新田县", "永州市江华瑶族自治县",
    "怀化市中方县", "怀化市沅陵县", "怀化市辰溪县", "怀化市溆浦县", "怀化市会同县",
    "怀化市麻阳苗族自治县", "怀化市新晃侗族自治县", "怀化市芷江侗族自治县", "怀化市通道侗族自治县",
    "怀化市洪江市",
    "娄底市双峰县", "娄底市新化县", "娄底市冷水江市", "娄底市涟源市",
    "湘西州吉首市", "湘西州泸溪县", "湘西州凤凰县", "湘西州花垣县", "湘西州保靖县", "湘西州古丈县",
    "湘西州永顺县", "湘西州龙山县",
]

EDITORS = ["汤建", "李明", "王芳", "陈志刚", "刘洋"]

DISTRIBUTION = [
    "全国人大常委会代表工作委员会",
    "办公厅研究室、新闻局、《中国人大》杂志社",
    "省人大常委会主任会议（党组）成员",
    "各省（区、市）人大常委会代表工作机构",
    "省委组织部、省委宣传部",
    "省人民政府办公厅",
    "省监察委员会",
    "省高级人民法院",
    "省人民检察院",
    "省人大常委会副秘书长",
    "省人大各专门委员会",
    "省人大常委会各办事机构、工作机构",
    "各市州、县市区人大常委会",
]

SLOGANS = ["三会三文", "两个联系", "微建议", "代表进站", "民生实事票决", "全链条", "三力", "四督联动",
           "家站一体", "群众点单", "代表有约", "树下说事", "一府一委两院", "数字人大", "五小水利"]
AIMS = ["推动代表履职效能提升", "推动县乡人大工作整体提质增效", "助力基层治理现代化", "让民生实事落地见效",
        "打通联系群众最后一公里", "推动监督工作走深走实", "提升代表建议办理质效", "激发代表履职动能",
        "推动全过程人民民主基层实践", "服务县域经济高质量发展"]
TITLES = ["以“{s}”为抓手 {a}", "畅通“{s}”履职路径 {a}", "深化“{s}”实践 {a}", "打造“{s}”品牌 {a}",
          "聚焦“{s}” {a}", "用好“{s}”机制 {a}"]
HEADINGS = ["以“{s}”为纲领，健全代表履职机制", "以代表联络站为阵地，完善代表履职平台",
            "以人民满意为目标，激发代表履职动能", "强化组织力，坚持高站位推动", "提升服务力，聚力高水平履职",
            "践行创新力，推动高质量发展", "突出监督实效，推动民生实事落地", "坚持制度引领，规范履职行为",
            "注重数字赋能，提升工作效率", "加强自身建设，夯实工作基础", "聚焦中心大局，服务发展所需",
            "密切联系群众，回应民生关切"]
SUBHEADINGS = ["抓学习领悟，找准坐标", "抓任务分解，明确责任", "抓制度完善，规范履职", "建好阵地，增强凝聚力",
               "管好阵地，推动规范运行", "用好阵地，提升使用效能", "办好“微建议”，提升群众满意度",
               "参与“真监督”，推动民生实事办好", "助力“树新风”，展现担当作为", "创先争优立标杆",
               "创优提质树品牌", "创新赋能强内核", "做实“两个联系”", "强化议案建议督办", "优化履职服务保障"]
INTROS = [
    "今年以来，{c}人大常委会深入贯彻落实省委、省人大常委会“三会三文”精神，立足本地实际，着力健全代表履职机制、"
    "完善代表履职平台、激发代表履职动能，推动人大工作提质增效。",
    "{c}人大常委会聚焦贯彻省委、省人大常委会“三会三文”精神，通过强化组织力、提升服务力、践行创新力，推动县乡人大"
    "工作整体提质增效。",
    "近年来，{c}人大常委会坚持以人民为中心，把“{s}”作为联系群众的重要抓手，推动代表工作从“有形覆盖”向“有效覆盖”转变。",
    "{c}人大常委会围绕县委中心工作，坚持监督与支持并重，探索“{s}”工作模式，取得了良好成效。",
]
SENTENCES = [
    "县人大常委会把学习宣传贯彻“三会三文”精神作为改进工作的重要抓手，实现学习传达全覆盖。",
    "通过召开县人大常委会会议、县乡人大工作会议，编印资料发给“一府一委两院”，推动精神落地落实。",
    "将其融入县人大常委会党组{y}年工作要点，以责任压实促落实。",
    "定期召开基层人大工作月例会，对照{n}个方面{m}项重点任务，调度各委室、各乡镇人大主席团的代表工作进展。",
    "确保有计划有举措、有活动见成效，推动各项任务有序推进。",
    "县委出台工作责任清单，县委工作部门带头落实“三纳入一健全”等要求。",
    "“一府一委两院”对照清单积极配合，加强对人大工作的支持。",
    "县人大常委会出台乡镇人大工作自我评价办法和人大代表履职积分管理实施方案。",
    "对乡镇人大的大会及闭会期间工作作了具体规定，明确了代表履职的{m}项具体内容。",
    "坚持“线上+线下”“有形+无形”，依托“智慧人大”平台，建成{n}个网上代表联络站。",
    "建成{m}个线下乡镇、村级代表联络站，{k}名省、市、县、乡人大代表全部进站。",
    "以联络站调动代表履职积极性，增强代表队伍的凝聚力和向心力。",
    "对代表联络站工作提出{m}条要求，明确代表进站活动频次、形式、内容。",
    "推行“人大代表二维码”进选区，密切代表与选民联系，方便收集社情民意。",
    "组织代表参与活动{k}余人次，收集意见建议{k}余条，按流程交办并反馈回复。",
    "县人大常委会组成人员集中走访了所联系的人大代表，面对面听取意见建议。",
    "{m}名“一府一委两院”领导班子成员走进代表联络站联系人大代表{k}人次。",
    "探索开展“微建议”解决“大民生”，将进站、入户走访收集的意见建议整理成“微建议”。",
    "以专报形式报送县委、抄送县政府研究解决，已编发{n}期，梳理社情民意{k}条，督促解决实际问题{m}个。",
    "聚焦县、乡两级人大代表票决民生实事项目，组织代表全程监督，确保项目惠民生。",
    "推行“代表+网格”履职模式，构建基层治理工作机制，代表在基层治理中展现担当。",
    "组织代表走访群众，收集意见建议{m}余条并转交政府办理，群众满意度明显提升。",
    "坚持“五学”联动，即常委会党组示范学、委员专题学、支部党员跟进学、人大代表履职学、机关干部常态学。",
    "组织常委会组成人员进站宣讲，确保各级人员深刻领会精神内涵，找准工作坐标。",
    "对省委出台的意见逐条梳理，提请县委常委会会议研究印发责任清单，明确{m}项重点任务。",
    "修改常委会议事规则等{m}项规则办法，新制订{n}项制度规则，以完善的制度规范人大履职行为。",
    "落实主任会议成员分片指导联系乡镇人大工作制度，督促落实“六好一融入”要求。",
    "完善主任会议成员联系委员、委员联系代表、代表联系群众制度，实现市县乡代表联动履职。",
    "持续推行“四办”“四督”工作机制，组织基层代表集中评议重点督办建议办理工作。",
    "推动议案建议从“纸面”落到“地面”，代表建议办理满意率显著提升。",
    "投入{m}万元提质建设{n}个人大代表联络站，在群众聚集地设立“树下说事”“亭下议事”代表联络点。",
    "依托联络站开展学习交流，促进市县代表与乡镇代表协同活动，将指导清单转化为成绩账单。",
    "深入实施机关建设三年行动，开展创先争优活动，激励守正创新。",
    "推出听取审议专项工作报告、安排负责人列席代表团会议等举措，提升会议效率和信息化水平。",
    "推行“群众点单、代表有约、局长进站”机制，人大代表与政府职能部门同向发力。",
    "解决了学校定制公交等一大批民生实事，形成具有地方特色的全过程人民民主基层实践品牌。",
    "打好法定监督方式“组合拳”，完善“项目化清单式”监督模式，开展专题调研和专题询问。",
    "构建预算联网监督体系，将全过程人民民主实践到预算联网监督各环节。",
    "推动人大监督与党内监督、检察监督、审计监督和社会监督贯通协调，构建“四督联动”机制。",
    "围绕优化营商环境开展执法检查，督促有关部门整改问题{m}个，推动出台配套措施{n}项。",
    "组织代表对{n}个重点项目开展视察，提出意见建议{m}条，跟踪督办至问题解决。",
    "听取和审议县人民政府关于乡村振兴工作情况的报告，提出审议意见{n}条并跟踪落实。",
    "建立代表履职档案，实行履职情况年度公示，接受选民监督。",
    "组织县乡人大代表向原选区选民述职，接受选民评议，推动代表履职从“被动”走向“主动”。",
    "开展代表专题培训{n}期，培训代表{k}人次，提升代表依法履职能力。",
    "把代表联络站建在产业链上、建在园区里，推动代表为企业纾困解难。",
    "围绕教育、医疗、养老等群众关心的问题，组织代表开展专题调研{n}次。",
    "民生实事项目由人大代表票决产生，实行“群众提、代表定、政府办、人大评”。",
    "{y}年票决产生民生实事项目{m}个，目前已全部按进度推进。",
    "建立代表建议办理“回头看”制度，对已答复的建议开展满意度测评。",
    "坚持问题导向，对群众反映强烈的问题实行清单化管理，逐项销号。",
    "县人大常委会主要负责同志带头领办重点建议，推动解决了一批群众急难愁盼问题。",
    "各乡镇人大主席团结合实际，组织代表开展“代表活动月”等主题活动。",
    "建立乡镇人大工作联系点，及时总结推广基层好经验好做法。",
    "充分发挥人大代表来自群众、扎根基层的优势，积极参与矛盾纠纷化解。",
    "加强与新闻媒体合作，开设专栏宣传代表履职风采，营造良好氛围。",
    "推动“智慧人大”平台向乡镇延伸，实现代表履职网上留痕、群众意见网上办理。",
    "邀请代表列席常委会会议{n}人次，拓宽代表参与常委会工作的渠道。",
    "代表联络站入选全省“管得好、用得好”人大代表联络站案例选编。",
    "下一步，县人大常委会将继续深化“{s}”工作，推动代表工作再上新台阶。",
    "通过跟踪督办相关议案，推动政府实施水利项目，切实解决群众灌溉难题。",
    "在乡镇人代会上推行“代表票决+政府实施+人大监督”工作闭环。",
    "注重发挥专业代表作用，邀请农业、法律、财经领域代表参与专题调研。",
]
ORDINALS = "一二三四五六七八九十"


def county_short(county: str) -> str:
    """株洲市炎陵县 → 炎陵县 (the part after the city or prefecture)."""
    for sep in ("市", "州"):
        head, found, tail = county.partition(sep)
        if found and tail:
            return tail
    return county


def sentence(rng: random.Random, county: str, year: int) -> str:
    text = rng.choice(SENTENCES)
    return text.format(n=rng.randint(2, 19), m=rng.randint(5, 99), k=rng.randint(100, 1800), y=year,
                       s=rng.choice(SLOGANS), c=county_short(county))


def paragraph(rng: random.Random, county: str, year: int, lead: str = "") -> str:
    return lead + "".join(sentence(rng, county, year) for _ in range(rng.randint(4, 8)))


def han(text: str) -> int:
    """Chinese characters in text (punctuation and digits not counted)."""
    return sum("\u4e00" <= char <= "\u9fff" for char in text)


def article(rng: random.Random, county: str, year: int) -> str:
    """One ``# `` article of 3,000–5,000 Chinese characters: intro, then 一、 sections with （一） parts."""
    target = rng.randint(3000, 4700)  # the last paragraph overshoots by up to ~300
    title = rng.choice(TITLES).format(s=rng.choice(SLOGANS), a=rng.choice(AIMS))
    lines = [f"# {county}：{title}", "", rng.choice(INTROS).format(c=county, s=rng.choice(SLOGANS)), ""]
    length = han(lines[2])
    headings = rng.sample(HEADINGS, 5)
    for section in range(5):
        if length >= target and section >= 2:
            break
        lines += [f"## {ORDINALS[section]}、{headings[section].format(s=rng.choice(SLOGANS))}", ""]
        for part in range(3):
            lines += [f"### （{ORDINALS[part]}）{rng.choice(SUBHEADINGS)}", ""]
            for _ in range(rng.randint(1, 2)):
                text = paragraph(rng, county, year)
                length += han(text)
                lines += [text, ""]
            if length >= target:
                break
    return "\n".join(lines)


def issue_text(rng: random.Random, year: int, number: int, total: int, date: dt.date) -> str:
    counties = rng.sample(COUNTIES, rng.randint(2, 4))
    front = ["---", f"# 联络动态 {year}年第{number}期（生成的基准测试数据，并非真实简报）",
             f"issue: {number}", f"total: {total}", f"date: {date.isoformat()}",
             f"editor: {rng.choice(EDITORS)}", "articles:"]
    for county in counties:
        front += [f"  - county: {county}", f"    contributor: {county}人大常委会"]
    if rng.random() < 0.3:
        front += ["distribution:", "  送:"] + [f"    - {name}" for name in DISTRIBUTION]
    front.append("---")
    body = [article(rng, county, year) for county in counties]
    return "\n".join(front) + "\n\n" + "\n".join(body)


def schedule(n_issues: int) -> list[tuple[int, int, int]]:
    """(year, 期号, 总期号) oldest first: full years of 36, the newest year (2025) the partial one."""
    years = -(-n_issues // ISSUES_PER_YEAR)
    in_last = n_issues - ISSUES_PER_YEAR * (years - 1)
    slots, total = [], 0
    for index in range(years):
        year = LAST_YEAR - years + 1 + index
        for number in range(1, (in_last if index == years - 1 else ISSUES_PER_YEAR) + 1):
            total += 1
            slots.append((year, number, total))
    return slots


def liandong_repo() -> Path:
    """The checkout whose liandong is installed (the code being benchmarked), else this one."""
    try:
        import liandong
    except ImportError:
        return REPO
    candidate = Path(liandong.__file__).resolve().parent.parent
    return candidate if (candidate / "templates").is_dir() and (candidate / "site.yaml").is_file() else REPO


def generate(root: Path, n_issues: int = 1000, seed: int = 7, source: Path | None = None) -> list[Path]:
    """Write a site with ``n_issues`` issues under ``root`` (created; content/ replaced), with
    site.yaml and templates/ from ``source`` (default: the installed liandong's checkout).
    Returns the issue files, oldest first."""
    root = Path(root)
    source = source or liandong_repo()
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "site.yaml", root / "site.yaml")
    shutil.rmtree(root / "templates", ignore_errors=True)
    shutil.copytree(source / "templates", root / "templates")
    shutil.rmtree(root / "content", ignore_errors=True)
    files = []
    for year, number, total in schedule(n_issues):
        date = dt.date(year, 1, 3) + dt.timedelta(days=(number - 1) * 10 + rng.randint(0, 3))
        path = root / "content" / str(year) / f"{number:02d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(issue_text(rng, year, number, total, date) + "\n", encoding="utf-8")
        files.append(path)
    return files


def main(argv: list[str] | None = None) -> int:
    return command_line(generate, __doc__, 7, argv)


def command_line(make, doc: str, seed: int, argv: list[str] | None) -> int:
    """The command line both generators share: ``make(root, issues, seed)`` writes the archive."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="folder to write the site into")
    parser.add_argument("--issues", type=int, default=1000, help="number of issues (default 1000)")
    parser.add_argument("--seed", type=int, default=seed, help=f"random seed (default {seed})")
    args = parser.parse_args(argv)
    files = make(args.root, args.issues, args.seed)
    size = sum(path.stat().st_size for path in files)
    print(f"{len(files)} issues, {size / 1e6:.1f} MB of Markdown → {args.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
