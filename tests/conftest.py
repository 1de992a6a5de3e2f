"""Shared fixtures: a scratch copy of the repository's sample site, and built output."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# In CI every external tool the tests use must be present: a missing one fails instead of skipping.
REQUIRE_TOOLS = os.environ.get("CI") == "true" or os.environ.get("LIANDONG_REQUIRE_TOOLS") == "1"


def copy_site(target: Path) -> Path:
    """The sample site (site.yaml, content/, templates/) copied into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "site.yaml", target / "site.yaml")
    shutil.copytree(REPO / "content", target / "content")
    shutil.copytree(REPO / "templates", target / "templates")
    return target


def need_tool(available: bool, what: str) -> None:
    """Skip when a tool is missing on a developer machine; fail in CI, where setup installs it."""
    if not available:
        if REQUIRE_TOOLS:
            pytest.fail(f"{what} is required in CI but is missing")
        pytest.skip(f"{what} not installed")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_site(tmp_path / "site")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The sample site built once for all read-only tests of the output (HTML only)."""
    from liandong.build import build

    root = copy_site(tmp_path_factory.mktemp("built") / "site")
    build(root)
    return root / "build"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the real ``liandong`` entry point, as an editor would."""
    return subprocess.run([sys.executable, "-m", "liandong", *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
