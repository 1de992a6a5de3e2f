"""Run the real ``liandong`` command, sending this very process a signal at the N-th write event.

Used by tests/test_interrupt.py to interrupt a build at every kind of moment (linking the previous
tree, writing a page, rendering a PDF, the swap, saving the cache) instead of after a fixed time.
Events: every hard link of the staging copy, every file written or removed, the swap, the cache
saves. ``LIANDONG_SIGNAL_AT=0`` sends nothing and writes the number of events to
``LIANDONG_EVENT_COUNT`` (a file), so a test can spread its trials over a whole build.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys

from liandong import build, cache, writer

SIGNAL_AT = int(os.environ.get("LIANDONG_SIGNAL_AT", "0"))
SIGNAL = getattr(signal, os.environ.get("LIANDONG_SIGNAL", "SIGINT"))
events = 0


def tick() -> None:
    global events
    events += 1
    if events == SIGNAL_AT:
        os.kill(os.getpid(), SIGNAL)


def counted(function):
    def wrapper(*args, **kwargs):
        tick()
        result = function(*args, **kwargs)
        tick()
        return result
    return wrapper


def install_counters() -> None:
    writer.os = type(sys)("os_with_counted_link")
    writer.os.__dict__.update(os.__dict__)
    writer.os.link = counted(os.link)
    writer.os.replace = counted(os.replace)
    writer.os.rename = counted(os.rename)
    build.write_file = counted(writer.write_file)
    build.remove_file = counted(writer.remove_file)
    writer.exchange = counted(writer.exchange)
    cache.BuildCache.save = counted(cache.BuildCache.save)
    cache.Stamp.save = counted(cache.Stamp.save)
    if os.environ.get("LIANDONG_EVENT_COUNT"):
        atexit.register(lambda: open(os.environ["LIANDONG_EVENT_COUNT"], "w").write(str(events)))


# Guarded: PDF worker processes import this script again as __mp_main__ (multiprocessing does so
# for a script run by path); they must neither count nor start a build of their own.
if __name__ == "__main__":
    install_counters()
    from liandong.cli import main

    sys.exit(main(sys.argv[1:], prog_name="liandong"))
