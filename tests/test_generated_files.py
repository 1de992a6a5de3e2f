"""What liandong reads it reads with certainty, and what it writes is valid: encodings (GBK, Big5,
UTF-16) told apart or refused, bidi and zero-width characters dropped with a warning whatever the
options, ``new`` quoting through YAML's emitter, ``check --fix`` keeping the front matter."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import yaml

from liandong.build import build
from liandong.config import load_config
from liandong.reader import load_archive
from liandong.sources import decode_source

from conftest import REPO, copy_site, run_cli

SAMPLES = sorted((REPO / "content").rglob("[0-9]*.md"))
TRADITIONAL = ("本會於今年召開代表座談會，聽取各鄉鎮人大主席團關於代表聯絡站建設的意見和建議。會議指出，要進一步健全"
               "代表履職機制，暢通民意表達渠道，推動代表工作提質增效。與會代表認為，“家站點”建設讓群眾反映問題更方便。")


def big5_text(text: str) -> str:
    """The text without the characters Big5 cannot hold (Simplified-only forms)."""
    return "".join(char for char in text if char.encode("cp950", "ignore") or char == "")


# --- encodings ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_gbk_and_big5_files_are_read_right(path):
    text = path.read_text(encoding="utf-8")
    gbk, _ = decode_source(text.encode("gb18030"), Path("x.md"))
    assert gbk is not None and gbk.text == text and gbk.encoding == "gb18030"
    big5 = big5_text(text)
    source, problems = decode_source(big5.encode("cp950"), Path("x.md"))
    assert source is not None and source.text == big5 and source.encoding == "big5"
    assert any("Big5" in p.message and not p.is_error for p in problems)


def test_traditional_chinese_in_big5_is_read_right():
    source, problems = decode_source(("---\n---\n# 標題\n\n" + TRADITIONAL).encode("cp950"), Path("x.md"))
    assert source is not None and TRADITIONAL in source.text


def test_legacy_encodings_are_never_read_wrong():
    """Random texts in GBK and Big5, with the character frequencies of real Chinese (mostly the
    common level-1 characters) and without (uniformly rare ones): each is read right or refused
    with a Chinese error, never read as the other encoding."""
    rng = random.Random(17)
    pools = {codec: {"common": [], "rare": []} for codec in ("gb18030", "cp950")}
    for code in range(0x4E00, 0x9FA6):
        char = chr(code)
        for codec, level1 in (("gb18030", lambda b: 0xB0 <= b[0] <= 0xD7), ("cp950", lambda b: 0xA4 <= b[0] <= 0xC6)):
            try:
                encoded = char.encode("gb2312" if codec == "gb18030" else codec)
            except UnicodeEncodeError:
                encoded = char.encode(codec, "ignore")
                if encoded:
                    pools[codec]["rare"].append(char)
                continue
            pools[codec]["common" if level1(encoded) else "rare"].append(char)
    punctuation = "，。、；：？！“”（）《》"
    outcomes = {"realistic": {"right": 0, "refused": 0}, "rare": {"right": 0, "refused": 0}}
    for trial in range(400):
        codec = rng.choice(list(pools))
        kind = "realistic" if trial % 4 else "rare"
        rare_share = 0.02 if kind == "realistic" else 0.9
        length = rng.choice([5, 12, 30, 80, 400, 3000])
        chars = [rng.choice(punctuation) if rng.random() < 0.12 else
                 rng.choice(pools[codec]["rare" if rng.random() < rare_share else "common"]) for _ in range(length)]
        text = "---\nissue: 1\n---\n# " + "".join(chars) + "\n"
        text = "".join(c for c in text if _encodes(c, codec))
        source, problems = decode_source(text.encode(codec), Path("x.md"))
        if source is None:
            outcomes[kind]["refused"] += 1
            assert kind == "rare" or length < 30, (codec, length)  # real text of a line or more is read
            assert problems and problems[0].is_error and re.search(r"[\u4e00-\u9fff]", problems[0].message)
        else:
            assert source.text == text, (codec, kind, length)  # never a wrong reading
            outcomes[kind]["right"] += 1
    print(outcomes)
    assert outcomes["realistic"]["right"] > 150 and outcomes["rare"]["refused"] > 50, outcomes


def _encodes(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def test_short_legacy_file_is_refused_not_guessed_and_fix_leaves_it(site):
    path = site / "content/2025/13.md"
    data = "---\nissue: 13\ntotal: 740\ndate: 2025-08-08\narticles:\n  - county: 縣\n---\n# 會議\n\n座談。\n".encode("cp950")
    path.write_bytes(data)
    result = run_cli("check", "--fix", "--all", cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "content/2025/13.md" in result.stderr and "另存为 UTF-8" in result.stderr
    assert path.read_bytes() == data  # never rewritten
    assert "已修正 content/2025/13.md" not in result.stdout


def test_big5_file_builds_and_fix_converts_it(site):
    path = site / "content/2025/13.md"
    text = big5_text(path.read_text(encoding="utf-8"))
    path.write_bytes(text.encode("cp950"))
    result = run_cli("build", "--no-pdf", "--no-search", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "content/2025/13.md: 警告：文件是 Big5 编码" in result.stderr
    fixed = run_cli("check", "--fix", "--all", cwd=site)
    assert "已修正 content/2025/13.md" in fixed.stdout
    assert path.read_bytes().decode("utf-8").split("\n---\n")[0] == text.split("\n---\n")[0]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_read_without_bom_refused_in_chinese(site, codec):
    path = site / "content/2025/13.md"
    text = path.read_text(encoding="utf-8")
    data = text.encode(codec)
    with_bom = codec == "utf-16"
    path.write_bytes(data)
    result = run_cli("build", "--no-pdf", "--no-search", cwd=site)
    assert "Traceback" not in result.stderr
    if with_bom:
        assert result.returncode == 0 and "文件是 UTF-16 编码" in result.stderr
        assert run_cli("check", "--fix", "--all", cwd=site).returncode == 0
        assert path.read_bytes() == text.encode("utf-8")
    else:
        assert result.returncode == 1 and "content/2025/13.md: 错误：文件似乎是不带字节顺序标记的 UTF-16 编码" in result.stderr


# --- bidi and zero-width characters ---------------------------------------------------------------

INVISIBLE = ["\u202e", "\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069",
             "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff"]


@pytest.mark.parametrize("options", [["--no-pdf"], ["--no-pdf", "--no-search"]])
def test_bidi_and_zero_width_characters_are_dropped_with_a_warning(site, options):
    path = site / "content/2025/13.md"
    text = path.read_text(encoding="utf-8")
    title_line = next(n for n, line in enumerate(text.split("\n"), 1) if line.startswith("# "))
    lines = text.split("\n")
    lines[title_line - 1] = lines[title_line - 1][:4] + "\u202e" + lines[title_line - 1][4:] + "\u200b"
    text = "\n".join(lines).replace("群众扫码即可", "群众" + "".join(INVISIBLE) + "扫码即可")
    text = text.replace("county: 岳阳市平江县", "county: 岳阳市\u2067平江县")
    path.write_text(text, encoding="utf-8")
    result = run_cli("build", *options, cwd=site)
    assert result.returncode == 0, result.stderr
    assert re.search(rf"content/2025/13\.md:{title_line}: 警告：含有不可见的双向文本控制符或零宽字符 U\+200B、U\+202E",
                     result.stderr), result.stderr
    assert "U+2067" in result.stderr
    for output in (site / "build").rglob("*"):
        if output.suffix in (".html", ".xml", ".json", ".txt"):
            content = output.read_text(encoding="utf-8")
            assert not [c for c in INVISIBLE if c in content], output
    assert "群众扫码即可" in (site / "build/2025/13/index.html").read_text(encoding="utf-8")
    fixed = run_cli("check", "--fix", "--all", cwd=site)
    assert "已修正 content/2025/13.md" in fixed.stdout
    assert not [c for c in INVISIBLE if c in path.read_text(encoding="utf-8")]


def test_bidi_characters_never_reach_a_pdf(site):
    path = site / "content/2025/13.md"
    path.write_text(path.read_text(encoding="utf-8").replace("群众扫码即可", "群众\u202e扫码\u200b即可"), encoding="utf-8")
    from pypdf import PdfReader
    report = build(site, workers=1)
    assert any("U+202E" in p.message for p in report.warnings)
    text = "".join(page.extract_text() for page in PdfReader(site / "build/2025/13/liandong-2025-13.pdf").pages)
    assert "\u202e" not in text and "\u200b" not in text


# --- liandong new -----------------------------------------------------------------------------------

EDITORS = ["汤: 建", "汤 #建", "- 汤建", "'汤建'", '"汤建"', "yes", "null", "123", "2025-01-01", "&a 汤", "*a",
           "!!python/object:os.system", "%汤", "@汤", "`汤", "[汤, 建]", "{汤: 建}", "| 汤", "> 汤", "? 汤", "#汤",
           " 汤建 ", "汤建:", "汤建 #", "汤\\建", "汤\t建", "---", "..."]


@pytest.mark.parametrize("editor", EDITORS)
def test_new_quotes_values_through_yaml(site, editor):
    config = yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))
    config["editor"] = editor
    (site / "site.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    expected = load_config(site).editor
    result = run_cli("new", "--date", "2026-01-05", cwd=site)
    assert result.returncode == 0, result.stderr
    created = site / "content/2026/01.md"
    front = created.read_text(encoding="utf-8").split("\n---\n")[0].removeprefix("---\n")
    assert yaml.safe_load(front)["editor"] == expected
    archive, problems = load_archive(load_config(site))
    issue = next(i for i in archive.drafts if i.year == 2026)
    assert issue.editor == expected
    assert not [p for p in problems if p.is_error and "2026" in str(p.location)]


# --- check --fix keeps the front matter ---------------------------------------------------------------

FRONTS = [
    "---\nissue: 13\ntotal: 740\ndate: 2025-08-08\neditor: |\n  汤建\n  ---\n  (备注)\narticles:\n",
    "---\r\nissue: 13\r\ntotal: 740\r\ndate: 2025-08-08\r\neditor: \"汤建, 李四\"  # 责任编辑:注释\r\narticles:\r\n",
    "---   \nissue: 13\ntotal: 740\ndate: 2025-08-08\neditor: >\n    多行, 说明\n     ---\narticles:\n",
]


@pytest.mark.parametrize("front", FRONTS)
def test_fix_edits_only_the_body(site, front):
    path = site / "content/2025/13.md"
    text = path.read_text(encoding="utf-8")
    articles = text[text.index("articles:\n") + len("articles:\n"):]
    newline = "\r\n" if "\r\n" in front else "\n"
    rest = articles.replace("\n", newline)
    original = (front + rest).replace("群众扫码即可", "群众扫码即可,很方便(示例)")
    path.write_bytes(original.encode("utf-8"))
    closing = original.index(f"{newline}---{newline}") + len(f"{newline}---{newline}")
    result = run_cli("check", "--fix", "--all", cwd=site)
    assert "已修正 content/2025/13.md" in result.stdout, result.stdout + result.stderr
    data = path.read_bytes()
    assert data[:len(original[:closing].encode())] == original[:closing].encode("utf-8")  # byte-identical
    assert "群众扫码即可，很方便（示例）".encode() in data
    assert len(data.split(newline.encode())) == len(original.split(newline))
