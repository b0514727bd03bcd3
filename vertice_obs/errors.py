"""User-facing errors and the exit codes CI relies on.

`InputError` is raised for bad input (a malformed narrative, an unknown dashboard uid, a bad config):
the CLI prints it as one line — `file:line: message` — and exits with `EXIT_INPUT`.

Owns: exit codes, the error types and the one "did you mean …?" rule (`closest`; redaction is
`vertice_obs.guard.secrets`). Imports nothing from vertice_obs.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")

EXIT_OK = 0
EXIT_FINDINGS = 1  # the check ran and found something: stale exports, missing metrics, a diff
EXIT_INPUT = 2  # bad input, bad usage, or a dependency that could not be reached
EXIT_PARTIAL = 3  # a write operation failed part-way (publish)
EXIT_INTERRUPTED = 130  # 128 + SIGINT: Ctrl-C, as a shell reports it


class VobsError(Exception):
    """Base class for errors the CLI reports as one line (and one more line per error in `also`:
    the other problems found in the same pass, so a file with four mistakes takes one run, not four)."""

    exit_code = EXIT_INPUT
    also: tuple[VobsError, ...] = ()

    @staticmethod
    def together(errors: list[VobsError]) -> VobsError:
        """The first of `errors`, carrying the rest (raise it)."""
        first = errors[0]
        first.also = tuple(errors[1:])
        return first


class InputError(VobsError):
    """Bad user input, located at `file:line` when known."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None, column: int | None = None):
        self.message = message
        self.file = file
        self.line = line
        self.column = column if line else None
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.file and self.line and self.column:
            return f"{self.file}:{self.line}:{self.column}: {self.message}"
        if self.file and self.line:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        return self.message


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, said with what was done before it: the CLI prints `vobs: <message>` (one line) and
    exits `EXIT_INTERRUPTED`. `done`: what the interrupted stage had finished, for its caller to
    count before it raises its own, with the message."""

    def __init__(self, message: str = "interrupted", done: list | None = None):
        super().__init__(message)
        self.message, self.done = message, list(done or ())

    def __str__(self) -> str:
        return self.message


@contextlib.contextmanager
def held_interrupts(note: str = "") -> Iterator[None]:
    """Ctrl-C and SIGTERM held back over one whole write (a folder made, then vobs' record of it): a
    `KeyboardInterrupt` between the two would leave it written and said nowhere. The first is said at
    once (`vobs: <note> — stopping once it is done (Ctrl-C again to stop now)`: `note` escaped by the
    caller) and delivered as the handler before would have when the block ends, by an error too; a
    second is delivered at once — a write retried for minutes never holds the user. Only in the main
    thread, where Python runs signal handlers: elsewhere nothing is held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous: dict[int, object] = {}

    def hold(signum: int, _frame: object) -> None:
        held.append(signum)
        if len(held) == 1:
            sys.stderr.write(f"vobs: {note or 'finishing a write'} — stopping once it is done (Ctrl-C again to stop "
                             "now)\n")
            return
        _restore(previous)  # the second: now
        _deliver(previous, signum)

    previous.update({n: signal.signal(n, hold) for n in (signal.SIGINT, signal.SIGTERM)})
    try:
        yield
    finally:
        if len(held) < 2:  # (a second one was delivered already)
            _restore(previous)
            if held:
                _deliver(previous, held[0])


def _restore(previous: dict[int, object]) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler)  # type: ignore[arg-type]


def _deliver(previous: dict[int, object], number: int) -> None:
    """Signal `number` as the handler `held_interrupts` replaced would have taken it."""
    handler = previous[number]
    if callable(handler):
        handler(number, None)
    elif handler == signal.SIG_DFL:
        signal.raise_signal(number)


def held_each(items: Iterable[T], note: Callable[[T], str] | None = None) -> Iterator[T]:
    """`items`, each with Ctrl-C held (`held_interrupts`, `note(item)` said) until the loop asks for the
    next: a loop body that only `continue`s is one whole write, and an interrupt lands between two."""
    for item in items:
        with held_interrupts(note(item) if note else ""):
            yield item


class WriteFailed(VobsError):
    """A write failed: exit 2 when nothing was written, 3 (`EXIT_PARTIAL`) when some files were,
    naming what was and was not written."""

    def __init__(self, path: str, reason: str, written: list[str] | None = None, not_written: list[str] | None = None):
        self.path, self.reason = path, reason
        self.written, self.not_written = list(written or ()), list(not_written or ())
        self.exit_code = EXIT_PARTIAL if self.written else EXIT_INPUT
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.path}: {self.reason}"
        if self.written:
            text += (f"; wrote {listing(self.written)}, did not write {listing(self.not_written) or 'nothing else'}")
        elif self.not_written:
            text += f"; nothing was written ({len(self.not_written)} file(s) not written)"
        return text


def listing(paths: list[str], shown: int = 3) -> str:
    """`a, b, c and 4 more`: paths as one line names them."""
    if not paths:
        return ""
    head = ", ".join(paths[:shown])
    return head if len(paths) <= shown else f"{head} and {len(paths) - shown} more"


_REASONS = {
    "EACCES": "permission denied",
    "EPERM": "operation not permitted",
    "ENOTDIR": "a part of the path is a file, not a folder",
    "EISDIR": "is a folder, not a file",
    "EEXIST": "already exists (a file where a folder is needed?)",
    "ENOSPC": "no space left on device",
    "EDQUOT": "disk quota exceeded",
    "EROFS": "read-only file system",
    "ENOENT": "no such file or folder",
    "ENAMETOOLONG": "file name too long",
    "ELOOP": "too many levels of symbolic links",
}


def os_reason(exc: OSError) -> str:
    """The true cause of a filesystem error, in words (not "internal error")."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return _REASONS.get(name) or (exc.strerror or type(exc).__name__).lower()


def os_error_message(exc: OSError) -> str:
    """`path: reason` for an `OSError` (both paths for a rename)."""
    where = exc.filename if exc.filename is not None else None
    if exc.filename2 is not None:
        where = f"{exc.filename} → {exc.filename2}"
    return f"{where}: {os_reason(exc)}" if where is not None else os_reason(exc)


SUGGEST_CUTOFF = 0.6  # difflib's ratio: 2·matching characters ÷ both lengths (`enviroment` ~ `environment`: 0.95)


def closest(word: str, known: Iterable[str], n: int = 1) -> list[str]:
    """Up to `n` of `known` close to `word`, closest first, whatever order `known` comes in: the one
    rule every message naming something unknown (a setting, a narrative key, a check id, a variable,
    a chaos placeholder or narrative) suggests by, so all agree on what counts as close. Metric names
    have their own, stricter rule (`metrics.classify`: a slip of a word, not just a similar string)."""
    import difflib  # here: only an error message pays for it, never start-up

    return difflib.get_close_matches(word, sorted(known), n=n, cutoff=SUGGEST_CUTOFF)
