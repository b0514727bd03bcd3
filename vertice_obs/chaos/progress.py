"""What a Chaos Day run is doing while it waits: phase, step, elapsed and remaining time.

A run is mostly waiting (a 35-minute day is 35 minutes of baseline, hold and recover), and a
silent terminal looks hung. On a terminal this is one bar redrawn in place; otherwise (a CI log, a
file) one line per phase. Remaining time is the planned durations still ahead, not an estimate
from the clock; elapsed is the clock's. Pure apart from `write` and `clock`, which a test passes.
"""

from __future__ import annotations

import sys
import time
from typing import Callable


class Progress:
    def __init__(self, planned: float, write: Callable[[str], None], tty: bool = False,
                 clock: Callable[[], float] = time.monotonic, width: int = 24):
        self.planned, self.write, self.tty, self.clock, self.width = planned, write, tty, clock, width
        self.started = clock()
        self.done = 0.0  # planned seconds of the phases already finished
        self.current = ("", 0.0)  # (what, planned seconds) of the phase under way
        self.drawn = False
        self.shown = 0  # the length of the bar's line on screen

    def phase(self, what: str, seconds: float) -> None:
        """A phase starts: `what` says scenario, step (i/n) and phase."""
        self.current = (what, seconds)
        if self.tty:
            self.tick(0.0)
        else:
            self.write(f"{what} for {_clock(seconds)} — elapsed {_clock(self.clock() - self.started)}, "
                       f"{_clock(self.planned - self.done)} left\n")

    def tick(self, into: float) -> None:
        """On a terminal: redraw the bar `into` seconds into the current phase."""
        if not self.tty:
            return
        what, seconds = self.current
        self._draw(f"{what} {_clock(min(into, seconds))}/{_clock(seconds)}", self.done + min(into, seconds))

    def _draw(self, what: str, at: float) -> None:
        """The bar's line, filled to `at` of the planned seconds, redrawn in place."""
        filled = round(self.width * at / self.planned) if self.planned else self.width
        bar = "#" * filled + "." * (self.width - filled)
        line = (f"[{bar}] {what} — elapsed {_clock(self.clock() - self.started)}, "
                f"{_clock(max(0.0, self.planned - at))} left")
        # Spaces over what a longer previous line left, rather than an ANSI erase: plain text only.
        self.write("\r" + line + " " * max(0, self.shown - len(line)))
        self.shown = len(line)
        self.drawn = True

    def waiting(self, what: str, into: float, limit: float) -> None:
        """A wait of no planned length (at most `limit` s), `into` seconds in: outside the planned
        total. On a terminal the bar's line, redrawn; otherwise one line when it starts."""
        if not self.tty:
            if into == 0:
                self.write(f"{what} (at most {_clock(limit)}) — elapsed {_clock(self.clock() - self.started)}, "
                           f"{_clock(self.planned - self.done)} left\n")
            return
        self._draw(f"{what} {_clock(into)} (at most {_clock(limit)})", self.done)

    def end_phase(self) -> None:
        self.done += self.current[1]

    def interrupt(self) -> None:
        """Before any other line on a terminal: end the bar's line so the next one starts clean."""
        if self.tty and self.drawn:
            self.write("\n")
            self.drawn = False


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def stderr_progress(planned: float) -> Progress:
    """On stderr: a bar when it is a terminal, one line per phase otherwise."""
    def write(text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()
    return Progress(planned, write, tty=sys.stderr.isatty())
