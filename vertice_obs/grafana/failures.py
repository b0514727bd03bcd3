"""How a request to Grafana failed, classified in one place: every exception a request can end in
(`explain`) becomes one `DestinationError` — its words, and whether running it again can help
(`retryable`), whether it is no one dashboard's fault (`server_wide`) and whether it may have been
applied all the same (`unanswered`, which makes a write's last error `answers.outcome_unknown`): sent
and not answered in time, or the connection cut once made (a reset) — never a connection that could
not be made (refused, no such name: nothing was sent).

`destinations.GrafanaDestination._call` makes the requests, retries and keeps the deadline; an HTTP
error answer is told by `answers.status_error`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import niquests
from grafana_client.client import GrafanaException, GrafanaTimeoutError

from vertice_obs.grafana.answers import DestinationError, status_error, subject
from vertice_obs.guard.http import (
    DeadlineExceeded,
    ResponseTooLarge,
    connection_failure,
    tls_failure,
    unreachable,
)
from vertice_obs.guard.secrets import redact_url
from vertice_obs.guard.text import escape

if TYPE_CHECKING:
    from vertice_obs.grafana.destinations import GrafanaDestination


def explain(what: str, exc: Exception, grafana: GrafanaDestination, forbidden: str = "") -> DestinationError:
    """`exc`, which a request for `what` to `grafana` ended in, as a `DestinationError`; `forbidden`:
    the write it is (`write dashboards in folder x`), which makes a 403 server-wide. What is not a
    request's failure (a programming error) is raised again."""
    where, who = grafana.description, subject(what, grafana.description)
    if isinstance(exc, DeadlineExceeded):
        return DestinationError(f"{who} did not answer within {grafana.timeout:g}s ({grafana.timeout_name})",
                                unanswered=True)
    if isinstance(exc, ResponseTooLarge):
        return DestinationError(f"{who} sent {exc}", server_wide=True)
    if isinstance(exc, ValueError):  # JSON that does not parse, under a JSON content type
        return DestinationError(f"{who} answered something that is not JSON", server_wide=True)
    if isinstance(exc, niquests.exceptions.SSLError):
        return DestinationError(tls_failure(exc, where, escape(grafana.url, one_line=True)), server_wide=True)
    at = grafana.server.netloc  # a timeout to connect is no timeout of the request: nothing was sent
    if isinstance(exc, (GrafanaTimeoutError, niquests.exceptions.Timeout)) and not connection_failure(exc, at):
        return DestinationError(f"{who} timed out", retryable=True, unanswered=True)
    if isinstance(exc, (GrafanaTimeoutError, niquests.exceptions.ConnectionError)):
        # made, then cut (a reset, closed before an answer): the request may have gone out and been applied
        cut = connection_failure(exc, at) is None
        return DestinationError(unreachable(where, exc, at), retryable=True, server_wide=True, unanswered=cut)
    if isinstance(exc, GrafanaException):
        return status_error(what, exc.status_code or 0, exc.response, exc.message, where,
                            anonymous=grafana.anonymous, token_hint=grafana.token_hint,
                            org=(grafana.org_id, grafana.org_name), forbidden=forbidden)
    if isinstance(exc, niquests.exceptions.TooManyRedirects):  # the session follows none (`destinations`)
        location = getattr(exc.response, "headers", {}).get("Location", "") if exc.response is not None else ""
        to = f" to {escape(redact_url(location), one_line=True)}" if location else ""
        base = redact_url(location).split("/api/", 1)[0]  # the Grafana URL a user gives: up to its API
        login = location.split("?", 1)[0].rstrip("/").endswith("/login")
        advice = ("a login page: these credentials do not reach Grafana's API there — check the Grafana URL and "
                  "the credentials (a proxy asking for a login in front of Grafana?)") if login else \
            f"if Grafana is at {escape(base, one_line=True)}, give that URL"
        return DestinationError(f"{who} answered with a redirect{to}, which vobs does not follow (a write would be "
                                f"sent again elsewhere, without its credentials): {advice}", server_wide=True)
    if isinstance(exc, (niquests.exceptions.ChunkedEncodingError, niquests.exceptions.ContentDecodingError)):
        # the request went out and an answer began: a write may have been applied (trial 22 H1)
        return DestinationError(f"{who}'s answer was cut off or garbled mid-way ({type(exc).__name__})",
                                retryable=True, unanswered=True)
    if isinstance(exc, niquests.exceptions.RequestException):  # an answer came (then failed): it went out
        sent = getattr(exc, "response", None) is not None
        return DestinationError(f"{who}: the request failed ({type(exc).__name__})", retryable=sent, unanswered=sent)
    raise exc
