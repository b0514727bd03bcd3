"""Before the first baseline: can the run reach what its faults act on?

A target that could not be reached was found only after the whole first baseline (minutes at
--time-scale 1), by the inject — and the revert that followed it asked for a revert by hand of a
fault that never reached anything. Here, before anything waits or is sent, one GET per server the
actions reach: the `--target-url` when an action uses `${target}` (an HTTP URL, or a command's
arguments — the command reaches it too), and the origin of every other http(s) URL. Any HTTP answer,
whatever its status, is reachable: the GET sends no fault and its body is not read. A failure is
said in words (`guard.http.connection_failure`: "connection refused at 127.0.0.1:1"). A command's
program must exist (on PATH, or as the path given); what a command reaches beyond `${target}`
cannot be known, so it is not checked.
"""

from __future__ import annotations

import os
import shutil
from typing import Any, Iterator
from urllib.parse import urlsplit

import niquests

from vertice_obs.chaos.scenario import Action, Run
from vertice_obs.errors import VobsError
from vertice_obs.guard.http import (
    DeadlineExceeded,
    connection_failure,
    tls_failure,
    tls_verify,
    within,
)
from vertice_obs.guard.secrets import redact_url
from vertice_obs.guard.urls import ServerURL
from vertice_obs.guard.urls import parse as parse_url


class Unreachable(VobsError):
    """A server the run's actions reach did not answer, or a command's program does not exist."""


def check_reachable(run: Run, target: ServerURL, timeout: float) -> None:
    """Raise `Unreachable` naming the action and the failure, for the first server or program the
    run's faults could not reach; nothing is sent that changes anything."""
    servers: dict[str, tuple[ServerURL, str]] = {}  # base URL → (server, the first action that reaches it)
    for scenario in run.scenarios:
        for which, action in (("inject", scenario.fault.inject), ("revert", scenario.fault.revert)):
            what = f"scenario {scenario.id}'s {which}"
            for server in _servers(action, target):
                servers.setdefault(server.base, (server, what))
            if action.command is not None:
                _program(action.command[0], what)
    for server, what in servers.values():
        _answers(server, what, timeout)


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


def _program(name: str, what: str) -> None:
    found = shutil.which(name) if os.sep not in name else (name if os.access(name, os.X_OK) else None)
    if found is None:
        raise Unreachable(f"{what}: command {name!r} is not found" + (" on PATH" if os.sep not in name else "")
                          + " — not started, nothing was injected")


def _answers(server: ServerURL, what: str, timeout: float) -> None:
    """One GET of the server's base URL: any HTTP status answers."""
    url, shown = server.join(""), redact_url(server.base)

    def exchange() -> Any:
        response = niquests.get(url, timeout=timeout, stream=True, auth=server.auth, verify=tls_verify(),
                                allow_redirects=False)
        response.close()
        return response.status_code

    try:
        within(timeout, exchange, what="target")
        return
    except DeadlineExceeded:
        said = f"{shown} did not answer within {timeout:g}s (--http-timeout)"
    except niquests.exceptions.SSLError as exc:
        said = tls_failure(exc, shown, shown)
    except niquests.RequestException as exc:
        said = connection_failure(exc, server.netloc) or f"{shown}: the connection failed ({type(exc).__name__})"
    raise Unreachable(f"{what}: {said} — not started, nothing was injected")
