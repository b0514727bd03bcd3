"""`collect` on several cores: the one place vobs forks.

Reading queries is pure Python work per dashboard (interpolate, parse, walk, lint, place), so one
core does it all while the others idle: at 1,000 dashboards × 20 queries, 6 s of a 12 s validate
on a 2-core machine. `collect_parallel` splits the dashboards into contiguous parts, `collect`s
the first part itself and each other part in a forked child, and joins the parts in order — so
the result is exactly serial `collect`'s, in the same order (a test holds them equal).

- **Forked, not spawned:** a child starts with the dashboards, the check policy and the caches
  already in memory (copy-on-write), so only its answer crosses back: pickled, through a pipe
  (the answer's classes pickle by their fields: `finding.pickled_by_fields`).
- **Nothing is lost:** a child that fails, dies, is killed or cannot be forked gives no answer,
  and the parent collects that part itself. An interrupt (Ctrl-C) or error in the parent kills and
  reaps every child before it goes on; Ctrl-C is held while the children are forked, so none is
  left unknown. A child never runs the parent's exit handlers or flushes its output (`os._exit`),
  closes its siblings' pipes, and never makes a request: it only runs `collect`. A child dies
  with its parent (SIGTERM, a cancelled CI job): Linux's parent-death signal. A parent that
  inherited SIGCHLD ignored (children reap themselves) takes an answer by its announced length.
- **Only where it pays:** Linux (fork is safe there with the idle HTTP threads vobs may hold; not
  macOS or Windows), at least two usable cores, and at least `MIN_PART` dashboards a part —
  below that the fork and the answer's crossing cost more than they save. `VOBS_JOBS=1` (or
  any count) sets the number of processes.
- **Progress:** a child writes one byte per dashboard read, which the parent's progress callback
  counts as its own.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
import threading
from typing import Any, Callable, Iterator, Sequence

from vertice_obs.errors import InputError
from vertice_obs.metrics.validation import Collected, DashboardFile, collect

MAX_JOBS = 4  # the answers cross one pipe each: more processes than this gain little
MIN_PART = 150  # dashboards a part, at least (~1 s of work against ~0.05 s of fork and crossing)
# The parent's part is this much larger than a child's: a child also writes its answer (and, when
# judged, makes its part's option selectors, which the parent makes for its own part later, while
# Prometheus works). Measured at 1,000 dashboards: parts then finish within ~0.2 s of each other.
PARENT_SHARE, PARENT_SHARE_JUDGED = 1.15, 1.6
_DONE, _ANSWER = b".", b"!"


def jobs_wanted(environ: dict[str, str] | None = None) -> int:
    """How many processes: `VOBS_JOBS` if set (1 or more, at most the cores this process may run
    on), else those cores, at most `MAX_JOBS`. A `VOBS_JOBS` that is not a positive count is an `InputError`."""
    environ = os.environ if environ is None else environ
    said = environ.get("VOBS_JOBS", "").strip()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if said:
        if not (said.isascii() and said.isdigit()) or int(said) < 1:
            raise InputError(f"VOBS_JOBS={said!r}: expected a number of processes, 1 or more")
        return max(1, min(int(said), cores))  # more processes than cores only add crossings
    return max(1, min(cores, MAX_JOBS))


def parts_of(count: int, jobs: int, min_part: int = MIN_PART, share: float = PARENT_SHARE) -> list[range]:
    """Contiguous ranges covering `count` dashboards: at most `jobs`, each at least `min_part`
    (one range when that leaves fewer than two); the first, the parent's, `share` times larger."""
    for n in range(min(jobs, count // max(1, min_part)), 1, -1):
        first = round(count * share / (n - 1 + share))
        rest = count - first
        bounds = [0, first] + [first + rest * i // (n - 1) for i in range(1, n)]
        parts = [range(a, b) for a, b in zip(bounds, bounds[1:])]
        if all(len(p) >= min_part for p in parts):
            return parts
    return [range(count)]


def collect_parallel(dashboards: Sequence[DashboardFile], jobs: int | None = None,
                     on_dashboard: Callable[[str], None] | None = None, min_part: int = MIN_PART,
                     judged: bool = False, **kwargs: Any) -> Collected:
    """`collect(dashboards, on_dashboard, **kwargs)`, the same answer, on up to `jobs` processes.

    `judged`: a source will judge the selectors, so every part but the first also makes its
    variables' option selectors (`Collected.option_selectors`) where its shapes are parsed already —
    made again in the parent, each shape would be parsed twice. The first part's are still made
    while the source works (`nodata.judge_selectors`)."""
    dashboards = list(dashboards)
    jobs = jobs_wanted() if jobs is None else jobs
    parts = parts_of(len(dashboards), jobs, min_part, PARENT_SHARE_JUDGED if judged else PARENT_SHARE)
    if len(parts) < 2 or sys.platform != "linux" or not hasattr(os, "fork"):
        return collect(dashboards, on_dashboard, **kwargs)
    chunks = [dashboards[p.start:p.stop] for p in parts]
    children: list[_Child | None] = []
    try:
        with _interrupt_deferred():  # each child is registered (to be killed and reaped) before Ctrl-C acts
            for chunk in chunks[1:]:
                try:
                    _Child.start(chunk, kwargs, judged, on_dashboard is not None, children)
                except OSError:  # no process or pipe to be had (a limit): the parent reads that part itself
                    children.append(None)
        progress = None
        if on_dashboard is not None:
            def progress(file: str) -> None:
                on_dashboard(file)
                for child in children:
                    if child is not None:
                        child.poll(on_dashboard)
        results = [collect(chunks[0], progress, **kwargs)]
        for child, chunk in zip(children, chunks[1:]):
            answer = child.answer(on_dashboard) if child is not None else None
            if answer is None:  # no child, or it gave no answer: this part is collected here, as there
                answer = collect(chunk, _rest(on_dashboard, child), **kwargs)
                answer = answer.with_options_made() if judged else answer
            results.append(answer)
    finally:
        for child in children:
            if child is not None:
                child.stop()
    return _joined(results)


def _rest(on_dashboard: Callable[[str], None] | None, child: _Child | None) -> Callable[[str], None] | None:
    """Progress for a part the parent collects: only the dashboards its child (if any) had not said."""
    if on_dashboard is None:
        return None
    said = child.said if child is not None else 0

    def tick(file: str) -> None:
        nonlocal said
        if said:
            said -= 1
        else:
            on_dashboard(file)
    return tick


def _joined(results: list[Collected]) -> Collected:
    out = Collected([], [], 0, 0, [], [], [], variable_paths={})
    for r in results:
        out.uses += r.uses
        out.findings += r.findings
        out.queries += r.queries
        out.dashboards += r.dashboards
        out.selectors += r.selectors
        out.groupings += r.groupings
        out.pending += r.pending  # the first part's: each later part's options are `ready` when judged
        out.ready += r.ready
        out.variable_paths.update(r.variable_paths)
        out.fills.update(r.fills)
        out.dropdowns.update(r.dropdowns)
    return out


class _Child:
    """One forked process collecting one part, and the read end of its pipe."""

    def __init__(self, pid: int, fd: int, files: list[str]):
        self.pid, self.fd, self.files = pid, fd, files
        self.said = 0  # dashboards it has reported done
        self._buffer = bytearray()
        self._answering = False  # the answer's marker has been read: the rest is the answer
        self._answer: bytearray | None = None  # allocated once its length is known
        self._filled = 0  # bytes of it read so far; -1: more came than announced
        self._reaped = False

    @classmethod
    def start(cls, chunk: list[DashboardFile], kwargs: dict[str, Any], judged: bool, progress: bool,
              siblings: list[_Child | None]) -> None:
        """Fork a child for `chunk` and append it to `siblings` (those forked before it)."""
        read, write = os.pipe()
        parent = os.getpid()
        try:
            pid = os.fork()
            if pid == 0:  # the child: collect, answer, and leave without running anything of the parent's
                code = 1
                try:
                    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it; the parent reaps it
                    _die_with(parent)
                    os.close(read)
                    for sibling in siblings:  # their pipes are the parent's to read, not this child's
                        if sibling is not None:
                            os.close(sibling.fd)
                    gc.freeze()  # what it inherited is never scanned (nor its pages copied by the scan)
                    done = (lambda _file: os.write(write, _DONE)) if progress else None
                    result = collect(chunk, done, **kwargs)
                    result = result.with_options_made() if judged else result
                    clear = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
                    _write_all(write, _ANSWER + len(clear).to_bytes(8, "big"))
                    _write_all(write, clear)
                    code = 0
                finally:
                    os._exit(code)
        except BaseException:
            if os.getpid() != parent:  # raised in the child before its own `try`: it still leaves at once
                os._exit(1)
            os.close(read)
            os.close(write)
            raise
        os.close(write)
        siblings.append(cls(pid, read, [d.file for d in chunk]))
        os.set_blocking(read, False)

    def poll(self, on_dashboard: Callable[[str], None] | None) -> None:
        """Read what the child has written so far, without waiting."""
        try:
            data = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return
        self._take(data, on_dashboard)

    def answer(self, on_dashboard: Callable[[str], None] | None) -> Collected | None:
        """Wait for the child's answer; None if it gave none (failed, died or was killed)."""
        os.set_blocking(self.fd, True)
        while True:
            data = os.read(self.fd, 1 << 20)
            if not data:
                break
            self._take(data, on_dashboard)
        try:
            _, status = os.waitpid(self.pid, 0)
            failed = os.waitstatus_to_exitcode(status) != 0
        except ChildProcessError:  # SIGCHLD inherited as ignored: reaped already; its answer tells
            failed = False
        self._reaped = True
        whole = self._answer is not None and self._filled == len(self._answer)
        if failed or not whole:
            return None
        try:
            result = pickle.loads(self._answer)
        except Exception:  # noqa: BLE001 — a damaged answer: the parent collects the part itself
            return None
        finally:
            self._answer = None  # ~12 MB at 500 dashboards: not held past this
        return result if isinstance(result, Collected) else None

    def _take(self, data: bytes, on_dashboard: Callable[[str], None] | None) -> None:
        if not self._answering:
            marker = data.find(_ANSWER)
            dots = data if marker < 0 else data[:marker]
            for _ in range(len(dots)):
                if on_dashboard is not None and self.said < len(self.files):
                    on_dashboard(self.files[self.said])
                self.said += 1
            if marker < 0:
                return
            self._answering = True
            data = data[marker + 1:]
        if self._answer is None:  # the length first, then the answer read into its own buffer
            self._buffer += data
            if len(self._buffer) < 8:
                return
            size, data = int.from_bytes(self._buffer[:8], "big"), bytes(self._buffer[8:])
            self._answer, self._buffer = bytearray(size), bytearray()
        end = self._filled + len(data)
        if end > len(self._answer):
            self._filled = -1  # more than it announced: damaged
            return
        if self._filled >= 0:
            self._answer[self._filled:end] = data
            self._filled = end

    def stop(self) -> None:
        """Kill and reap the child if it is still running; close the pipe."""
        if not self._reaped:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self._reaped = True
        try:
            os.close(self.fd)
        except OSError:
            pass


def _die_with(parent: int) -> None:
    """In a child: ask Linux to kill it when the parent dies (SIGTERM to vobs, a cancelled CI job,
    the OOM killer) — it would otherwise read its part for nobody, for seconds. Without prctl (not
    Linux's libc) it only ends when its part is done."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request: nobody will read the answer
        os._exit(1)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@contextlib.contextmanager
def _interrupt_deferred() -> Iterator[None]:
    """Ctrl-C (SIGINT) held back, then delivered as the handler before it would have: between a
    fork and the child's registration an interrupt would leave the child unknown (never killed nor
    reaped), and in the child, before its own handling, run the parent's code. Only in the main
    thread, where Python runs signal handlers, and only over a Python-level handler."""
    previous = signal.getsignal(signal.SIGINT) if threading.current_thread() is threading.main_thread() else None
    if previous is None:
        yield
        return
    held: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, _frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held:
        if callable(previous):
            previous(signal.SIGINT, None)
        elif previous == signal.SIG_DFL:
            signal.raise_signal(signal.SIGINT)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
