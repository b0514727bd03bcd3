"""One total deadline and one size cap for every HTTP exchange vobs makes; how long a server
asks to wait (`retry_after`); whether TLS certificates are verified (`tls_verify`); and what a
failed TLS handshake is told as (`tls_failure`: the one description, for every server vobs asks),
and a connection that could not be made (`connection_failure`: refused, a name that does not
resolve, no route, no connection within the deadline) or was cut once made (`connection_cause`): the
one wording of a server vobs could not reach (`unreachable`), Grafana's and Prometheus' alike.

Per-socket timeouts do not bound a server that drips a byte every few seconds: each read
succeeds in time and the body never ends. `within` runs one whole exchange — connect, headers and
the complete body — against a total deadline; `read_body` streams a `requests`-style response into
memory up to `max_bytes`, checking the same deadline between chunks.
"""

from __future__ import annotations

import errno
import os
import re
import socket
import threading
import time
import warnings
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, TypeVar

from vertice_obs.errors import VobsError
from vertice_obs.guard.secrets import redact_text
from vertice_obs.guard.text import escape, folded

T = TypeVar("T")
DEFAULT_TIMEOUT = 30.0  # seconds for one whole exchange (--timeout)
DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # an answer larger than this is refused


class DeadlineExceeded(VobsError):
    """An HTTP exchange did not finish within its total deadline."""


class ResponseTooLarge(VobsError):
    """An answer was larger than the size cap."""


def within(seconds: float, fn: Callable[[], T], what: str = "request",
           meanwhile: Callable[[], object] | None = None) -> T:
    """`fn()` if it finishes within `seconds`, else `DeadlineExceeded`. The call runs in a daemon
    thread — one of those kept for reuse (starting a thread per request cost ~10 % of a publish's
    client CPU) — so a server that never finishes cannot keep vobs from exiting; a late call keeps
    its thread until it ends, and the next call gets another. `meanwhile()`, if given, runs in the
    caller's thread while the exchange is under way (its own errors are raised); the deadline
    counts from the start."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    deadline = time.monotonic() + seconds
    _RUNNERS.run(run, done, what)
    if meanwhile is not None:
        meanwhile()
    if not done.wait(min(max(0.0, deadline - time.monotonic()), threading.TIMEOUT_MAX)):
        raise DeadlineExceeded(f"{what} did not finish within {seconds:g}s")
    if "error" in box:
        raise box["error"]
    return box["value"]


class _Runners:
    """Daemon threads that each run one call at a time, then wait for the next: a call goes to an
    idle one, or to a new one when none is idle (so a hung call never delays another)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Runner] = []

    def run(self, fn: Callable[[], None], done: threading.Event, what: str) -> None:
        """`fn()` in an idle thread (or a new one), then `done` set — after the thread is idle
        again, so the caller's next call finds it."""
        with self._lock:
            runner = self._idle.pop() if self._idle else None
        if runner is None:
            runner = _Runner(self, what)
        runner.give(fn, done)

    def rest(self, runner: _Runner) -> None:
        with self._lock:
            self._idle.append(runner)

    def forget(self) -> None:
        """In a forked child: the parent's threads do not exist there (nor may its lock be free)."""
        self._lock = threading.Lock()
        self._idle = []


class _Runner:
    def __init__(self, pool: _Runners, what: str) -> None:
        self._pool, self._ready = pool, threading.Semaphore(0)
        self._work: tuple[Callable[[], None], threading.Event] | None = None
        threading.Thread(target=self._loop, name=f"vobs-http-{what}", daemon=True).start()

    def give(self, fn: Callable[[], None], done: threading.Event) -> None:
        self._work = (fn, done)
        self._ready.release()

    def _loop(self) -> None:
        while True:
            self._ready.acquire()
            work, self._work = self._work, None
            if work is None:
                continue
            fn, done = work
            del work
            fn()  # `within`'s run: never raises
            del fn  # an idle thread holds no answer (nor an error and its frames) until its next call
            self._pool.rest(self)
            done.set()


_RUNNERS = _Runners()
os.register_at_fork(after_in_child=_RUNNERS.forget)


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


def retry_after(header: str | None, now: float | None = None) -> float | None:
    """Seconds a `Retry-After` header asks to wait (RFC 9110 §10.2.3), in either of its forms:
    delta-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`; a date already past
    is 0). None when there is none or it is neither: the caller keeps its own backoff. `now` is
    epoch seconds (default: the clock). Callers cap the wait by their deadline."""
    text = (header or "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return float(text)  # a float: no digit limit, and a thousand-digit delay is merely infinite
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, by RFC 5322
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


# TLS: verified by default, against the system's trust store; `--ca-cert FILE` trusts a private CA
# instead, `--insecure` (warned) verifies nothing. Set once per run by the CLI's options
# (cli/options.py `TLS`); every HTTP client vobs makes passes `tls_verify()` as its `verify`.
_verify: bool | str = True


def configure_tls(ca_cert: str | None = None, insecure: bool = False) -> None:
    global _verify
    _verify = False if insecure else (str(ca_cert) if ca_cert else True)
    if insecure:  # said once by the CLI; urllib3's InsecureRequestWarning would repeat it per request
        warnings.filterwarnings("ignore", message="Unverified HTTPS request")


def tls_verify() -> bool | str:
    """True (verify against the system's CAs), a CA bundle's path (--ca-cert) or False (--insecure)."""
    return _verify


# OpenSSL's words when what came back is no TLS record at all: the port speaks plain HTTP (or
# something else), and `https://` asked it for a handshake it cannot give.
_NOT_TLS = re.compile(r"WRONG_VERSION_NUMBER|RECORD_LAYER_FAILURE|PACKET_LENGTH_TOO_LONG|UNKNOWN_PROTOCOL|"
                      r"wrong version number|record layer failure|packet length too long|unknown protocol", re.I)
_REASONS = (re.compile(r"certificate verify failed[^'\"()]*"), re.compile(r"Hostname mismatch[^\"()]*"),
            re.compile(r"\[SSL: [A-Z_]+\][^'\"()]*"))


def tls_failure(exc: BaseException, where: str, url: str) -> str:
    """The one description of a failed TLS handshake with the server `where` (as shown) at `url`
    (as shown, credentials already out). A server that does not speak TLS at all — OpenSSL's "wrong
    version number" or "record layer failure": a plain-HTTP port asked over `https://` — is said so,
    with the `http://` URL to try, not blamed on a certificate; a certificate not trusted is "TLS
    verification failed" with OpenSSL's reason and how to trust it; any other failure names its
    reason. The advice is in parentheses: callers may go on after it (`: metric existence is unknown`)."""
    text = " ".join(str(e) for e in _chain(exc))
    if _NOT_TLS.search(text):
        plain = re.sub(r"^https://", "http://", url, flags=re.I)
        return f"{where} does not speak TLS" + (f" (plain HTTP? try {plain})" if plain != url else "")
    found = next((m.group(0) for pattern in _REASONS for m in [pattern.search(text)] if m), "handshake")
    reason = escape(" ".join(found.split()), one_line=True)[:160]
    if found != "handshake" and not found.startswith("["):
        return f"{where}: TLS verification failed ({reason}; trust its CA with --ca-cert FILE)"
    return f"{where}: TLS failed ({reason})"


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and the exceptions it was raised from, each once (niquests wraps urllib3 wraps ssl)."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out and len(out) < 16:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def bearer_token(token: str, variable: str) -> str:
    """`token`, checked as an `Authorization: Bearer` header carries one — the one check of every
    token vobs sends (PROMETHEUS_TOKEN here, the Grafana token in `grafana.destinations`). A token
    no header can carry (a newline: read with its line end), or that no bearer token is (spaces
    around it, a character beyond ASCII) is an `InputError` naming `variable`, never sent; the
    token is registered first, so no message shows it."""
    from vertice_obs.errors import InputError
    from vertice_obs.guard.secrets import register

    register(token)
    if re.search(r"[\x00-\x1f\x7f]", token):
        raise InputError(f"{variable} holds a newline or another control character (read with its line end?): "
                         "give the token alone")
    if not re.fullmatch(r"[\x21-\x7e]+", token):  # a header carries ASCII; a bearer token has no spaces
        raise InputError(f"{variable} holds a space or a character beyond ASCII, which no bearer token has "
                         "(copied with its quotes or spaces?): give the token alone")
    return token


def bearer(session: Any, basic: Any, token: str | None, variable: str) -> str:
    """How `session` proves who it is — a bearer token (`variable`, e.g. PROMETHEUS_TOKEN) when one is
    given, checked by `bearer_token`, else the URL's user:password as basic auth, as for Grafana —
    and what a refusal (401/403) tells the user to check."""
    if token:
        session.headers["Authorization"] = f"Bearer {bearer_token(token, variable)}"
        return f"check {variable}, sent as a bearer token"
    if basic:
        session.auth = basic
        return "check the user and password in the URL"
    return f"it wants credentials: {variable} (a bearer token) or user:password@ in the URL (basic auth)"


def connection_failure(exc: BaseException, at: str) -> str | None:
    """A failure to make the connection to `at` (`host:port`, as shown), in words — `connection
    refused at 127.0.0.1:1` — or None when the connection was made and failed later (reset, cut
    mid-answer): then the request may have reached the server. So a caller can tell "never
    reached" (nothing was sent) from "may have been sent"."""
    chain = _chain(exc)
    names = {type(e).__name__ for e in chain}
    for e in chain:
        if isinstance(e, ConnectionRefusedError):
            return f"connection refused at {at}"
        if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return f"no route to {at}"
    if "NameResolutionError" in names or any(isinstance(e, socket.gaierror) for e in chain):
        return f"the host of {at} does not resolve (no such name?)"
    if "ConnectTimeoutError" in names or "ConnectTimeout" in names:
        return f"no connection to {at} within the timeout"
    if "NewConnectionError" in names:
        return f"could not connect to {at}"
    return None


def connection_cause(exc: BaseException, at: str) -> str:
    """Why a connection to `at` (host:port) failed, in one line, secrets redacted and control characters
    escaped: refused, a name that does not resolve, no route, no connection in time (`connection_failure`) —
    or, the connection made, how it was cut (a reset, closed before an answer), in the library's own words."""
    made = connection_failure(exc, at)
    if made is None:
        last = _chain(exc)[-1]
        made = f"the connection was cut before an answer ({_one_line(str(last) or type(last).__name__, 120)})"
    return _one_line(made, 160)


def unreachable(where: str, exc: BaseException, at: str) -> str:
    """The one line for a server vobs could not reach, whichever it is (`where`, as shown; `at`: its
    host:port): `Prometheus at http://127.0.0.1:9 is unreachable: connection refused at 127.0.0.1:9`."""
    return f"{where} is unreachable: {connection_cause(exc, at)}"


def _one_line(text: str, limit: int) -> str:
    return folded(escape(" ".join(redact_text(text).split()), one_line=True), limit)
