"""``liandong import``: Word contributions (.docx) become articles of an issue.

Each file is read safely (``docx_read``, mammoth), turned into an article (``docx_markdown``),
credited to a county (``counties``), run through the same copy-editing fixes as ``check --fix``
(``lint.fix_text``) and then either appended to an existing issue (``--into``) or made into the
next issue, numbered and filled with the site's defaults as ``liandong new`` does.

Nothing is written unless every file imports: all documents are converted in memory first, the
result is read back through the same reader ``build`` uses, and files are written atomically
(images first, the issue file last by rename). A failure removes the images this run wrote, so
content/ is left as it was.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

from liandong.cache import BuildCache, cache_path
from liandong.config import SiteConfig, _display_path, load_config
from liandong.counties import Guess, aliases, contributor_for, guess_county, known_counties, resolve_given, titled
from liandong.docx_markdown import escape_heading
from liandong.docx_read import IMAGE_PLACEHOLDER, Contribution, NotReadable, read_contribution
from liandong.errors import LiandongError, Location, Problem
from liandong.lint import fix_text
from liandong.markdown import make_parser
from liandong.reader import load_archive, read_issue, split_front_matter
from liandong.scaffold import next_numbers
from liandong.sources import MAX_SOURCE_BYTES, decode_source
from liandong.yamlsource import parse_yaml

class ImportFailed(LiandongError):
    """An import that stopped: every problem, then one line saying that nothing was written."""

    def format_message(self) -> str:
        count = sum(p.is_error for p in self.problems)
        return f"{self.message}\n导入失败：共 {count} 处错误，content/ 中没有写入任何文件。"


# ask(question, candidates, default) → the county the editor typed; None when nobody can be asked
Ask = Callable[[str, tuple[str, ...], str | None], str] | None


@dataclass
class ImportedArticle:
    source: Path
    county: str
    contributor: str
    title: str
    markdown: str  # "# title" and the body
    images: list[tuple[str, bytes]]  # (path relative to the issue file, bytes)
    fixes: int  # copy-editing fixes applied
    notes: list[str] = field(default_factory=list)  # for the editor to check


@dataclass
class ImportReport:
    issue: Path  # as displayed
    created: bool
    articles: list[ImportedArticle]


@dataclass
class Target:
    path: Path
    text: str | None  # the existing issue file, or None for a new one
    first_number: int  # position of the first imported article in the issue
    new_header: str = ""
    taken: set[Path] = field(default_factory=set)  # image files this run will write
    newline: str = "\n"  # kept as the existing file has them


def import_documents(site_dir: Path, files: list[Path], into: Path | None = None, counties: tuple[str, ...] = (),
                     day: dt.date | None = None, ask: Ask = None) -> ImportReport:
    """Import ``files`` into the issue ``into`` (or a new issue dated ``day``); see the module docstring."""
    config = load_config(site_dir)
    if counties and len(counties) not in (1, len(files)):
        raise ImportFailed(f"--county 给了 {len(counties)} 个，应为 1 个（所有文件共用）或与文件数相同（{len(files)} 个）")
    contributions = _read_all(files)
    archive = _archive(config)
    target = _target(config, archive, into, day or dt.date.today())
    known = known_counties(archive)
    articles = []
    for index, contribution in enumerate(contributions):
        given = counties[0] if len(counties) == 1 else (counties[index] if counties else None)
        county = _county(contribution, given, known, ask)
        articles.append(_article(contribution, county, target, target.first_number + index))
    _write(config, target, articles)
    return ImportReport(_display_path(target.path), target.text is None, articles)


def _archive(config: SiteConfig):
    """The archive, reusing the issues the last ``build`` parsed (a 1000-issue archive parses in seconds)."""
    cache = BuildCache.load(cache_path(config.site_dir, config.site_dir / "build"))
    archive, _ = load_archive(config, cache.issues)
    return archive


def _read_all(files: list[Path]) -> list[Contribution]:
    """Every file read, or every reason why not, all at once."""
    contributions, problems = [], []
    for path in files:
        try:
            contributions.append(read_contribution(path))
        except NotReadable as reason:
            problems.append(Problem(Location(_display_path(path)), f"无法导入：{reason}"))
    if problems:
        raise ImportFailed(problems)
    return contributions


def _target(config: SiteConfig, archive, into: Path | None, day: dt.date) -> Target:
    if into is None:
        number, total = next_numbers(archive, day)
        path = config.content_dir / str(day.year) / f"{number:02d}.md"
        if path.exists():
            raise ImportFailed(Problem(Location(_display_path(path)), "文件已存在，未覆盖；请用 --into 导入到这一期"))
        header = _new_issue_header(config, number, total, day)
        return Target(path, None, 1, header)
    content = config.content_dir.resolve()
    if content not in into.resolve().parents or into.suffix != ".md":
        raise ImportFailed(Problem(Location(_display_path(into)), "不是本站点 content/ 中的期刊文件（content/<年份>/<期号>.md）"))
    path = config.content_dir / into.resolve().relative_to(content)  # spelled as the reader spells it
    raw = path.read_bytes()
    source, problems = decode_source(raw, _display_path(path))
    issue = None
    if source is not None:
        issue, problems = read_issue(path, raw, "", config, make_parser())
    if issue is None or any(problem.is_error for problem in problems):
        raise ImportFailed(problems + [Problem(Location(_display_path(into)), "这一期本身有错误，请先修正再导入")])
    return Target(path, source.text, len(issue.articles) + 1, newline="\r\n" if b"\r\n" in raw else "\n")


def _new_issue_header(config: SiteConfig, number: int, total: int, day: dt.date) -> str:
    """The front matter ``liandong new`` writes, before the articles are listed."""
    distribution = yaml.safe_dump({"distribution": {k: list(v) for k, v in config.distribution.items()}},
                                  allow_unicode=True, sort_keys=False, default_flow_style=False)
    return (f"issue: {number}  # 期号：每年从 1 开始\ntotal: {total}  # 总期号\n"
            f"date: {day.isoformat()}  # 编印日期\neditor: {_scalar(config.editor)}  # 责任编辑\n"
            f"articles:  # 每篇文章一项，顺序与下面的“# ”标题一致\n{{articles}}{distribution}")


def _county(contribution: Contribution, given: str | None, known: list[str], ask: Ask) -> str:
    if given:
        return resolve_given(given.strip(), known)
    guess = guess_county(contribution.article.unit, contribution.path.stem, contribution.article.title, known)
    if guess.sure:
        return guess.county
    if ask is not None:
        return _ask_county(contribution, guess, ask, known)
    if guess.unattended and guess.county:
        return guess.county
    choices = f"（可能是：{'、'.join(guess.candidates)}）" if guess.candidates else ""
    raise ImportFailed(Problem(Location(_display_path(contribution.path)),
                                f"无法确定供稿县区：{guess.reason}{choices}；请用 --county 指定，例如 --county 株洲市炎陵县"))


def _ask_county(contribution: Contribution, guess: Guess, ask, known: list[str]) -> str:
    question = f"{_display_path(contribution.path)}：{guess.reason}。供稿县区是"
    answer = ask(question, guess.candidates or tuple(known), guess.county)
    answer = (answer or "").strip()
    if not answer:
        raise ImportFailed(Problem(Location(_display_path(contribution.path)), "没有填写供稿县区，未导入"))
    return resolve_given(answer, known)


def _article(contribution: Contribution, county: str, target: Target, number: int) -> ImportedArticle:
    draft = contribution.article
    notes = list(draft.warnings)
    title = draft.title
    if not title:
        title = _title_from_file(contribution.path.stem, county)
        notes.append(f"文中没有可识别的标题，已用文件名作标题“{title}”，请核对")
    if not draft.unit:
        notes.append(f"文中没有供稿行，供稿单位按惯例填为“{county}人大常委会”，请核对")
    body, images = _place_images(draft.body, contribution, target, number, notes)
    heading = escape_heading(titled(title, county))
    markdown = f"# {heading}\n\n{body}\n" if body else f"# {heading}\n"
    markdown, fixes = fix_text(markdown)
    return ImportedArticle(contribution.path, county, contributor_for(draft.unit, county), titled(title, county),
                           markdown, images, fixes, notes)


def _title_from_file(stem: str, county: str) -> str:
    title = re.sub(r"[（(]?[^（）()]*供稿[）)]?|[_\-—\s]+", " ", stem).strip()
    for alias in sorted(aliases(county), key=len, reverse=True):
        title = title.replace(alias, "").strip(" ：:-_")
    return title or stem


def _place_images(body: str, contribution: Contribution, target: Target, number: int,
                  notes: list[str]) -> tuple[str, list[tuple[str, bytes]]]:
    """Images go to content/<year>/<NN>/<article>-<n>.<ext>, beside the issue, referenced relatively."""
    placed = []
    for index, image in enumerate(contribution.images):
        placeholder = f"<{IMAGE_PLACEHOLDER.format(index)}>"
        if not image.extension:
            body = re.sub(r"!\[[^\]\n]*\]\(" + re.escape(placeholder) + r"\)\n*", "", body)
            notes.append(f"第 {index + 1} 张图片是 {image.content_type} 格式（或过大），网页和 PDF 无法显示，未导入；"
                         "请另存为 PNG 或 JPEG 后手工加入")
            continue
        relative = _free_image_name(target, f"{number}-{len(placed) + 1}", image.extension)
        body = body.replace(placeholder, f"<{relative}>")
        placed.append((relative, image.data))
    return body.strip(), placed


def _free_image_name(target: Target, stem: str, extension: str) -> str:
    """``<NN>/<article>-<n>.<ext>``, or ``…-2`` after it when an earlier import took that name."""
    folder, attempt = target.path.stem, 1
    relative = f"{folder}/{stem}.{extension}"
    while (target.path.parent / relative) in target.taken or (target.path.parent / relative).exists():
        attempt += 1
        relative = f"{folder}/{stem}-{attempt}.{extension}"
    target.taken.add(target.path.parent / relative)
    return relative


# --- composing and writing the issue file ------------------------------------------------------

def compose(target: Target, articles: list[ImportedArticle]) -> str:
    entries = "".join(_entry(article) for article in articles)
    bodies = "\n".join(article.markdown for article in articles)
    if target.text is None:
        return f"---\n{target.new_header.replace('{articles}', entries)}---\n\n{bodies}"
    return _append(target, entries, articles, bodies)


def _entry(article: ImportedArticle) -> str:
    return f"  - county: {_scalar(article.county)}\n    contributor: {_scalar(article.contributor)}\n"


def _scalar(value: str) -> str:
    """A YAML scalar that reads back as exactly ``value``, quoted only when it must be."""
    dumped = yaml.safe_dump(value, allow_unicode=True, width=10_000)
    return dumped.removesuffix("\n...\n").removesuffix("\n")


def _append(target: Target, entries: str, articles: list[ImportedArticle], bodies: str) -> str:
    """The issue with the new entries inserted after the last ``articles:`` item, comments kept.

    The edit is checked by a YAML round trip: the new front matter must parse to the old one plus
    the new entries. Front matter written in a shape the insertion cannot follow (a flow list) is
    rewritten whole instead.
    """
    display = _display_path(target.path)
    front, _ = split_front_matter(target.text, display)
    lines = target.text.split("\n")
    parsed = parse_yaml(front.yaml_text, display, first_line=2)
    expected = dict(parsed.data)
    expected["articles"] = list(parsed.data["articles"]) + [{"county": a.county, "contributor": a.contributor}
                                                            for a in articles]
    end = _articles_end(front.yaml_text)
    if end is not None:
        yaml_lines = front.yaml_text.split("\n")
        new_yaml = "\n".join(yaml_lines[:end] + entries.rstrip("\n").split("\n") + yaml_lines[end:])
    else:
        new_yaml = ""
    if end is None or _load(new_yaml) != expected:
        new_yaml = yaml.safe_dump(expected, allow_unicode=True, sort_keys=False, default_flow_style=False).rstrip("\n")
    body = "\n".join(lines[front.body_line - 1:]).rstrip("\n")
    return f"---\n{new_yaml}\n---\n{body}\n\n{bodies}"


def _articles_end(yaml_text: str) -> int | None:
    """The line (0-based, within the YAML) after the last item of a block-style ``articles:`` list."""
    try:
        root = yaml.compose(yaml_text)
    except yaml.YAMLError:
        return None
    for key, value in getattr(root, "value", []):
        if key.value == "articles" and isinstance(value, yaml.SequenceNode) and not value.flow_style and value.value:
            end = value.end_mark
            return end.line + (1 if end.column else 0)
    return None


def _load(text: str):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def _write(config: SiteConfig, target: Target, articles: list[ImportedArticle]) -> None:
    """Images, then the issue file by rename; on any failure, what this run wrote is removed again."""
    text = compose(target, articles)
    written: list[Path] = []
    made_dirs: list[Path] = []
    try:
        for article in articles:
            for relative, data in article.images:
                written.append(_write_new(target.path.parent / relative, data, made_dirs))
        _verify(config, target.path, text)
        if target.text is not None:
            _backup(config, target.path)
        temporary = target.path.with_name(f".{target.path.name}.importing")
        target.path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(text.replace("\n", target.newline).encode("utf-8"))
        try:
            if target.text is None:
                os.link(temporary, target.path)  # fails rather than overwrite a file made meanwhile
            else:
                os.replace(temporary, target.path)
        finally:
            temporary.unlink(missing_ok=True)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        for folder in reversed(made_dirs):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        raise


def _write_new(path: Path, data: bytes, made_dirs: list[Path]) -> Path:
    if not path.parent.is_dir():
        for folder in reversed([path.parent, *path.parent.parents]):
            if not folder.exists():
                folder.mkdir()
                made_dirs.append(folder)
    temporary = path.with_name(f".{path.name}.importing")
    temporary.write_bytes(data)
    try:
        os.link(temporary, path)  # never overwrite: the name was free when it was chosen
    finally:
        temporary.unlink()
    return path


def _verify(config: SiteConfig, path: Path, text: str) -> None:
    """Read the new issue back exactly as ``build`` will; an error here means nothing is written."""
    size = len(text.encode("utf-8"))
    if size > MAX_SOURCE_BYTES:
        raise ImportFailed(Problem(Location(_display_path(path)), f"导入后本期文件将有 {size / 1024 / 1024:.1f} MB，"
                                    f"超过期刊文件的上限 {MAX_SOURCE_BYTES // 1024 // 1024} MB"))
    issue, problems = read_issue(path, text.encode("utf-8"), "", config, make_parser())
    errors = [problem for problem in problems if problem.is_error]
    if issue is None or errors:
        raise ImportFailed(errors + [Problem(Location(_display_path(path)), "导入结果无法通过检查")])


def _backup(config: SiteConfig, path: Path) -> None:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = config.site_dir / ".liandong-cache" / "backup" / stamp / path.relative_to(config.site_dir)
    backup.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, backup)
