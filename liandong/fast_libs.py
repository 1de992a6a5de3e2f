"""A fast ``ctypes.util.find_library`` for the moment WeasyPrint loads Pango.

Why
---
WeasyPrint's ``text/ffi.py`` loads each C library by trying a list of names
(``libpango-1.0-0``, ``pango-1.0-0``, ``pango-1.0``, ``libpango-1.0.so.0`` …)
through ``cffi``'s ``ffi.dlopen``, and cffi asks ``ctypes.util.find_library``
about every name it cannot open directly.  On Linux the stock function runs
``/sbin/ldconfig -p`` once per call and, for every name the ldconfig cache does
not list, ``gcc`` (with ``collect2`` and ``ld``) and then ``ld`` again: 224
execve (about 90 programs) and about 0.2 s of CPU in every process that imports
WeasyPrint: the PDF workers' fork server (liandong.pdf_preload), any worker
started without it, and Dask workers (figures in the README's Benchmark section).

What changes, and what does not
-------------------------------
Inside :func:`fast_find_library` names are looked up in one ``ldconfig -p``
listing read once per process, with the stock function's own pattern, so a name
the cache lists gives exactly the stock answer (the stock function returns the
ldconfig answer first whenever there is one).  A name the cache does not list
gives ``None`` without asking ``gcc`` and ``ld``: cffi then reports the name as
missing and WeasyPrint goes on to the next name in its list, which ends with the
plain sonames (``libpango-1.0.so.0``) that ``dlopen`` resolves itself through
the same cache and ``LD_LIBRARY_PATH``.  The same files are loaded
(tests/test_fast_libs.py compares every name WeasyPrint asks for, and the
mapped libraries, with the stock function's).  Where there is no glibc
``ldconfig`` to read (not Linux, or no ``/sbin/ldconfig``), nothing is replaced.

The replacement is scoped: the stock ``find_library`` is back when the block
ends, so no other code in the process sees a different function.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import functools
import os
import re
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator

LDCONFIG = "/sbin/ldconfig"
_swap = threading.RLock()  # two threads entering at once must not leave the replacement behind

# The ABI tag ldconfig prints for this interpreter's libraries (ctypes.util._findSoname_ldconfig's table).
_ABI_TAGS = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
             "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64"}


@functools.cache
def usable() -> bool:
    """True where the stock function would start with ``ldconfig -p`` (Linux with glibc's ldconfig)."""
    return sys.platform.startswith("linux") and os.access(LDCONFIG, os.X_OK)


@functools.cache
def ldconfig_listing() -> bytes:
    """``ldconfig -p``'s output, run once per process with the stock function's environment."""
    try:
        return subprocess.run([LDCONFIG, "-p"], stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, env={"LC_ALL": "C", "LANG": "C"}, check=False).stdout
    except OSError:
        return b""


def _abi_tag() -> str:
    machine = os.uname().machine + ("-32" if struct.calcsize("l") == 4 else "-64")
    return _ABI_TAGS.get(machine, "libc6")


def find_library(name: str) -> str | None:
    """``ctypes.util.find_library(name)`` without the gcc and ld runs (see the module docstring)."""
    return from_ldconfig(name) if usable() else ctypes.util.find_library(name)


@functools.cache
def from_ldconfig(name: str) -> str | None:
    """The soname ldconfig lists for ``name`` (``pango-1.0`` → ``libpango-1.0.so.0``), found as the
    stock function finds it; ``None`` where the listing has none."""
    pattern = os.fsencode(r"\s+(lib%s\.[^\s]+)\s+\(%s" % (re.escape(name), _abi_tag()))
    found = re.search(pattern, ldconfig_listing())
    return os.fsdecode(found.group(1)) if found else None


@contextlib.contextmanager
def fast_find_library() -> Iterator[None]:
    """``ctypes.util.find_library`` is :func:`from_ldconfig` inside the block, the stock one after.

    Meant around the first import of WeasyPrint (and of modules that load Pango themselves); a
    second import is a dictionary look-up and asks nothing."""
    if not usable():
        yield
        return
    with _swap:
        stock = ctypes.util.find_library
        ctypes.util.find_library = from_ldconfig
        try:
            yield
        finally:
            ctypes.util.find_library = stock
