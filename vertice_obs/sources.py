"""Metric sources: where "does this metric exist?" is answered. One small interface, two sources.

`gather` asks a source for everything a validation run needs, in a fixed, small number of
requests — whatever the number of dashboards and queries:
  1. all metric names present now           (one request)
  2. recording rules and their outputs       (one request)
  3. last-seen times of the absent names     (one request per batch of ~300 names; usually one)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
from prometheus_api_client import PrometheusApiClientException, PrometheusConnect
from urllib3.util.retry import Retry

from .catalog import MetricCatalog
from .classify import Evidence
from .errors import VobsError

# "Present now" = had samples in the last PRESENT_WINDOW. Prometheus answers label-value queries at
# block granularity: the head block (the last ~2–3 h) is listed whole, older persisted blocks only
# if they overlap the window. So the window cannot make "now" sharper than the head; what it buys
# is dropping names that vanished before the head. 10 minutes, not less: a slow target (scrape
# interval up to a few minutes) whose last samples sit in a just-compacted block still counts.
PRESENT_WINDOW = timedelta(minutes=10)
DEFAULT_LOOKBACK = timedelta(days=7)
# Last-seen subquery step. Equal to Prometheus' default lookback delta (5m): every step interval
# then holds one evaluation, so no sample goes unseen; the answer is the exact time of the last
# sample, or up to one step early when the series ended with a staleness marker. 2,016 points a
# series over 7 days keeps large disappeared families under --query.max-samples (50M).
LAST_SEEN_STEP = timedelta(minutes=5)
# Last-seen queries are POSTed (no URL length limit); this bounds one request body and one query.
_MAX_QUERY_CHARS = 48_000
_T = TypeVar("_T")


class SourceUnavailable(VobsError):
    """The source could not answer: metrics are "unknown", never "missing"."""


class NameSnapshot(frozenset):
    """The metric names a source holds now: a frozenset, plus when and over what window it was taken."""

    at: datetime | None
    window: timedelta | None

    def __new__(cls, names: Iterable[str] = (), at: datetime | None = None, window: timedelta | None = None):
        snapshot = super().__new__(cls, names)
        snapshot.at, snapshot.window = at, window
        return snapshot

    def __reduce__(self):
        return (NameSnapshot, (frozenset(self), self.at, self.window))


@dataclass(frozen=True)
class RuleInfo:
    """A recording rule, as `/api/v1/rules` describes it."""

    name: str  # the output metric name
    expr: str
    group: str
    file: str
    health: str  # "ok", "err" or "unknown" (not evaluated yet)
    last_evaluation: datetime | None = None
    last_error: str = ""


class MetricSource(Protocol):
    description: str

    def names(self) -> NameSnapshot: ...

    def rules(self) -> dict[str, RuleInfo]: ...

    def last_seen(self, names: Iterable[str], lookback: timedelta) -> dict[str, datetime | None]: ...


def gather(source: MetricSource, referenced: Iterable[str], lookback: timedelta = DEFAULT_LOOKBACK,
           now: datetime | None = None) -> Evidence:
    """Everything classification needs from `source`, or an `Evidence` saying why it is unknown."""
    now = now or datetime.now(timezone.utc)
    try:
        names = source.names()
        rules = source.rules()
        absent = sorted(set(referenced) - names)
        seen = source.last_seen(absent, lookback) if absent else {}
    except SourceUnavailable as exc:
        return Evidence(source=source.description, names=None, error=str(exc), lookback=lookback, now=now)
    return Evidence(source=source.description, names=frozenset(names), rules=rules, last_seen=seen,
                    lookback=lookback, now=now)


class CatalogSource:
    """The offline source: the catalog's promise of which series exist (histograms expanded)."""

    def __init__(self, catalog: MetricCatalog):
        self.catalog = catalog
        self.description = f"the metric catalog {catalog.file}"

    def names(self) -> NameSnapshot:
        return NameSnapshot(self.catalog.series_names())

    def rules(self) -> dict[str, RuleInfo]:
        return {}

    def last_seen(self, names: Iterable[str], lookback: timedelta = DEFAULT_LOOKBACK) -> dict[str, datetime | None]:
        return {n: None for n in names}


class _CountingSession(requests.Session):
    """Counts the HTTP requests sent, so benchmarks and tests can hold the request budget."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        self.count += 1
        return super().request(*args, **kwargs)


class PrometheusSource:
    """A live Prometheus (or anything speaking its HTTP API), asked in a bounded number of requests.

    Credentials in the URL (`http://user:pass@host`) are sent as basic auth and never shown.
    `request_count` counts logical requests (a transient 502–504 is retried once underneath).
    """

    def __init__(self, url: str, timeout: float = 10.0, window: timedelta = PRESENT_WINDOW,
                 now: datetime | None = None, headers: Mapping[str, str] | None = None):
        self.url, auth = _split_credentials(url.rstrip("/"))
        self.description = f"Prometheus at {redact(self.url)}"
        self.timeout = timeout
        self.window = window
        self._now = now
        self._session = _CountingSession()
        if auth:
            self._session.auth = auth
        if headers:
            self._session.headers.update(headers)
        # One quick retry for a transient error; an unreachable server must fail fast (→ unknown).
        # raise_on_status=False: a 5xx that persists comes back as a response, reported with its code.
        retry = Retry(total=1, backoff_factor=0.2, status_forcelist=(502, 503, 504), allowed_methods=None,
                      raise_on_status=False)
        self._client = PrometheusConnect(url=self.url, session=self._session, retry=retry, timeout=timeout)

    @property
    def request_count(self) -> int:
        return self._session.count

    def now(self) -> datetime:
        return self._now or datetime.now(timezone.utc)

    def names(self) -> NameSnapshot:
        """ONE request: `/api/v1/label/__name__/values` over [now - window, now] (see PRESENT_WINDOW)."""
        end = self.now()
        params = {"start": _ts(end - self.window), "end": _ts(end)}
        values = self._call(lambda: self._client.get_label_values("__name__", params=params))
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise self._not_prometheus("label values are not a list of strings")
        return NameSnapshot(values, at=end, window=self.window)

    def rules(self) -> dict[str, RuleInfo]:
        """ONE request: `/api/v1/rules?type=record`; recording-rule output name → rule."""
        payload = self._call(lambda: self._api("GET", "/api/v1/rules", params={"type": "record"}))
        try:
            return {rule.name: rule for rule in _recording_rules(payload["groups"])}
        except (KeyError, TypeError, AttributeError):
            raise self._not_prometheus("unexpected /api/v1/rules answer") from None

    def last_seen(self, names: Iterable[str], lookback: timedelta = DEFAULT_LOOKBACK) -> dict[str, datetime | None]:
        """When each name last had a sample within `lookback` (None: never). Meant for names absent now.

        One POSTed instant query per batch of names (usually one batch):
            label_replace(max(max_over_time(timestamp({__name__="a"})[7d:5m])), "vobs_name", "a", "", "")
            or label_replace(… "b" …) or …
        `timestamp()` applied directly to a selector is the sample's own time (applied to anything else
        it would be the evaluation time, hence one term per name rather than one `__name__=~` regex:
        functions drop `__name__`). Evaluated at the next step boundary so the last, partial step is
        covered too. Precision: see LAST_SEEN_STEP.
        """
        names = sorted(set(names))
        result: dict[str, datetime | None] = {n: None for n in names}
        step = int(LAST_SEEN_STEP.total_seconds())
        window = f"{max(step, int(lookback.total_seconds()))}s:{step}s"
        now = self.now().timestamp()
        at = (int(now) // step + 1) * step  # next step boundary: at most one step in the future
        for batch in _batches([_last_seen_term(n, window) for n in names], _MAX_QUERY_CHARS):
            query = " or ".join(batch)
            data = self._call(lambda: self._api("POST", "/api/v1/query", data={"query": query, "time": str(at)}))
            try:
                for row in data["result"]:
                    name = row["metric"].get("vobs_name")
                    if name in result:
                        result[name] = datetime.fromtimestamp(float(row["value"][1]), tz=timezone.utc)
            except (KeyError, TypeError, ValueError, IndexError, AttributeError):
                raise self._not_prometheus("unexpected /api/v1/query answer") from None
        return result

    # --- HTTP ---------------------------------------------------------------------------------------
    def _api(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request to Prometheus' API; its `data`, or PrometheusApiClientException."""
        response = self._session.request(method, f"{self.url}{path}", timeout=self.timeout, **kwargs)
        if response.status_code != 200:
            raise PrometheusApiClientException(_http_error(response))
        payload = response.json()
        if not isinstance(payload, dict) or payload.get("status") != "success" or "data" not in payload:
            raise ValueError("no successful Prometheus answer")
        return payload["data"]

    def _call(self, fn: Callable[[], _T]) -> _T:
        """Run one request, turning every way it can fail into a one-line `SourceUnavailable`."""
        try:
            return fn()
        except requests.exceptions.Timeout:
            raise SourceUnavailable(f"{self.description} timed out after {self.timeout:g}s") from None
        except requests.exceptions.ConnectionError:
            raise SourceUnavailable(f"{self.description} is unreachable") from None
        except PrometheusApiClientException as exc:
            raise SourceUnavailable(f"{self.description} answered an error: {_one_line(str(exc))}") from None
        except requests.exceptions.RequestException as exc:  # e.g. too many redirects, bad URL
            raise SourceUnavailable(f"{self.description} could not be asked: {type(exc).__name__}") from None
        except (ValueError, KeyError, TypeError) as exc:  # invalid JSON, or JSON of another shape
            raise self._not_prometheus(type(exc).__name__) from None

    def _not_prometheus(self, why: str) -> SourceUnavailable:
        return SourceUnavailable(f"{self.description} answered something that is not Prometheus' API: {why}")


def _recording_rules(groups: list[dict]) -> Iterator[RuleInfo]:
    for group in groups:
        for rule in group["rules"]:
            if rule.get("type") == "recording":  # older servers ignore ?type=record: filter anyway
                yield RuleInfo(name=rule["name"], expr=rule.get("query", ""), group=group.get("name", ""),
                               file=group.get("file", ""), health=rule.get("health", ""),
                               last_evaluation=_rfc3339(rule.get("lastEvaluation")),
                               last_error=rule.get("lastError", ""))


def _last_seen_term(name: str, window: str) -> str:
    quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return (f'label_replace(max(max_over_time(timestamp({{__name__={quoted}}})[{window}])), '
            f'"vobs_name", {quoted}, "", "")')


def _batches(terms: list[str], limit: int) -> Iterator[list[str]]:
    """Consecutive groups of terms whose joined length stays under `limit` (one term at least)."""
    batch: list[str] = []
    size = 0
    for term in terms:
        if batch and size + len(term) + 4 > limit:
            yield batch
            batch, size = [], 0
        batch.append(term)
        size += len(term) + 4  # " or "
    if batch:
        yield batch


def _http_error(response: requests.Response) -> str:
    """Prometheus' own error (`errorType: error`) when it sent one, else the status and body."""
    try:
        body = response.json()
        if isinstance(body, dict) and body.get("error"):
            return f"HTTP {response.status_code} {body.get('errorType', 'error')}: {body['error']}"
    except ValueError:
        pass
    return f"HTTP Status Code {response.status_code} ({response.content[:200]!r})"


def _one_line(text: str, limit: int = 240) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rfc3339(text: str | None) -> datetime | None:
    """Prometheus' timestamps (nanoseconds, `Z`); its zero time means "never evaluated"."""
    if not text or text.startswith("0001-01-01"):
        return None
    try:
        return datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00"))
    except ValueError:
        return None


def _split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """The URL without `user:pass@`, and those credentials (for basic auth) if present."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    return redact(url), (unquote(parts.username or ""), unquote(parts.password or ""))


def redact(url: str) -> str:
    """A URL fit for messages: no `user:pass@`, no query string or fragment (tokens live there)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2], query="", fragment=""))


def _ts(moment: datetime) -> str:
    return f"{moment.timestamp():.3f}"
