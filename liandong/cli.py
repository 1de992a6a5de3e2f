"""The ``liandong`` command. Commands stay thin: they parse options and call one stage function.

Exit codes: 0 success, 1 content or template errors, 2 usage errors (click's default).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from liandong import __version__, cli_zh
from liandong.config import PDF_VARIANTS

cli_zh.install()

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class SafeGroup(click.Group):
    """Editors never see a traceback: an unexpected failure becomes a Chinese error with exit 1.
    Set LIANDONG_DEBUG=1 to get the traceback when reporting a bug."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("LIANDONG_DEBUG"):
                raise
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
      templates/          网页模板
    """


PDF_VARIANT = click.option("--pdf-variant", type=click.Choice(PDF_VARIANTS), default=None,
                           help="生成 PDF/A 等存档格式，如 pdf/a-3b（覆盖 site.yaml 的 pdf.variant）。")


SITE = click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                    show_default=True, help="站点目录（含 site.yaml）。")


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
    """生成整个站点（网页和每期 PDF）到输出目录，只重做有变化的部分；出错或中断时保留原有输出不变。"""
    import time

    from liandong.build import build as run_build
    from liandong.progress import TerminalProgress

    started = time.monotonic()
    progress = TerminalProgress() if sys.stdout.isatty() and not quiet else None
    try:
        report = run_build(site_dir, out_dir, pdf=pdf, pdf_variant=pdf_variant, search=search, workers=jobs,
                           scheduler=scheduler, progress=progress)
    except KeyboardInterrupt:
        click.echo("\n已中断：原有输出保持不变。", err=True)
        sys.exit(130)
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    if verbose:
        for dest in report.written:
            click.echo(f"写入 {dest}")
        for dest in report.removed:
            click.echo(f"删除 {dest}")
    if not quiet:
        click.echo(summary(report, time.monotonic() - started))


def scheduler(value: str | None) -> str | None:
    """--scheduler is checked like render.scheduler in site.yaml: a wrong address is a usage error."""
    from liandong.schema import Invalid, scheduler_address

    try:
        return scheduler_address(value) if value is not None else None
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
    from liandong.build import build_issue_pdf

    written = build_issue_pdf(issue_file, output, pdf_variant=pdf_variant)
    click.echo(f"已生成 PDF → {written}")


@main.command(options_metavar="[选项]")
@SITE
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="编印日期（YYYY-MM-DD），默认为今天。")
def new(site_dir: Path, day) -> None:
    """新建下一期的文件：自动算出期号和总期号，填好责任编辑和发送范围。"""
    import datetime as dt

    from liandong.config import load_config
    from liandong.reader import load_archive
    from liandong.scaffold import new_issue

    config = load_config(site_dir)
    archive, _ = load_archive(config)
    path = new_issue(config, archive, day.date() if day else dt.date.today())
    click.echo(f"已新建 {path}，请填写文章内容后运行 liandong check 检查。")


@main.command("import", options_metavar="[选项]")
@SITE
@click.argument("files", metavar="WORD文件...", nargs=-1, required=True,
                type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--into", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="追加到已有的一期，例如 content/2026/03.md；不给时新建下一期（同 liandong new）。")
@click.option("--county", multiple=True, metavar="县区",
              help="供稿县区（不询问，供脚本使用）；给一次则所有文件共用，或按文件顺序每个文件给一次。")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="新建一期时的编印日期（YYYY-MM-DD），默认为今天。")
def import_(site_dir: Path, files: tuple[Path, ...], into: Path | None, county: tuple[str, ...], day) -> None:
    """把供稿单位的 Word 文档（.docx）导入为文章：标题、各级标题、段落、表格、图片、脚注和供稿单位。"""
    from liandong.docx_import import import_documents

    if county and len(county) not in (1, len(files)):
        raise click.UsageError(f"--county 给了 {len(county)} 次，应为 1 次（所有文件共用）或每个文件一次（{len(files)} 次）")
    ask = _ask_county if sys.stdin.isatty() and sys.stdout.isatty() else None
    report = import_documents(site_dir, list(files), into, county, day.date() if day else None, ask)
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
@click.option("--fix", is_flag=True, help="自动修正可安全修正的问题（半角标点、直引号、多余空格），原文件先备份。")
def check(site_dir: Path, strict: bool, fix: bool) -> None:
    """检查整个站点（不写入任何文件），一次列出全部问题，包括标点、空格、引号等编校问题。"""
    from liandong.check import check_site, fix_site

    if fix:
        for path, count, backup in fix_site(site_dir):
            click.echo(f"已修正 {path} 中 {count} 处（原文件备份在 {backup}）")
    problems = check_site(site_dir)
    for problem in problems:
        click.echo(str(problem), err=True)
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    click.echo(f"检查完毕：{errors} 处错误，{warnings} 处警告。" if problems else "检查完毕：没有发现问题。")
    if errors or (strict and warnings):
        sys.exit(1)


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
    except OSError as exc:
        raise click.ClickException(f"无法在端口 {port} 上启动预览：{exc.strerror}") from exc


if __name__ == "__main__":
    sys.exit(main())
