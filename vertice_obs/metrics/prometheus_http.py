"""`PrometheusClient`: the one way vobs talks to a Prometheus (or anything speaking its HTTP API) —
a counting session, credentials sent and never shown, one deadline and a size cap per exchange, and
every way an exchange can fail turned into one `SourceUnavailable` line. `prometheus.PrometheusSource`
asks its questions through it; the transport is here, the questions there.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, TypeVar

import niquests
from niquests.adapters import HTTPAdapter
from niquests.packages.urllib3.util.retry import Retry

from vertice_obs.guard.http import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    DeadlineExceeded,
    ResponseTooLarge,
    bearer,
    connection_failure,
    read_body,
    tls_failure,
    tls_verify,
    unreachable,
    within,
)
from vertice_obs.guard.secrets import redact_text, redact_url, register, register_url
from vertice_obs.guard.text import folded
from vertice_obs.guard.urls import parse as parse_url
from vertice_obs.metrics.evidence import CapabilityMissing, Meanwhile, SourceUnavailable
from vertice_obs.metrics.promql_wire import (
    ErrorAnswer,
    NotPrometheus,
    http_error,
    looks_like_html,
    said,
)

_T = TypeVar("_T")


class _CountingSession(niquests.Session):
    """Counts the HTTP requests sent, so benchmarks and tests can hold the request budget."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def request(self, *args: Any, **kwargs: Any) -> niquests.Response:  # type: ignore[override]
        self.count += 1
        return super().request(*args, **kwargs, verify=tls_verify())  # per request: niquests ignores a Session's CA


class PrometheusClient:
    """The HTTP side of a Prometheus source. Credentials (`token`, set by `token_name`; else the URL's
    `user:pass@`) are sent, never shown. `request_count` counts logical requests (a transient 502–504
    is retried once underneath). Each exchange has one deadline (`timeout`) and a size cap
    (`max_bytes`): a drip or flood ends in one line."""

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT, now: datetime | None = None,
                 headers: Mapping[str, str] | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 token: str | None = None, timeout_name: str = "--timeout", token_name: str = "PROMETHEUS_TOKEN"):
        register_url(url)  # its password and token= values never reach a message
        register(*(headers or {}).values())
        # One parse (guard.urls): sub-path, ?token= (sent on every request), IPv6, user:pass@ → basic auth.
        self._server = parse_url(url, "the Prometheus URL")
        self.url, auth = self._server.base, self._server.auth
        self.kind = ""  # what answers, once an answer shows it (`_body`): "VictoriaMetrics"
        self.warnings: list[str] = []  # what its answers warned of (`said`): Thanos' partial responses
        self.timeout = timeout
        self.timeout_name = timeout_name  # what set the deadline, as the user wrote it: `--timeout`, `--http-timeout`
        self.max_bytes, self._now = max_bytes, now
        self._session = _CountingSession()
        self._credentials = bearer(self._session, auth, token, token_name)  # else the URL's user:password
        if headers:
            self._session.headers.update(headers)
        # Plain niquests (README 'One HTTP stack'). One quick retry for a transient error; a persisting
        # 5xx is reported with its code (raise_on_status=False); a read timeout is final (read=False).
        retry = Retry(total=1, read=False, backoff_factor=0.2, status_forcelist=(502, 503, 504),
                      allowed_methods=None, raise_on_status=False)
        self._session.mount(self.url, HTTPAdapter(max_retries=retry))

    @property
    def description(self) -> str:
        """"VictoriaMetrics at …" once an answer carried its `X-Server-Hostname` header (it sets it on
        every answer); else "Prometheus at …": the API it speaks (Thanos, Mimir or a proxy too —
        nothing they answer tells them apart without another request)."""
        return f"{self.kind or 'Prometheus'} at {redact_url(self.url)}"

    @property
    def request_count(self) -> int:
        return self._session.count

    def now(self) -> datetime:
        return self._now or datetime.now(timezone.utc)

    def _api(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request to Prometheus' API, whole body read by one deadline; its `data`, or `ErrorAnswer`."""
        body = self._body(method, path, **kwargs)
        try:
            payload = json.loads(body)
        except ValueError:
            raise NotPrometheus("invalid JSON") from None
        except RecursionError:
            raise NotPrometheus("JSON nested too deeply") from None
        if not isinstance(payload, dict) or payload.get("status") != "success" or "data" not in payload:
            raise NotPrometheus("no successful Prometheus answer")
        said(payload, self.warnings)
        return payload["data"]

    def _body(self, method: str, path: str, meanwhile: Meanwhile = None, **kwargs: Any) -> bytes:
        """One request's whole body, read by one deadline, from a 200 answer that is not an HTML page."""
        deadline = time.monotonic() + self.timeout

        def exchange() -> tuple[int, bytes]:
            response = self._session.request(method, self._server.join(path), timeout=self.timeout, stream=True, **kwargs)
            if "X-Server-Hostname" in response.headers:
                self.kind = "VictoriaMetrics"
            return response.status_code, read_body(response, deadline, self.max_bytes, what="its answer")

        status, body = within(self.timeout, exchange, path, meanwhile)
        if status != 200:
            raise ErrorAnswer(http_error(status, body, self._credentials), status)
        if looks_like_html(body):
            raise NotPrometheus("an HTML page (a login page or a proxy?)")
        return body

    def _call(self, fn: Callable[[], _T]) -> _T:
        """Run one request, turning every way it can fail into a one-line `SourceUnavailable`."""
        at = self._server.netloc  # a timeout to connect is no timeout of an answer: it never connected
        try:
            return fn()
        except (niquests.exceptions.Timeout, DeadlineExceeded) as exc:
            if connection_failure(exc, at):
                raise SourceUnavailable(unreachable(self.description, exc, at)) from None
            raise SourceUnavailable(f"{self.description} did not answer within {self.timeout:g}s "
                                    f"({self.timeout_name})") from None
        except ResponseTooLarge:
            raise SourceUnavailable(f"{self.description} answered more than {self.max_bytes:,} bytes") from None
        except niquests.exceptions.SSLError as exc:
            raise SourceUnavailable(tls_failure(exc, self.description, redact_url(self.url))) from None
        except niquests.exceptions.ConnectionError as exc:  # refused, no such name, cut: said why, as for Grafana
            raise SourceUnavailable(unreachable(self.description, exc, at)) from None
        except ErrorAnswer as exc:
            error = CapabilityMissing if exc.status in (404, 405, 501) else SourceUnavailable
            raise error(f"{self.description} answered an error: {redact_text(folded(str(exc)))}") from None
        except NotPrometheus as exc:
            raise self._not_prometheus(str(exc)) from None
        except niquests.exceptions.TooManyRedirects:
            raise SourceUnavailable(f"{self.description} redirects too many times (a redirect loop?)") from None
        except niquests.exceptions.RequestException as exc:  # e.g. a bad URL
            raise SourceUnavailable(f"{self.description} could not be asked: {type(exc).__name__}") from None
        except (ValueError, KeyError, TypeError) as exc:  # JSON of another shape
            raise self._not_prometheus(type(exc).__name__) from None

    def _not_prometheus(self, why: str) -> SourceUnavailable:
        return SourceUnavailable(f"{self.description} answered something that is not Prometheus' API: {why}")

