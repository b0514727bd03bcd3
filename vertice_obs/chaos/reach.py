"""Before the first baseline: can the run reach what its faults act on?

A target that could not be reached was found only after the whole first baseline (minutes at
--time-scale 1), by the inject — and the revert that followed it asked for a revert by hand of a
fault that never reached anything. Here, before anything waits or is sent, one GET per server the
actions reach: the `--target-url` when an action uses `${target}` (an HTTP URL, or a command's
arguments — the command reaches it too), and the origin of every other http(s) URL. Any HTTP answer,
whatever its status, is reachable: the GET sends no fault and its body is not read. A command's
program must exist and be executable (on PATH, or at the path given); what a command reaches beyond
`${target}` cannot be known, so it is not checked.

A failure is one line a new user can act on: what could not be reached (the target, named by its
flag; another server, by the action that calls it; a command, by its program), why, in words
(`guard.http.unreachable`: "connection refused at 127.0.0.1:1", never a class name), what to do
next, and that the run did not start — `the target http://127.0.0.1:1 (--target-url) is unreachable:
connection refused at 127.0.0.1:1 — start the system under test, or correct --target-url; not
started, nothing was injected`. URLs are shown redacted; a program's name, the file's text, escaped.
"""

from __future__ import annotations

import os
import shlex
import shutil
from typing import Any, Iterator
from urllib.parse import urlsplit

import niquests

from vertice_obs.chaos.scenario import Action, Run
from vertice_obs.errors import VobsError
from vertice_obs.guard.http import (
    DeadlineExceeded,
    tls_failure,
    tls_verify,
    unreachable,
    within,
)
from vertice_obs.guard.secrets import redact_text, redact_url
from vertice_obs.guard.text import escape
from vertice_obs.guard.urls import ServerURL
from vertice_obs.guard.urls import parse as parse_url


class Unreachable(VobsError):
    """A server the run's actions reach did not answer, or a command's program cannot be run."""


NOT_STARTED = "not started, nothing was injected"


def check_reachable(run: Run, target: ServerURL, timeout: float) -> None:
    """Raise `Unreachable`, one line, for the first server or program the run's faults could not
    reach: which one it is, why, what to do, and that nothing ran; nothing is sent that changes anything."""
    servers: dict[str, tuple[ServerURL, str]] = {}  # base URL → (server, the first action that reaches it)
    for scenario in run.scenarios:
        for which, action in (("inject", scenario.fault.inject), ("revert", scenario.fault.revert)):
            what = f"scenario {scenario.id}'s {which}"
            for server in _servers(action, target):
                servers.setdefault(server.base, (server, what))
            if action.command is not None:
                _program(action.command[0], what, run.file)
    for server, what in servers.values():
        _answers(server, what, timeout, target, run.file)


def _servers(action: Action, target: ServerURL) -> Iterator[ServerURL]:
    if action.http is not None:
        url = action.http["url"]
        if url.startswith("${target}"):
            yield target
        else:
            parts = urlsplit(url)
            yield parse_url(f"{parts.scheme}://{parts.netloc}", "an action's URL")
    elif any("${target}" in arg for arg in action.command or ()):
        yield target


def _program(name: str, what: str, file: str) -> None:
    """The program a command action runs exists and can be run: on PATH, or at the path given
    (relative to where vobs runs, as the command is run from there)."""
    shown = escape(redact_text(name), one_line=True)  # the file's text: never a line or a sequence of its own
    if os.sep not in name:
        if shutil.which(name) is None:
            raise Unreachable(f"{what} runs the command '{shown}', which is not found on PATH — install it, or give "
                              f"its full path in {file}; {NOT_STARTED}")
        return
    where = "" if os.path.isabs(name) else " (a relative path is from the folder vobs runs in)"
    if not os.path.exists(name):
        said = f"which does not exist — correct its path in {file}{where}"
    elif os.path.isdir(name):
        said = f"which is a folder, not a program — correct its path in {file}"
    elif not os.access(name, os.X_OK):
        said = f"which is not executable — make it so (chmod +x {escape(shlex.quote(name), one_line=True)})"
    else:
        return
    raise Unreachable(f"{what} runs the command '{shown}', {said}; {NOT_STARTED}")


def _answers(server: ServerURL, what: str, timeout: float, target: ServerURL, file: str) -> None:
    """One GET of the server's base URL: any HTTP status answers."""
    url, shown = server.join(""), redact_url(server.base)
    if server is target:
        where, fix = f"the target {shown} (--target-url)", "start the system under test, or correct --target-url"
    else:
        where, fix = f"{shown} (called by {what})", f"start it, or correct that URL in {file}"

    def exchange() -> Any:
        response = niquests.get(url, timeout=timeout, stream=True, auth=server.auth, verify=tls_verify(),
                                allow_redirects=False)
        response.close()
        return response.status_code

    try:
        within(timeout, exchange, what="target")
        return
    except (DeadlineExceeded, niquests.exceptions.ReadTimeout):  # connected, no answer in time
        said = (f"{where} did not answer within {timeout:g}s (--http-timeout) — check that it is up, or give it "
                "longer with --http-timeout")
    except niquests.exceptions.SSLError as exc:
        said = tls_failure(exc, where, shown)  # its advice in it: the http:// URL to try, or --ca-cert
    except niquests.RequestException as exc:
        said = f"{unreachable(where, exc, server.netloc)} — {fix}"
    raise Unreachable(f"{said}; {NOT_STARTED}")
