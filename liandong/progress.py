"""Build progress on a terminal: done/total, the current item and an estimate of the time left.

Only used when stdout is a terminal; pipes and CI get the single summary line the CLI prints.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO


class TerminalProgress:
    def __init__(self, stream: TextIO = sys.stdout, clock=time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.total = self.done = 0
        self.started = 0.0

    def start(self, total: int) -> None:
        self.total, self.done, self.started = total, 0, self.clock()

    def step(self, label: str) -> None:
        self.done += 1
        elapsed = self.clock() - self.started
        left = elapsed / self.done * (self.total - self.done)
        line = f"[{self.done}/{self.total}] {label}"
        if self.done < self.total and elapsed > 1:
            line += f"  剩余约 {left:.0f} 秒"
        width = shutil.get_terminal_size((80, 20)).columns - 1
        self.stream.write("\r" + line[:width].ljust(width))
        self.stream.flush()

    def finish(self) -> None:
        if self.total:
            width = shutil.get_terminal_size((80, 20)).columns - 1
            self.stream.write("\r" + " " * width + "\r")
            self.stream.flush()
