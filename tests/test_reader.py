"""Issue files: front matter schema, article sections and the numbering across issues."""

from pathlib import Path

from liandong.config import load_config
from liandong.reader import county_slug, load_archive

ISSUE = """---
issue: {issue}
total: {total}
date: {date}
articles:
  - county: 长沙市浏阳市
    contributor: 长沙市浏阳市人大常委会
---

# 标题一

正文。
"""


def write_issue(site: Path, year: int, number: int, text: str | None = None, **values) -> Path:
    path = site / "content" / str(year) / f"{number:02d}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = {"issue": number, "total": 900 + number, "date": f"{year}-03-0{number % 9 + 1}", **values}
    path.write_text(text if text is not None else ISSUE.format(**fields), encoding="utf-8")
    return path


def problems_of(site: Path) -> list[str]:
    _, problems = load_archive(load_config(site))
    return [str(p) for p in problems]


def only_issue(site: Path, text: str) -> list[str]:
    for path in (site / "content").rglob("*.md"):
        path.unlink()
    write_issue(site, 2026, 1, text)
    return problems_of(site)


def test_sample_archive_loads_without_problems(site):
    archive, problems = load_archive(load_config(site))
    assert problems == []
    issue = next(i for i in archive.issues if i.key == (2025, 12))
    assert issue.total == 739 and issue.editor == "汤建"
    assert [a.county for a in issue.articles] == ["株洲市炎陵县", "郴州市桂阳县"]
    assert issue.articles[0].title == "株洲市炎陵县：畅通“全链条”履职路径 推动代表履职效能提升"
    assert issue.articles[1].contributor == "郴州市桂阳县人大常委会"
    assert len(issue.distribution["送"]) == 14


def test_article_count_must_match_sections(site):
    text = ISSUE.format(issue=1, total=1, date="2026-01-05") + "\n# 标题二\n\n多出的一篇。\n"
    found = only_issue(site, text)
    assert any("01.md:5:" in p and "articles 列出 1 篇文章，但正文中有 2 个" in p for p in found)


def test_date_year_must_match_folder(site):
    found = only_issue(site, ISSUE.format(issue=1, total=1, date="2025-12-30"))
    assert any("01.md:4:" in p and "年份与所在目录 2026 不一致" in p for p in found)


def test_issue_and_total_must_be_positive_integers(site):
    found = only_issue(site, ISSUE.format(issue=0, total="七百", date="2026-01-05"))
    assert any("01.md:2:" in p and "“issue”（期号" in p and "应为正整数" in p for p in found)
    assert any("01.md:3:" in p and "“total”（总期号）应为正整数" in p for p in found)


def test_missing_fields_and_wrong_types_name_the_line(site):
    text = "---\nissue: 1\ndate: 明天\narticles:\n  - contributor: 某单位\n---\n\n# 标题\n\n正文\n"
    found = only_issue(site, text)
    assert any("01.md:2:" in p and "缺少必填项“total”" in p for p in found)
    assert any("01.md:3:" in p and "应为日期" in p for p in found)
    assert any("01.md:5:" in p and "缺少必填项“county”" in p for p in found)


def test_bad_yaml_in_front_matter_names_file_line(site):
    found = only_issue(site, "---\nissue: 1\ntotal: [1\ndate: 2026-01-05\n---\n# 标题\n")
    assert any("01.md:" in p and "YAML 格式错误" in p for p in found)


def test_missing_front_matter(site):
    found = only_issue(site, "# 标题\n\n正文\n")
    assert any("01.md:1:" in p and "缺少“---”" in p for p in found)


def test_text_before_first_article_is_reported(site):
    text = ISSUE.format(issue=1, total=1, date="2026-01-05").replace("# 标题一", "前言文字\n\n# 标题一")
    found = only_issue(site, text)
    assert any("01.md:10:" in p and "之前有正文" in p for p in found)


def test_duplicate_total_is_error(site):
    write_issue(site, 2026, 1, total=739, date="2026-01-05")
    found = problems_of(site)
    assert any("总期号 739 与" in p and "重复" in p and "错误" in p for p in found)


def test_gap_and_decreasing_total_are_warnings(site):
    write_issue(site, 2026, 1, total=800, date="2026-01-05")
    write_issue(site, 2026, 3, total=799, date="2026-02-05")
    found = problems_of(site)
    assert any("2026年期号不连续，缺少第 2 期" in p and "警告" in p for p in found)
    assert any("总期号 799 没有随日期递增" in p and "警告" in p for p in found)


def test_file_name_must_match_issue_number(site):
    write_issue(site, 2026, 4, ISSUE.format(issue=5, total=950, date="2026-01-05"))
    assert any("04.md:2:" in p and "期号 5 与文件名 04.md 不一致" in p for p in problems_of(site))


def test_misplaced_file_is_reported(site):
    (site / "content" / "notes.md").write_text("---\n---\n", encoding="utf-8")
    assert any("content/<年份>/<期号>.md" in p for p in problems_of(site))


def test_drafts_starting_with_underscore_are_skipped(site):
    (site / "content" / "2025" / "_draft.md").write_text("乱写", encoding="utf-8")
    assert problems_of(site) == []


def test_county_slug_is_readable_pinyin():
    assert county_slug("株洲市炎陵县") == "zhuzhoushi-yanlingxian"
    assert county_slug("湘西州凤凰县") == "xiangxizhou-fenghuangxian"


def test_issue_files_are_those_a_full_check_of_every_name_finds(tmp_path):
    """sorted_issue_files skips resolving a regular file in plain folders: it must find exactly what
    resolving and checking every name under content/ (rglob, as before) finds, whatever the tree
    holds: symlinks to files inside and outside, dangling and looping ones, a symlinked folder, a
    folder named like an issue, hidden and underscore names, a FIFO."""
    import os

    from liandong import reader

    site = tmp_path / "site"
    content = site / "content"
    (content / "2025").mkdir(parents=True)
    (content / "2024").mkdir()
    for name in ("01.md", "02.md", "notes.txt", ".hidden.md", "_draft.md"):
        (content / "2025" / name).write_text("x", encoding="utf-8")
    (content / "_drafts").mkdir()
    (content / "_drafts" / "03.md").write_text("x", encoding="utf-8")
    (content / ".git").mkdir()
    (content / ".git" / "04.md").write_text("x", encoding="utf-8")
    (content / "2025" / "05.md").mkdir()  # a folder named like an issue
    outside = tmp_path / "outside.md"
    outside.write_text("secret", encoding="utf-8")
    (content / "2025" / "06.md").symlink_to(outside)
    (content / "2025" / "07.md").symlink_to(content / "2025" / "01.md")
    (content / "2025" / "08.md").symlink_to(tmp_path / "missing.md")
    (content / "2025" / "09.md").symlink_to(content / "2025" / "09.md")
    (content / "2023").symlink_to(content / "2025", target_is_directory=True)  # not entered, as rglob
    (content / "2022.md").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(content / "2024" / "10.md")
    (content / "2021").mkdir()
    (content / "2021" / "11.md").write_text("x", encoding="utf-8")

    def by_rglob(content_dir):
        candidates = sorted(path for path in content_dir.rglob("*.md")
                            if not any(part.startswith(("_", ".")) for part in path.relative_to(content_dir).parts))
        usable, unusable = [], []
        for path in candidates:
            reason = reader._unusable(path, content_dir, content_dir.parent.resolve())
            (usable.append(path) if reason is None else unusable.append((path, reason)))
        return usable, unusable

    assert reader.sorted_issue_files(content) == by_rglob(content)
    usable, unusable = reader.sorted_issue_files(content)
    assert [p.relative_to(content).as_posix() for p in usable] == ["2021/11.md", "2025/01.md", "2025/02.md",
                                                                   "2025/07.md"]
    assert len(unusable) == 6  # 05 (folder), 06 (outside), 08 (dangling), 09 (loop), 2022.md, 10 (FIFO)
    # a content folder that is a symlink to one outside the site: nothing in it is usable
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "2025").mkdir(parents=True)
    (elsewhere / "2025" / "01.md").write_text("x", encoding="utf-8")
    other = tmp_path / "other"
    other.mkdir()
    (other / "content").symlink_to(elsewhere, target_is_directory=True)
    assert reader.sorted_issue_files(other / "content") == by_rglob(other / "content")
    assert reader.sorted_issue_files(other / "content")[0] == []
