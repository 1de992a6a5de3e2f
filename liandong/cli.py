"""The ``liandong`` command. Commands stay thin: they parse options and call one stage function.

Exit codes: 0 success, 1 content or template errors, 2 usage errors (click's default).
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import click

from liandong import __version__, cli_zh
from liandong.errors import PDF_VARIANTS
from liandong.interrupt import exit_code, install_sigterm

cli_zh.install()

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class SafeGroup(click.Group):
    """Editors never see a traceback: an unexpected failure becomes a Chinese error with exit 1 (one
    that says what to do when the machine ran out of memory). Set LIANDONG_DEBUG=1 to get the traceback when reporting a bug."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("LIANDONG_DEBUG"):
                raise
            from liandong.errors import machine_failure

            if (reason := machine_failure(exc)) is not None:
                raise click.ClickException(reason) from exc
            raise click.ClickException(f"liandong 内部错误：{type(exc).__name__}: {exc}"
                                       "（请设置环境变量 LIANDONG_DEBUG=1 重试并报告此问题）") from exc


@click.group(cls=SafeGroup, context_settings=CONTEXT, options_metavar="[选项]", subcommand_metavar="命令 [参数]...")
@click.version_option(__version__, "-V", "--version", prog_name="liandong",
                      message="%(prog)s %(version)s", help="显示版本号并退出。")
def main() -> None:
    """liandong：把简报（如《联络动态》）的各期 Markdown 文件生成静态网站和可印刷的 PDF。

    \b
    站点目录包含：
      site.yaml           全站设置（简报名称、编印单位、责任编辑、发送范围等）
      content/年份/期号.md  每期一个文件
      templates/          （可选）本站自己的模板，逐个文件替换默认式样
    """


PDF_VARIANT = click.option("--pdf-variant", type=click.Choice(PDF_VARIANTS), default=None,
                           help="生成 PDF/A 等存档格式，如 pdf/a-3b（覆盖 site.yaml 的 pdf.variant）。")


SITE = click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                    show_default=True, help="站点目录（含 site.yaml）。")


def answer(key: str):
    """An option callback: the value checked as site.yaml will check it, else a usage error."""
    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        from liandong import schema
        from liandong.site_init import check_answer

        if value is None:
            return None
        try:
            return check_answer(key, value)
        except schema.Invalid as exc:
            raise click.BadParameter(str(exc), ctx, param) from exc
    return check


def ask(label: str, key: str, default: str | None = None) -> str:
    """Prompt on the terminal until the answer is valid."""
    from liandong import schema
    from liandong.site_init import check_answer

    while True:
        value = click.prompt(label, default=default, prompt_suffix="：", show_default=default is not None)
        try:
            return check_answer(key, value)
        except schema.Invalid as exc:
            click.echo(f"{label}{exc}，请重新输入。", err=True)


@main.command(options_metavar="[选项]")
@click.argument("site_dir", metavar="目录", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", callback=answer("title"), help="简报名称，印在报头；默认为目录名。")
@click.option("--publisher", callback=answer("publisher"), help="编印单位，报头印作“…编”。")
@click.option("--editor", callback=answer("editor"), help="默认责任编辑。")
@click.option("--slug", callback=answer("slug"), help="PDF 文件名前缀（小写字母、数字和连字符）；默认为简报名称的拼音。")
@click.option("--phone", callback=answer("phone"), help="联系电话。")
@click.option("--email", callback=answer("email"), help="电子邮箱。")
@click.option("--approval", callback=answer("approval"), help="批准文号。")
@click.option("--base-url", callback=answer("base_url"), help="网站发布地址，如 https://www.example.gov.cn/jianbao/。")
@click.option("--date", "day", type=cli_zh.IsoDate(), default=None, help="第一期的编印日期，默认为今天。")
def init(site_dir: Path, title: str | None, publisher: str | None, editor: str | None, slug: str | None,
         phone: str | None, email: str | None, approval: str | None, base_url: str | None, day) -> None:
    """新建一份简报：在新目录（或空目录）中写好带中文注释的 site.yaml 和第一期文件。

    在终端中运行时询问简报名称、编印单位和责任编辑；在脚本中运行（标准输入不是终端）时不提问，未给出的项目先填“待填写”，之后可直接修改 site.yaml。
    """
    import datetime as dt

    from liandong.errors import LiandongError
    from liandong.site_init import PLACEHOLDER, Answers, init_site, refuse_non_empty

    folder_name = site_dir.resolve().name
    try:
        refuse_non_empty(site_dir)  # before any question: answers for a folder we will not use are wasted
        if sys.stdin.isatty():
            title = title or ask("简报名称", "title", default=folder_name)
            publisher = publisher or ask("编印单位（报头印作“…编”）", "publisher")
            editor = editor or ask("责任编辑", "editor")
        answers = Answers(title=title or folder_name, publisher=publisher or PLACEHOLDER, editor=editor or PLACEHOLDER,
                          slug=slug, phone=phone or PLACEHOLDER, email=email or PLACEHOLDER,
                          approval=approval or PLACEHOLDER, base_url=base_url or Answers.base_url)
        written = init_site(site_dir, answers, day or dt.date.today())
    except LiandongError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo("未新建简报。", err=True)
        sys.exit(1)
    click.echo(f"已新建简报《{answers.title}》：")
    for path in written:
        click.echo(f"  {path}")
    if PLACEHOLDER in (answers.publisher, answers.editor, answers.phone, answers.email, answers.approval):
        click.echo(f"请在 site.yaml 中补全标为“{PLACEHOLDER}”的各项。")
    click.echo(f"下一步：cd {site_dir} && liandong build")


@main.command(options_metavar="[选项]")
@SITE
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="输出目录，默认为站点目录下的 build/。")
@click.option("--pdf/--no-pdf", default=True, help="是否生成印刷版 PDF（默认生成；预览网页时可用 --no-pdf 加快速度）。")
@click.option("--search/--no-search", default=True, help="是否生成全文检索索引（默认生成）。")
@PDF_VARIANT
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="同时生成 PDF 的进程数，默认为全部 CPU 核数。")
@click.option("--scheduler", metavar="地址", default=None, callback=lambda ctx, param, value: scheduler(value),
              help="在 Dask 集群上生成 PDF：调度器地址，如 tcp://192.168.1.10:8786（覆盖 site.yaml 的 render.scheduler）。")
@click.option("-q", "--quiet", is_flag=True, help="只显示错误和警告。")
@click.option("-v", "--verbose", is_flag=True, help="列出写入和删除的每个文件。")
def build(site_dir: Path, out_dir: Path | None, pdf: bool, search: bool, pdf_variant: str | None,
          jobs: int | None, scheduler: str | None, quiet: bool, verbose: bool) -> None:
    """生成整个站点（网页和每期 PDF）到输出目录，只重做有变化的部分：先上线各期网页和 PDF，再上线合订本和全文检索；出错时保留原有输出不变，中断时说明哪些已经更新。"""
    import time

    from liandong.build import build as run_build
    from liandong.progress import TerminalProgress

    started = time.monotonic()
    progress = TerminalProgress() if sys.stdout.isatty() and not quiet else None
    install_sigterm()
    try:
        report = run_build(site_dir, out_dir, pdf=pdf, pdf_variant=pdf_variant, search=search, workers=jobs,
                           scheduler=scheduler, progress=progress, on_wait=lambda message: click.echo(message, err=True))
    except KeyboardInterrupt as interrupt:
        click.echo("\n" + INTERRUPTED[getattr(interrupt, "live", "old")], err=True)
        sys.exit(exit_code(interrupt))
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    if verbose:
        for dest in report.written:
            click.echo(f"写入 {dest}")
        for dest in report.removed:
            click.echo(f"删除 {dest}")
    if not quiet:
        click.echo(summary(report, time.monotonic() - started))


INTERRUPTED = {  # what build/ is after Ctrl-C, by the phases that went live (liandong.publish.live_after)
    "old": "已中断：原有输出保持不变。",
    "pages": "已中断：各期网页和 PDF 已经更新并完整上线；合订本和全文检索仍是上次生成的版本，下次构建会补上。",
    "html": "已中断：网页已经更新并完整上线；PDF、合订本和全文检索仍是上次生成的版本，下次构建会补上。",
    "new": "已中断：新的输出已经完整写入，下次构建会补全缓存。",
}


def scheduler(value: str | None) -> str | None:
    """--scheduler is checked like render.scheduler in site.yaml: a wrong address is a usage error."""
    if value is None:
        return None  # nothing to check, nothing to import
    from liandong.schema import Invalid, scheduler_address

    try:
        return scheduler_address(value)
    except Invalid as exc:
        raise click.BadParameter(str(exc)) from exc


def summary(report, seconds: float) -> str:
    """One line for CI logs and pipes: what the site holds and what this build changed."""
    site = f"共 {report.issues} 期、{report.pages} 个页面、{report.pdfs} 个 PDF"
    if not report.written and not report.removed:
        change = "没有变化，未写入任何文件"
    else:
        pdfs = sum(dest.endswith(".pdf") for dest in report.written)
        change = f"写入 {len(report.written)} 个文件（其中 PDF {pdfs} 个）" + (f"，删除 {len(report.removed)} 个" if report.removed else "")
    warnings = f"，{len(report.warnings)} 条警告" if report.warnings else ""
    return f"{site}：{change}{warnings}，用时 {seconds:.1f} 秒 → {report.out_dir}"


@main.command(options_metavar="[选项]")
@click.argument("issue_file", metavar="期刊文件", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="输出的 PDF 文件，默认为当前目录下的“简报名称+年份第N期.pdf”。")
@PDF_VARIANT
def pdf(issue_file: Path, output: Path | None, pdf_variant: str | None) -> None:
    """单独生成一期的印刷版 PDF，例如：liandong pdf content/2025/12.md"""
    from liandong.pipeline import build_issue_pdf

    written = build_issue_pdf(issue_file, output, pdf_variant=pdf_variant)
    click.echo(f"已生成 PDF → {written}")


@main.command(options_metavar="[选项]")
@SITE
@click.option("--date", "day", type=cli_zh.IsoDate(), default=None,
              help="编印日期（YYYY-MM-DD），默认为今天。")
@click.option("--force", is_flag=True, help="已有未完成的草稿时仍然新建。")
def new(site_dir: Path, day, force: bool) -> None:
    """新建下一期的草稿：自动算出期号和总期号，填好责任编辑和发送范围。

    新文件标有“draft: true”，build 不会发布它；定稿后删去这一行即可发布。"""
    import datetime as dt

    from liandong.config import load_config
    from liandong.reader import load_archive
    from liandong.scaffold import new_issue

    config = load_config(site_dir)
    archive, _ = load_archive(config)
    path = new_issue(config, archive, day or dt.date.today(), force=force)
    click.echo(f"已新建草稿 {path}，请填写文章内容后运行 liandong check 检查；定稿后删去其中的“draft: true”一行，"
               "liandong build 才会发布。")


@main.command("import", options_metavar="[选项]")
@SITE
@click.argument("files", metavar="WORD文件...", nargs=-1, required=True,
                type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--into", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="追加到已有的一期，例如 content/2026/03.md；不给时新建下一期（同 liandong new）。")
@click.option("--county", multiple=True, metavar="县区",
              help="供稿县区（不询问，供脚本使用）；给一次则所有文件共用，或按文件顺序每个文件给一次。")
@click.option("--date", "day", type=cli_zh.IsoDate(), default=None, help="新建一期时的编印日期，默认为今天。")
def import_(site_dir: Path, files: tuple[Path, ...], into: Path | None, county: tuple[str, ...], day) -> None:
    """把供稿单位的 Word 文档（.docx）导入为文章：标题、各级标题、段落、表格、图片、脚注和供稿单位。"""
    from liandong.docx_import import import_documents

    if county and len(county) not in (1, len(files)):
        raise click.UsageError(f"--county 给了 {len(county)} 次，应为 1 次（所有文件共用）或每个文件一次（{len(files)} 次）")
    ask = _ask_county if sys.stdin.isatty() and sys.stdout.isatty() else None
    report = import_documents(site_dir, list(files), into, county, day, ask)
    for article in report.articles:
        click.echo(f"已导入 {article.source} → {report.issue}：{article.title}"
                   f"（供稿：{article.contributor}；编校修正 {article.fixes} 处）")
        for note in article.notes:
            click.echo(f"  请核对：{note}", err=True)
    verb = "已新建" if report.created else "已更新"
    click.echo(f"{verb} {report.issue}，请运行 liandong check 检查、liandong serve 预览。")


def _ask_county(question: str, candidates: tuple[str, ...], default: str | None) -> str:
    if candidates:
        click.echo("已知县区：" + "、".join(candidates))
    return click.prompt(question, default=default or None, show_default=bool(default))


@main.command(options_metavar="[选项]")
@SITE
@click.option("--strict", is_flag=True, help="把警告也当作错误（有警告时退出码为 1）。")
@click.option("--fix", is_flag=True, help="自动修正可安全修正的问题（半角标点、省略号、直引号、多余空格），原文件先备份；"
                                          "只改草稿和命令行列出的文件。")
@click.option("--all", "fix_all", is_flag=True, help="与 --fix 一起用：连已发布的各期也修正。")
@click.argument("files", metavar="[期刊文件]...", nargs=-1,
                type=click.Path(dir_okay=False, exists=True, path_type=Path))
def check(site_dir: Path, strict: bool, fix: bool, fix_all: bool, files: tuple[Path, ...]) -> None:
    """检查整个站点（不写入任何文件），一次列出全部问题，包括标点、空格、引号等编校问题，并列出草稿还缺什么。

    列出期刊文件时只报告这些文件（和全站设置）的问题。加 --fix 时自动修正草稿（draft: true）和命令行列出的
    期刊文件；已发布的各期只在加 --all 时修正。
    """
    from liandong.check import check_site, fix_site, fix_targets, fixable_elsewhere

    if fix_all and not fix:
        raise click.UsageError("--all 只能与 --fix 一起使用")
    known = {path.resolve() for path in fix_targets(site_dir, list(files))} if files else set()
    outside = [path for path in files if path.resolve() not in known]
    if outside:
        raise click.UsageError(f"{outside[0]} 不是本站点 content/ 中的期刊文件")
    if fix:
        targets = fix_targets(site_dir, list(files), fix_all)
        if not targets:
            click.echo("没有草稿，也没有指定文件：未修改任何文件（修正已发布的各期请加 --all）。")
        for path, count, backup in fix_site(site_dir, targets=targets):
            click.echo(f"已修正 {path} 中 {count} 处（原文件备份在 {backup}）")
        if not fix_all:
            for path, count in fixable_elsewhere(site_dir, targets):
                click.echo(f"未修改已发布的 {path}（其中 {count} 处可自动修正；需要时加 --all 或在命令行列出该文件）")
    problems = check_site(site_dir)
    if files:  # only these files' problems, and those of the site as a whole
        named = {path.resolve() for path in files}
        problems = [p for p in problems if p.location.path.suffix != ".md" or p.location.path.resolve() in named]
    for problem in problems:
        click.echo(str(problem), err=True)
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    click.echo(f"检查完毕：{errors} 处错误，{warnings} 处警告。" if problems else "检查完毕：没有发现问题。")
    if errors or (strict and warnings):
        sys.exit(1)


@main.command(options_metavar="[选项]")
@SITE
@click.argument("issue", metavar="年份/期号")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="输出目录，默认为当前目录下的 wechat-年份-期号/。")
@click.option("--article", type=click.IntRange(min=1), default=None, help="只导出第 N 篇文章。")
def wechat(site_dir: Path, issue: str, out_dir: Path | None, article: int | None) -> None:
    """导出一期（或其中一篇）为可粘贴到微信公众号编辑器的 HTML，例如：liandong wechat 2025/12

    样式全部写在各元素自身上，不含样式类、脚本和外部字体；图片存为同目录下的文件。
    用浏览器打开生成的 HTML，全选复制后粘贴到公众号编辑器即可（liandong serve 预览中每期页面上的“公众号版”按钮可一键复制）。
    """
    from liandong.config import load_config
    from liandong.wechat import locate_issue, read_one, write_post

    config = load_config(site_dir)
    found = read_one(config, locate_issue(config, issue))
    target = out_dir or Path(f"wechat-{found.year}-{found.number:02d}")
    written = write_post(config, found, target, article)
    click.echo(f"已生成公众号版 → {written}（图片在同一目录，需在公众号编辑器中另行上传）")


@main.command(options_metavar="[选项]")
@SITE
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="端口号（只在本机 127.0.0.1 上提供）；0 表示自动选择空闲端口。")
@click.option("--pdf/--no-pdf", default=True, help="是否同时生成并刷新 PDF 预览（默认是）。")
def serve(site_dir: Path, port: int, pdf: bool) -> None:
    """在本机预览网站：修改期刊、模板或 site.yaml 后自动重新生成并刷新浏览器。"""
    from liandong.serve import serve as run_serve

    def announce(message: str) -> None:
        click.echo(message)

    def report(message: str) -> None:
        click.echo(message, err=True)

    try:
        run_serve(site_dir, port, pdf, announce, report)
    except KeyboardInterrupt as interrupt:
        click.echo("\n已停止预览。", err=True)
        sys.exit(exit_code(interrupt))
    except OSError as exc:
        raise click.ClickException(f"无法在端口 {port} 上启动预览：{cli_zh.os_error(exc)}") from exc


def run() -> None:
    """The ``liandong`` command as installed (and ``python -m liandong``): :func:`main`, then an
    exit that skips the interpreter's teardown.

    Why: at exit CPython frees every object one by one and clears every module; after a build of
    1000 issues that is the parsed archive, ~0.05 s of CPU and 0.07 s of wall time spent on
    memory the kernel takes back at once (alternated cold builds of generate_alt.py's archive). The
    exit hooks still run first (multiprocessing's and the temporary folders' finalizers, logging),
    and the standard streams are flushed. Only when no other thread is left, which a thread's own
    end would need; tests that call :func:`main` in-process keep the ordinary exit."""
    try:
        main()
    except SystemExit as done:
        if threading.active_count() == 1:
            exit_without_teardown(done.code)
        raise


def exit_without_teardown(code) -> None:
    import atexit

    status = code if isinstance(code, int) else (0 if code is None else 1)
    if not isinstance(code, (int, type(None))):
        print(code, file=sys.stderr)  # what sys.exit("message") prints
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            status = status or 1  # as the ordinary exit reports a failed flush of stdout
    os._exit(status)


if __name__ == "__main__":
    run()
