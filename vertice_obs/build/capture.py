"""What a dashboard module writes to stdout, captured: stdout belongs to the CLI's own output.

`print`, `sys.stdout.buffer` and `os.write(1, …)` or a child process all reach file descriptor 1,
so while a module runs fd 1 (and `sys.stdout`) point at a pipe that a thread drains; the first
`PRINTED_LIMIT` bytes are kept for the warning, the rest read and dropped. Between modules fd 1 is
the real stdout again.

One pipe and one drain thread serve a whole build (`StdoutCapture`): a pipe, a thread and a stream
per module were 0.7 ms of each module's load, a fifth of a 1,000-dashboard build (issue 12). The
loader tells one module's bytes from the next by a random marker it writes into the pipe after
the module has run: the drain hands over everything before it. A module that breaks the pipe (closes
or replaces its descriptor) or a marker that does not come back within two seconds ends the
session; the next module gets a new one.
"""

from __future__ import annotations

import contextlib
import io
import os
import queue
import sys
import threading
from typing import Iterator

PRINTED_LIMIT = 64 * 1024  # bytes of a module's stdout kept for the warning; the rest is drained
_WAIT = 2.0  # seconds to wait for the marker (as long as the old per-module drain waited)


class Printed:
    """What a module wrote to stdout: the first `PRINTED_LIMIT` bytes, decoded."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0
        self.python = io.StringIO()

    def keep(self, chunk: bytes) -> None:
        if self.size < PRINTED_LIMIT and chunk:
            self.chunks.append(chunk[:PRINTED_LIMIT - self.size])
        self.size += len(chunk)

    @property
    def text(self) -> str:
        return self.python.getvalue()[:PRINTED_LIMIT] + b"".join(self.chunks).decode("utf-8", "replace")


class _Session:
    """One pipe, its drain thread and the stream `sys.stdout` points at while a module runs."""

    def __init__(self, saved: int) -> None:
        self.saved = saved  # the real stdout, restored between modules
        self.read_end, self.write_end = os.pipe()
        self.marker = b"\0vobs-" + os.urandom(12).hex().encode() + b"\0"
        self.segments: queue.SimpleQueue[Printed] = queue.SimpleQueue()
        self.stream = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="replace",
                                       line_buffering=True)
        threading.Thread(target=self._drain, name="vobs-module-stdout", daemon=True).start()

    def _drain(self) -> None:
        marker, current, pending = self.marker, Printed(), b""
        with open(self.read_end, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                data = pending + chunk
                while (at := data.find(marker)) >= 0:
                    current.keep(data[:at])
                    self.segments.put(current)
                    current, data = Printed(), data[at + len(marker):]
                cut = max(0, len(data) - len(marker) + 1)  # a marker may straddle two reads
                current.keep(data[:cut])
                pending = data[cut:]

    def collect(self) -> Printed | None:
        """What was written since the last marker, or None when the session is broken."""
        try:
            os.write(self.write_end, self.marker)  # shorter than PIPE_BUF: written whole
            return self.segments.get(timeout=_WAIT)
        except (OSError, queue.Empty):
            return None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.dup2(self.saved, 1)
        for fd in (self.saved, self.write_end):  # the drain sees end of file once no child holds the pipe
            with contextlib.suppress(OSError):
                os.close(fd)


class StdoutCapture:
    """Capture each module's stdout in turn (`with capture.module() as printed:`); close at the end."""

    def __init__(self) -> None:
        self._session: _Session | None = None

    def __enter__(self) -> StdoutCapture:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    @contextlib.contextmanager
    def module(self) -> Iterator[Printed]:
        printed = Printed()
        for stream in (sys.stdout, sys.__stdout__):
            with contextlib.suppress(Exception):
                stream.flush()  # the CLI's own pending output goes where it belongs, before the switch
        if self._session is None:
            try:
                self._session = _Session(os.dup(1))
            except OSError:  # no fd 1 at all: capture what Python writes, the rest goes nowhere anyway
                with contextlib.redirect_stdout(printed.python):
                    yield printed
                return
        session = self._session
        try:
            os.dup2(session.write_end, 1)
            with contextlib.redirect_stdout(session.stream):
                yield printed
        finally:
            for flushed in (session.stream, sys.__stdout__):
                with contextlib.suppress(Exception):
                    flushed.flush()
            with contextlib.suppress(OSError):
                os.dup2(session.saved, 1)
            segment = session.collect()
            if segment is None:
                self.close()  # broken by the module: the next one gets a new pipe
            else:
                printed.chunks, printed.size = segment.chunks, segment.size
