"""Waiting in tests: on an observable condition, with a deadline — never a bare sleep.

`until(probe, …)` calls `probe` until it returns something truthy (returned) or the deadline
passes (AssertionError naming what was awaited and the last value seen). The deadline is
generous on purpose: it bounds a broken run, it does not measure a working one, so a loaded
2-core machine makes a test slower, never red."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def until(probe: Callable[[], T], what: str, timeout: float = 30.0, interval: float = 0.05) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}; last seen: {value!r}")
        time.sleep(interval)
