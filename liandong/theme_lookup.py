"""Where the default theme is: its own small module, because the no-op check of every build
(liandong.cache.input_stamp) needs the folder to stat, not Jinja (liandong.templates)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _find_theme() -> Path:
    """liandong/theme/ in an installed wheel; the repository's templates/ in a source checkout
    (an editable install runs the package from the repository, where the wheel's copy is absent)."""
    installed = PACKAGE_DIR / "theme"
    if installed.is_dir() or not (PACKAGE_DIR.parent / "pyproject.toml").is_file():
        return installed
    return PACKAGE_DIR.parent / "templates"


THEME_DIR = _find_theme()
