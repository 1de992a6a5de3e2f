"""Every built page passes the Nu Html Checker (vnu.jar, the W3C validator's engine)."""

import shutil
import subprocess
from pathlib import Path

from conftest import REPO, need_tool

VNU = REPO / ".tools/node_modules/vnu-jar/build/dist/vnu.jar"


def test_built_pages_pass_nu_html_checker(built_site):
    need_tool(VNU.is_file() and shutil.which("java") is not None, "Nu Html Checker (scripts/setup.sh --test)")
    pages = sorted(str(p) for p in Path(built_site).rglob("*.html"))
    result = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "text", *pages],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
