"""liandong.fast_libs: WeasyPrint's libraries found without gcc and ld, and the same files loaded.

The comparisons run WeasyPrint's real import in fresh interpreters (pytest's own process may have
imported it already), once with the stock ``ctypes.util.find_library`` and once with the fast one,
so they cover whatever names the installed WeasyPrint asks for on this machine."""

from __future__ import annotations

import ctypes.util
import json
import subprocess
import sys

import pytest

from liandong import fast_libs

from conftest import REPO

pytestmark = pytest.mark.skipif(not fast_libs.usable(), reason="no glibc ldconfig: nothing is replaced here")

# What a PDF worker imports, recording every name looked up and what the stock function answers.
STOCK_NAMES = """
import ctypes.util, json
stock = ctypes.util.find_library
asked = []
def spy(name):
    found = stock(name)
    asked.append([name, found])
    return found
ctypes.util.find_library = spy
import liandong.fast_libs
liandong.fast_libs.usable = lambda: False  # the stock path everywhere
from liandong.pdf import PdfRenderer
PdfRenderer()
print(json.dumps(asked))
"""

# A PDF worker's start (stock or fast), then the native libraries mapped into the process, and
# whether gcc or ld were asked and how often ldconfig ran.
MAPPED = """
import ctypes.util, json, sys
import liandong.fast_libs as fast_libs
slow = []
for helper in ("_findLib_gcc", "_findLib_ld"):
    original = getattr(ctypes.util, helper)
    def recording(name, original=original, helper=helper):
        slow.append(helper)
        return original(name)
    setattr(ctypes.util, helper, recording)
if sys.argv[1] == "stock":
    fast_libs.usable = lambda: False
from liandong.pdf import PdfRenderer
PdfRenderer()
libraries = sorted({line.split()[-1] for line in open("/proc/self/maps") if ".so" in line.split()[-1]})
print(json.dumps({"libraries": libraries, "slow": slow,
                  "ldconfig_runs": fast_libs.ldconfig_listing.cache_info().misses}))
"""


def run_python(code: str, *args: str):
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def stock_answers() -> list[list]:
    return run_python(STOCK_NAMES)


def test_every_name_weasyprint_asks_for_resolves_as_the_stock_function_does(stock_answers):
    names = [name for name, _ in stock_answers]
    assert "pango-1.0" in names  # cjk_justify's own look-up, and WeasyPrint's
    assert any(found for _, found in stock_answers), "the stock function found nothing: nothing compared"
    assert [[name, fast_libs.from_ldconfig(name)] for name in names] == stock_answers
    assert [[name, fast_libs.find_library(name)] for name in names] == stock_answers


def test_a_worker_maps_the_same_libraries_without_running_gcc_or_ld():
    stock = run_python(MAPPED, "stock")
    fast = run_python(MAPPED, "fast")
    native = [path for path in fast["libraries"] if "/usr/lib" in path]
    assert any("libpango-1.0.so" in path for path in native)
    assert fast["libraries"] == stock["libraries"]
    assert stock["slow"], "the stock path should have asked gcc or ld (else this compares nothing)"
    assert fast["slow"] == []
    assert fast["ldconfig_runs"] == 1


def test_the_stock_function_is_back_after_the_block_even_after_an_error():
    stock = ctypes.util.find_library
    with fast_libs.fast_find_library():
        assert ctypes.util.find_library is fast_libs.from_ldconfig
        with fast_libs.fast_find_library():  # nested, as when pdf.py's block imports cjk_justify
            assert ctypes.util.find_library is fast_libs.from_ldconfig
        assert ctypes.util.find_library is fast_libs.from_ldconfig
    assert ctypes.util.find_library is stock
    with pytest.raises(RuntimeError):
        with fast_libs.fast_find_library():
            raise RuntimeError("import failed")
    assert ctypes.util.find_library is stock


@pytest.mark.parametrize("name", ["liandong-no-such-library", "pango-9.9", "c++", "gobject-2.0-0", ""])
def test_a_name_the_cache_does_not_list_gives_none(name):
    assert fast_libs.from_ldconfig(name) is None


def test_a_listed_name_gives_the_soname_the_cache_lists():
    listing = fast_libs.ldconfig_listing().decode()
    assert "libc.so.6 (" in listing
    assert fast_libs.from_ldconfig("c") == "libc.so.6"
    assert fast_libs.from_ldconfig("c") == ctypes.util.find_library("c")


def test_where_there_is_no_ldconfig_nothing_is_replaced(monkeypatch):
    asked = []
    monkeypatch.setattr(fast_libs, "usable", lambda: False)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: asked.append(name) or "libstock.so.1")
    stock = ctypes.util.find_library
    with fast_libs.fast_find_library():
        assert ctypes.util.find_library is stock
    assert fast_libs.find_library("pango-1.0") == "libstock.so.1"
    assert asked == ["pango-1.0"]
