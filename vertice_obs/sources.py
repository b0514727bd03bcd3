"""Metric sources: where "does this metric exist?" is answered. One small interface, two sources.

`gather` asks a source for everything a validation run needs, in a fixed, small number of
requests — whatever the number of dashboards and queries:
  1. all metric names present now           (one request)
  2. recording rules and their outputs       (one request)
  3. last-seen times of the absent names     (one request per batch of names; usually one)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Protocol
from urllib.parse import urlsplit, urlunsplit

import requests
from prometheus_api_client import PrometheusApiClientException, PrometheusConnect
from urllib3.util.retry import Retry

from .catalog import MetricCatalog
from .classify import Evidence
from .errors import VobsError

# Names present "now": series within this window. Prometheus answers label queries at block
# granularity, so this is a lower bound on how recently a "present" metric had samples.
PRESENT_WINDOW = timedelta(minutes=10)
DEFAULT_LOOKBACK = timedelta(days=7)
_MAX_QUERY_CHARS = 6000  # keep each last-seen query comfortably under URL length limits


class SourceUnavailable(VobsError):
    """The source could not answer: metrics are "unknown", never "missing"."""


@dataclass(frozen=True)
class RuleInfo:
    name: str
    expr: str
    group: str
    file: str
    health: str
    last_evaluation: str


class MetricSource(Protocol):
    description: str

    def names(self) -> frozenset[str]: ...

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

    def names(self) -> frozenset[str]:
        return self.catalog.series_names()

    def rules(self) -> dict[str, RuleInfo]:
        return {}

    def last_seen(self, names: Iterable[str], lookback: timedelta) -> dict[str, datetime | None]:
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
    def __init__(self, url: str, timeout: float = 10.0, now: datetime | None = None):
        self.url = url.rstrip("/")
        self.description = f"Prometheus at {redact(self.url)}"
        self._now = now
        self._session = _CountingSession()
        # One quick retry for a transient error; an unreachable server must fail fast (→ unknown).
        retry = Retry(total=1, backoff_factor=0.2, status_forcelist=(502, 503, 504), allowed_methods=None)
        self._client = PrometheusConnect(url=self.url, session=self._session, retry=retry, timeout=timeout)

    @property
    def request_count(self) -> int:
        return self._session.count

    def now(self) -> datetime:
        return self._now or datetime.now(timezone.utc)

    def names(self) -> frozenset[str]:
        end = self.now()
        params = {"start": _ts(end - PRESENT_WINDOW), "end": _ts(end)}
        return frozenset(self._call(lambda: self._client.get_label_values("__name__", params=params)))

    def rules(self) -> dict[str, RuleInfo]:
        def fetch():
            response = self._session.get(f"{self.url}/api/v1/rules", params={"type": "record"},
                                         timeout=self._client._timeout)
            response.raise_for_status()
            return response.json()

        payload = self._call(fetch)
        out: dict[str, RuleInfo] = {}
        for group in payload.get("data", {}).get("groups", []):
            for rule in group.get("rules", []):
                if rule.get("type") == "recording":
                    out[rule["name"]] = RuleInfo(rule["name"], rule.get("query", ""), group.get("name", ""),
                                                 group.get("file", ""), rule.get("health", ""),
                                                 rule.get("lastEvaluation", ""))
        return out

    def last_seen(self, names: Iterable[str], lookback: timedelta = DEFAULT_LOOKBACK) -> dict[str, datetime | None]:
        """When each name last had a sample within `lookback`; None if never. Batched queries.

        `timestamp()` of a raw selector is the sample's own time; a subquery evaluates it across the
        lookback and `max_over_time` keeps the latest. Functions drop `__name__`, so it is copied to
        a label first. Resolution is the subquery step (lookback / 2000, at least 1 minute)."""
        names = sorted(set(names))
        result: dict[str, datetime | None] = {n: None for n in names}
        step = max(60, math.ceil(lookback.total_seconds() / 2000))
        window = f"{int(lookback.total_seconds())}s:{step}s"
        for batch in _batches(names, _MAX_QUERY_CHARS):
            regex = "|".join(_regex_escape(n) for n in batch)
            query = (f'max by (vobs_name) (max_over_time(timestamp(label_replace({{__name__=~"{regex}"}}, '
                     f'"vobs_name", "$1", "__name__", "(.+)"))[{window}]))')
            rows = self._call(lambda: self._client.custom_query(query, params={"time": _ts(self.now())}))
            for row in rows:
                name = row["metric"].get("vobs_name")
                if name in result:
                    result[name] = datetime.fromtimestamp(float(row["value"][1]), tz=timezone.utc)
        return result

    def _call(self, fn):
        try:
            return fn()
        except requests.exceptions.Timeout:
            raise SourceUnavailable(f"{self.description} timed out") from None
        except requests.exceptions.ConnectionError:
            raise SourceUnavailable(f"{self.description} is unreachable") from None
        except requests.exceptions.HTTPError as exc:
            raise SourceUnavailable(f"{self.description} answered HTTP {exc.response.status_code}") from None
        except PrometheusApiClientException as exc:
            raise SourceUnavailable(f"{self.description} answered an error: {str(exc)[:160]}") from None
        except (ValueError, KeyError) as exc:
            raise SourceUnavailable(f"{self.description} answered something that is not Prometheus' API: "
                                    f"{type(exc).__name__}") from None


def redact(url: str) -> str:
    """A URL without credentials, for messages."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        parts = parts._replace(netloc=host)
    return urlunsplit(parts)


def _ts(moment: datetime) -> str:
    return f"{moment.timestamp():.3f}"


def _regex_escape(name: str) -> str:
    # Metric names are [a-zA-Z_:][a-zA-Z0-9_:]*: nothing in them is special to RE2 but safety is cheap.
    return "".join("\\\\" + c if not (c.isalnum() or c in "_:") else c for c in name)


def _batches(names: list[str], limit: int) -> Iterable[list[str]]:
    batch: list[str] = []
    size = 0
    for name in names:
        if batch and size + len(name) + 1 > limit:
            yield batch
            batch, size = [], 0
        batch.append(name)
        size += len(name) + 1
    if batch:
        yield batch
