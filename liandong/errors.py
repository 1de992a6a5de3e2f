"""Problems found in a site, each pointing at a file and line, and the exception that reports them.

Every user-facing message is Chinese; the CLI prints each problem as ``file:line: message`` so editors
can jump straight to the spot. Errors are collected rather than raised one by one, so a single build
reports everything that is wrong at once.
"""

from __future__ import annotations

import errno
import functools

from dataclasses import dataclass
from pathlib import Path

import click


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file; ``line`` is 1-based, 0 when the whole file is meant."""

    path: Path
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else str(self.path)


@dataclass(frozen=True)
class Problem:
    """One finding: an error stops the build, a warning is reported and the build goes on."""

    location: Location
    message: str
    is_error: bool = True

    def __str__(self) -> str:
        label = "错误" if self.is_error else "警告"
        return f"{self.location}: {label}：{self.message}"


class LiandongError(click.ClickException):
    """Raised when the site cannot be built; click prints it to stderr and exits with code 1."""

    exit_code = 1

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(Location(Path(".")), problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = sorted(problems, key=lambda p: (not p.is_error, p.location))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        """Keep the problems when the error crosses a process boundary (PDF workers)."""
        return (type(self), (self.problems,))

    def format_message(self) -> str:
        count = sum(p.is_error for p in self.problems)
        return f"{self.message}\n构建失败：共 {count} 处错误。"

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


def raise_if_errors(problems: list[Problem]) -> None:
    """Abort with every collected problem if any of them is an error."""
    if any(p.is_error for p in problems):
        raise LiandongError(problems)


# OS errors as the editor should read them (exc.strerror is the C library's English).
OS_ERRORS = {
    errno.EACCES: "没有权限",
    errno.EPERM: "不允许此操作",
    errno.ENOENT: "文件或目录不存在",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "文件系统为只读",
    errno.EEXIST: "已存在",
    errno.ENOTDIR: "不是目录",
    errno.EISDIR: "是目录",
    errno.EADDRINUSE: "端口已被占用",
    errno.EADDRNOTAVAIL: "地址不可用",
    errno.ELOOP: "符号链接层数过多（可能是循环链接）",
    errno.ENAMETOOLONG: "文件名过长",
    errno.ENOTEMPTY: "目录不为空",
    errno.EBUSY: "设备或资源正忙",
    errno.EIO: "读写错误",
    errno.EXDEV: "不能跨文件系统移动",
    errno.EMFILE: "打开的文件过多",
}


def os_reason(exc: OSError) -> str:
    """An OSError's reason in Chinese (the errno's name when it is not one an editor meets often):
    every message an editor reads is Chinese, and exc.strerror is the C library's English."""
    if exc.errno is None:
        return str(exc)
    return OS_ERRORS.get(exc.errno, f"系统错误 {errno.errorcode.get(exc.errno, exc.errno)}")


MEMORY_ADVICE = "请关闭其他程序，或用 -j 1 减少同时排版的 PDF 数后重试"


def machine_failure(exc: BaseException) -> str | None:
    """The Chinese explanation of a failure caused by the machine, not by the input or liandong, or
    None: a PDF worker ended by the system (the OOM killer; a crash inside a C library) or memory
    that could not be had. A large archive on a small machine meets these, and "内部错误" with a
    Python class name would send the editor to report a bug instead of freeing memory."""
    from concurrent.futures.process import BrokenProcessPool

    if isinstance(exc, BrokenProcessPool):
        return ("PDF 排版进程意外终止（多为内存不足，被系统结束；也可能是字体或图像库崩溃）。"
                + MEMORY_ADVICE)
    text = str(exc)
    if isinstance(exc, MemoryError) or (isinstance(exc, OSError) and exc.errno == errno.ENOMEM) \
            or "failed to map segment" in text or "Cannot allocate memory" in text:
        return "内存不足，无法继续。" + MEMORY_ADVICE
    return None


# PDF variants --pdf-variant and site.yaml accept: here, not in liandong.config, so the command line
# can offer them without importing the YAML parser (a no-op build never parses anything).
PDF_VARIANTS = ("pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/ua-1")


def display_path(path: Path) -> Path:
    """Paths in messages are relative to the working directory when possible: shorter to read."""
    if not path.is_absolute():
        return path
    try:
        return path.relative_to(_cwd())
    except ValueError:
        return path


@functools.lru_cache(maxsize=1)
def _cwd() -> Path:
    return Path.cwd().resolve()
