"""Run the real ``liandong`` command, sending this very process a signal at the N-th write event.

Used by tests/test_interrupt.py to interrupt a build at every kind of moment (linking the previous
tree, writing a page, rendering a PDF, the swap, saving the cache) instead of after a fixed time.
Events: every hard link of the staging copy, every file written or removed, the swaps (one per
phase: liandong.publish), the cache saves. ``LIANDONG_SIGNAL_AT=0`` sends nothing and writes the
number of events, and the event at which each swap returned, to ``LIANDONG_EVENT_COUNT`` (a JSON
file), so a test can spread its trials over a whole build and aim at each phase.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import sys

from liandong import cache, publish, writer

SIGNAL_AT = int(os.environ.get("LIANDONG_SIGNAL_AT", "0"))
SIGNAL = getattr(signal, os.environ.get("LIANDONG_SIGNAL", "SIGINT"))
events = 0
swaps: list[int] = []  # the event after each exchange of build/


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


writer.os = type(sys)("os_with_counted_link")
writer.os.__dict__.update(os.__dict__)
writer.os.link = counted(os.link)
writer.os.replace = counted(os.replace)
writer.os.rename = counted(os.rename)
publish.write_file = counted(writer.write_file)
publish.remove_file = counted(writer.remove_file)


def exchange_noted(first, second):
    done = counted(real_exchange)(first, second)
    swaps.append(events)
    return done


real_exchange = writer.exchange
writer.exchange = exchange_noted
cache.BuildCache.save = counted(cache.BuildCache.save)
cache.Stamp.save = counted(cache.Stamp.save)

if __name__ == "__main__":  # not again in a forkserver, which imports __main__ to start workers
    if os.environ.get("LIANDONG_EVENT_COUNT"):
        atexit.register(lambda: open(os.environ["LIANDONG_EVENT_COUNT"], "w").write(
            json.dumps({"events": events, "swaps": swaps})))

    from liandong.cli import main

    sys.exit(main(sys.argv[1:], prog_name="liandong"))
