"""Acting on the system under test: one inject or revert — an HTTP call or a command — bounded,
its failure said in words; and the same action written as a person runs it by hand.

An HTTP action gets one total deadline (`--http-timeout`) and a size cap on its answer; a command
is bounded as an HTTP action is, an inject also by what is left of the run's `--timeout` (a revert
always gets its full time: it must run even when the deadline has passed). A connection that was
never made is `NotReached`: nothing was sent, so nothing needs reverting.
"""

from __future__ import annotations

import json
import shlex
import time
from typing import Any

import niquests

from vertice_obs.chaos.command import run_command
from vertice_obs.chaos.fill import action_url, fill
from vertice_obs.chaos.scenario import Action
from vertice_obs.errors import VobsError
from vertice_obs.guard.http import (
    DeadlineExceeded,
    ResponseTooLarge,
    connection_failure,
    read_body,
    tls_failure,
    tls_verify,
    within,
)
from vertice_obs.guard.secrets import redact_text, redact_url
from vertice_obs.guard.urls import ServerURL
from vertice_obs.guard.urls import parse as parse_url

TARGET_MAX_BYTES = 1024 * 1024  # an inject/revert answer is a status, not a payload


class Aborted(VobsError):
    """The run was stopped (Ctrl-C, SIGTERM or its deadline); its fault was reverted."""

    exit_code = 130


class Refused(VobsError):
    """An action's request was answered with a refusal a retry cannot change: an HTTP 4xx other than
    408, 425 and 429 (a wrong token, a forbidden path, a request the target does not take). The
    target did not apply it."""


class NotReached(VobsError):
    """An action's request never reached its server: the connection was not made (refused, no such
    host, no route, no connection in time), so nothing was sent."""


def act(action: Action, variables: dict[str, Any], target: ServerURL, http_timeout: float,
        left: float | None = None) -> None:
    """Do `action` once; `left`: what is left of the run's `--timeout` (None: a revert, or no deadline)."""
    if action.http is not None:
        _http(action.http, variables, target, http_timeout)
        return
    argv = [fill(a, variables) for a in action.command or ()]
    limit = min(http_timeout, max(0.0, left)) if left is not None else http_timeout
    if limit == http_timeout:
        run_command(argv, limit, "--http-timeout")
    else:  # the run's deadline: stopped as at any other point of the run
        run_command(argv, limit, "what was left of --timeout", Aborted)


def _http(http: dict[str, Any], variables: dict[str, Any], target: ServerURL, http_timeout: float) -> None:
    url, auth = action_url(http["url"], variables, target)
    body = fill(http.get("json"), variables)
    what = f"{http['method']} {redact_url(url)}"
    deadline = time.monotonic() + http_timeout

    def exchange() -> tuple[int, bytes]:
        response = niquests.request(http["method"], url, json=body, timeout=http_timeout,
                                    stream=True, auth=auth, verify=tls_verify())
        return response.status_code, read_body(response, deadline, TARGET_MAX_BYTES, what="its answer")

    try:
        status, answer = within(http_timeout, exchange, what="target")
    except DeadlineExceeded:
        raise VobsError(f"{what}: no answer within {http_timeout:g}s (--http-timeout)") from None
    except ResponseTooLarge:
        raise VobsError(f"{what}: answered more than {TARGET_MAX_BYTES:,} bytes") from None
    except niquests.exceptions.SSLError as exc:
        raise VobsError(tls_failure(exc, what, redact_url(url))) from None
    except niquests.RequestException as exc:
        words = connection_failure(exc, parse_url(url, "an action's URL").netloc)
        raise (NotReached if words else VobsError)(f"{what}: {words or type(exc).__name__}") from None
    if status >= 400:
        text = " ".join(answer[:120].decode("utf-8", "replace").split())
        refused = 400 <= status < 500 and status not in (408, 425, 429)
        raise (Refused if refused else VobsError)(redact_text(f"{what}: HTTP {status} {text}"))


def by_hand(action: Action, variables: dict[str, Any], target: ServerURL) -> str:
    """`action` as a shell command line a person can run: the command itself, or the HTTP call as
    `curl` (`-u USER`: curl asks for the password). Secrets are masked: the person fills them in."""
    if action.http is None:
        return redact_text(shlex.join(str(fill(a, variables)) for a in action.command or ()))
    url, auth = action_url(action.http["url"], variables, target)
    line = ["curl", "-fsS", "-X", action.http["method"]]
    if auth is not None:
        line += ["-u", auth[0]]
    body = fill(action.http.get("json"), variables)
    if body is not None:
        line += ["-H", "Content-Type: application/json", "--data", json.dumps(body)]
    return redact_text(shlex.join([*line, url]))
