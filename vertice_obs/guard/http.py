"""One total deadline and one size cap for every HTTP exchange vobs makes.

Per-socket timeouts do not bound a server that drips a byte every few seconds: each read
succeeds in time and the body never ends. `within` runs one whole exchange — connect, headers and
the complete body — against a total deadline; `read_body` streams a `requests`-style response into
memory up to `max_bytes`, checking the same deadline between chunks.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, TypeVar

from vertice_obs.errors import VobsError

T = TypeVar("T")
DEFAULT_TIMEOUT = 30.0  # seconds for one whole exchange (--timeout)
DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # an answer larger than this is refused


class DeadlineExceeded(VobsError):
    """An HTTP exchange did not finish within its total deadline."""


class ResponseTooLarge(VobsError):
    """An answer was larger than the size cap."""


def within(seconds: float, fn: Callable[[], T], what: str = "request") -> T:
    """`fn()` if it finishes within `seconds`, else `DeadlineExceeded`. The call runs in a daemon
    thread: a server that never finishes cannot keep vobs from exiting."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name=f"vobs-http-{what}", daemon=True).start()
    if not done.wait(seconds):
        raise DeadlineExceeded(f"{what} did not finish within {seconds:g}s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def read_body(response: Any, deadline: float, max_bytes: int = DEFAULT_MAX_BYTES, what: str = "answer") -> bytes:
    """The body of a streamed `requests` response, by `deadline` (a `time.monotonic()` value) and
    at most `max_bytes`; closes the response on failure."""
    chunks, size = [], 0
    try:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise ResponseTooLarge(f"{what} is {int(declared):,} bytes, more than the {max_bytes:,}-byte cap")
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > max_bytes:
                raise ResponseTooLarge(f"{what} is more than the {max_bytes:,}-byte cap")
            if time.monotonic() > deadline:
                raise DeadlineExceeded(f"{what} did not finish in time")
            chunks.append(chunk)
    except BaseException:
        response.close()
        raise
    return b"".join(chunks)
