"""`PrometheusSource`: a live Prometheus, or anything speaking its HTTP API, as a metric source.

`evidence.gather` asks it for everything a validation run needs, in a fixed, small number of
requests — whatever the number of dashboards and queries:
  1. all metric names listed now            (one request; each used one confirmed in 5)
  2. recording rules and their outputs       (one request)
  3. last-seen times of the absent names     (two requests, one if none was seen in the lookback)
  4. metric types                            (one request)
  5. the label values selectors match on     (one request grouping by every label they name)
  6. when empty selectors last matched       (two requests, only when some selector is empty)
  7. how much of the lookback it holds       (two requests, one on VictoriaMetrics; only for a "never seen")
  8. the label names within the lookback     (one request, only for a `label_values(label)` dropdown)
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from itertools import repeat
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from vertice_obs.guard.http import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT
from vertice_obs.metrics.classify import History, Within
from vertice_obs.metrics.evidence import (
    DEFAULT_LOOKBACK,
    SEEN_UNTIMED,
    Meanwhile,
    NameSnapshot,
    RuleInfo,
    SourceUnavailable,
    Tables,
    Wanted,
)
from vertice_obs.metrics.prometheus_http import PrometheusClient
from vertice_obs.metrics.promql_wire import (
    TAG,
    WITHIN,
    ErrorAnswer,
    balanced_or,
    batches,
    chunks,
    count_by,
    first_value,
    is_identifier,
    last_seen_term,
    projection,
    promql_string,
    recording_rules,
    seen_at,
    selector_text,
    vector_metrics,
    wire_time,
)
from vertice_obs.metrics.series import LabelTable, Selector

T = TypeVar("T")

# "Present now" = had samples in the last PRESENT_WINDOW. Prometheus answers label-value queries at
# block granularity: the head block (the last ~2–3 h) is listed whole, older persisted blocks only
# if they overlap the window. So the window cannot make "now" sharper than the head; what it buys
# is dropping names that vanished before the head. 10 minutes, not less: a slow target (scrape
# interval up to a few minutes) whose last samples sit in a just-compacted block still counts.
# A listed name is confirmed to have a series now in the label tables' query (`judge_selectors`).
PRESENT_WINDOW = timedelta(minutes=10)
# Last-seen subquery step, equal to Prometheus' default lookback delta (5m): a last sample not followed
# by a staleness marker stays visible until the next step, so its own time is found exactly; one that
# is (a target went away), to one step (`Within`). 2,016 points a series over 7 days keep large
# disappeared families under Prometheus' --query.max-samples (50M).
LAST_SEEN_STEP = Within.SPAN
# Last-seen requests are POSTed (no URL length limit); this bounds one request body (~2,000 names).
_MAX_QUERY_CHARS = 100_000
_MAX_LABEL_QUERY_CHARS = 10 * _MAX_QUERY_CHARS  # names in one label-tables query (~20,000 names)
_MAX_HISTORY_CHARS = 4 * _MAX_QUERY_CHARS  # the one series lookup of empty selectors (~4,000 selectors)
_LABEL_SAMPLE = 10  # series per metric whose label names are read for a label-missing message
# The look confirming a claimed lowest timestamp spans this past it: Prometheus exports it in whole
# seconds, cut down from the first sample's milliseconds.
_CONFIRM = timedelta(minutes=1)


class PrometheusSource(PrometheusClient):
    """A live Prometheus (or anything speaking its HTTP API), asked in a bounded number of requests
    (the module's docstring lists them) through `PrometheusClient`."""

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT, window: timedelta = PRESENT_WINDOW,
                 now: datetime | None = None, headers: Mapping[str, str] | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES, token: str | None = None,
                 timeout_name: str = "--timeout", token_name: str = "PROMETHEUS_TOKEN"):
        super().__init__(url, timeout, now, headers, max_bytes, token, timeout_name, token_name)
        self.window = window
        self._memo: dict[object, object] = {}  # `_once`: the name index, each lookback's history
        self._lowest: tuple[float, ...] | None = None  # the lowest timestamps it holds, once asked (`_claims`)

    def horizon(self) -> datetime:
        """ONE query, `vector(time())` at now: the time it is answered for — now, or on VictoriaMetrics
        now minus its -search.latencyOffset (it shifts a query at now back by that)."""
        at = self._call(lambda: first_value(self._api("POST", "/api/v1/query", data={"query": "vector(time())"})))
        try:
            return datetime.fromtimestamp(at, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):  # NaN, ±Inf, a year past 9999: no time
            raise self._not_prometheus(f"vector(time()) answered {at!r}, not a time") from None

    def names(self) -> NameSnapshot:
        """ONE request: `/api/v1/label/__name__/values` over [now - window, now] (see PRESENT_WINDOW).
        Remembered, answer or failure: a run probes the server with it first, then gathers."""
        return self._once("names", self._ask_names)

    def _once(self, key: object, ask: Callable[[], T]) -> T:
        """`ask()`'s answer, remembered under `key` — and its failure: every later asker would wait
        for it again. A remembered failure is raised as a fresh error of its kind each time (one
        instance re-raised would grow its traceback per asker)."""
        if key not in self._memo:
            try:
                self._memo[key] = ask()
            except SourceUnavailable as exc:
                self._memo[key] = exc
        if isinstance(answer := self._memo[key], SourceUnavailable):
            raise type(answer)(str(answer))
        return answer  # type: ignore[return-value]  # what `ask` gave under this key

    def _ask_names(self) -> NameSnapshot:
        end = self.now()
        return NameSnapshot(self._strings("/api/v1/label/__name__/values", end - self.window, end), at=end,
                            window=self.window)

    def labels_within(self, lookback: timedelta) -> frozenset[str]:
        """ONE request: the label names any series carried within `lookback` (`/api/v1/labels`: the
        index, no sample read) — what a `label_values(label)` dropdown can list over that range."""
        end = self.now()
        return frozenset(self._strings("/api/v1/labels", end - lookback, end))

    def _strings(self, path: str, start: datetime, end: datetime) -> list[str]:
        """ONE GET of a list of strings over [start, end]."""
        values = self._call(lambda: self._api("GET", path, params={"start": wire_time(start), "end": wire_time(end)}))
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise self._not_prometheus(f"the {path} answer is not a list of strings")
        return values

    def rules(self) -> dict[str, RuleInfo]:
        """ONE request: `/api/v1/rules?type=record`; recording-rule output name → rule."""
        payload = self._call(lambda: self._api("GET", "/api/v1/rules", params={"type": "record"}))
        try:
            return {rule.name: rule for rule in recording_rules(payload["groups"])}
        except (KeyError, TypeError, AttributeError):
            raise self._not_prometheus("unexpected /api/v1/rules answer") from None

    def last_seen(self, names: Iterable[str], lookback: timedelta = DEFAULT_LOOKBACK) -> dict[str, datetime | None]:
        """When each name last had a sample within `lookback` (None: never). Meant for names absent now.
        Two POSTed requests (one when no name was seen at all — the common "missing" case):
        1. `/api/v1/series` with `match[]={__name__=~"a|b|…"}` over the lookback: which names had
           any series then (cheap: an index lookup, precise to the chunk). ~2,000 names a request.
        2. for those only (its two subqueries cost a name ~60 ms of server time), one instant query, a
           term per name (`promql_wire.last_seen_term`), `or`-joined, ~200 names a request, evaluated
           at the next step boundary so the last, partial window counts too."""
        names = sorted(set(names))
        result: dict[str, datetime | None] = {n: None for n in names}
        if not names:
            return result
        end = self.now()
        seen_at_all = self._names_with_series(names, end - lookback, end)
        found, _ = self._when_last({n: f'{{__name__="{promql_string(n)}"}}' for n in names if n in seen_at_all},
                                   lookback, end)
        result.update((name, at) for name, at in found.items() if name in result)
        return result

    def _when_last(self, selectors: Mapping[str, str], lookback: timedelta, end: datetime,
                   max_requests: int | None = None) -> tuple[dict[str, datetime], set[str]]:
        """tag → PromQL selector: when each last had a sample within `lookback` (see `last_seen`), a
        term per selector, `or`-joined, ~200 a request (at most `max_requests`: the rest left out);
        and the tags asked (an asked tag without a time had no sample in the lookback)."""
        step = int(LAST_SEEN_STEP.total_seconds())
        window = f"{max(step, int(lookback.total_seconds()))}s:{step}s"
        at = (int(end.timestamp()) // step + 1) * step  # the next step boundary, at most a step ahead
        terms = [last_seen_term(tag, selector, window, step) for tag, selector in selectors.items()]
        found: dict[str, datetime] = {}
        asked: set[str] = set()
        for n, chunk in enumerate(chunks(terms, len(" or ") + 4, _MAX_QUERY_CHARS)):
            if max_requests is not None and n >= max_requests:
                break
            batch = balanced_or(chunk)
            asked.update(list(selectors)[len(asked): len(asked) + len(chunk)])
            data = self._call(lambda: self._api("POST", "/api/v1/query", data={"query": batch, "time": str(at)}))
            try:
                for row in data["result"]:
                    tag = row["metric"].get(TAG)
                    if tag in selectors:
                        found[tag] = seen_at(float(row["value"][1]), row["metric"].get(WITHIN) is not None, end)
            except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError, OSError):
                raise self._not_prometheus("unexpected /api/v1/query answer") from None  # OverflowError: ±Inf
        return found, asked

    def _names_with_series(self, names: list[str], start: datetime, end: datetime) -> set[str]:
        """The names among `names` with any series between `start` and `end` (`/api/v1/series`)."""
        found: set[str] = set()
        for regex in batches([re.escape(n) for n in names], "|", _MAX_QUERY_CHARS):
            form = {"match[]": f'{{__name__=~"{promql_string(regex)}"}}', "start": wire_time(start), "end": wire_time(end)}
            data = self._call(lambda: self._api("POST", "/api/v1/series", data=form))
            try:
                found.update(labels["__name__"] for labels in data)
            except (KeyError, TypeError):
                raise self._not_prometheus("unexpected /api/v1/series answer") from None
        return found

    def label_tables(self, wanted: Wanted, meanwhile: Meanwhile = None) -> Tables:
        """For each (name, label set) wanted, the distinct values of the labels its series carry now —
        ONE instant query per ~1,000,000 characters of names, whatever the number of label sets:
          count by (__name__, <every label any set names>) ({__name__=~"a|b|…"})
        One row per distinct combination, so never more rows than those names have series; each row is
        read once, over every label its name's tables need (`carried`), and projected into each of
        those tables by `itemgetter` (in C): ~1 s at 100,000 series (a term per label set, `or`-joined:
        ~10 s). A series without a label is grouped under "", as PromQL reads a
        missing label. Names without series are left out. `meanwhile()` runs while Prometheus works on
        the first query (`within`)."""
        sets: dict[str, list[tuple[str, ...]]] = {}  # name → its label sets
        for labels, name in [(labels, name) for labels, names in wanted.items() for name in names]:
            sets.setdefault(name, []).append(tuple(sorted(labels)))
        carried = {name: tuple(sorted({label for labels in tables for label in labels})) for name, tables in sets.items()}
        # name → for each of its tables, the C projection of a row of `carried` labels, and its rows
        # (a bare value where the table has one label: made a 1-tuple at the end).
        projections = {name: [(projection([carried[name].index(label) for label in labels]), set())
                              for labels in tables] for name, tables in sets.items()}
        labels = sorted({label for labels in wanted for label in labels})
        blank = repeat("")  # a missing label reads as "" (endless: `map` stops at the labels' end)
        for regex in batches([re.escape(n) for n in sorted(sets)], "|", _MAX_LABEL_QUERY_CHARS):
            answer = [self._call(lambda: self._grouped(labels, regex, meanwhile))]
            meanwhile = None  # the first query's wait only
            try:  # row by row, each projected at once: the decoded answer is never held whole
                for series in vector_metrics(answer, self.warnings):
                    if (name := series["__name__"]) in carried:
                        row = tuple(map(series.get, carried[name], blank))  # in C: no comprehension per row
                        for project, rows in projections[name]:
                            rows.add(project(row))
            except (KeyError, TypeError, AttributeError, ValueError, RecursionError):
                raise self._not_prometheus("unexpected /api/v1/query answer") from None
        same: dict[str, str] = {}  # one string object per distinct value, shared by the rows kept
        return {(name, labels): LabelTable(name, labels, frozenset(
                    (same.setdefault(row, row),) if len(labels) == 1 else tuple([same.setdefault(v, v) for v in row])
                    for row in rows))
                for name, tables in sets.items() for labels, (_, rows) in zip(tables, projections[name]) if rows}

    def _grouped(self, labels: list[str], regex: str, meanwhile: Meanwhile) -> bytes:
        """`count_by`'s answer. A Prometheus before 3.0 can neither parse a quoted label name
        (`"service.name"`) nor hold one: asked once more without them, they read as carried by no series."""
        plain = [label for label in labels if is_identifier(label)]
        try:
            return self._body("POST", "/api/v1/query", meanwhile, data={"query": count_by(labels, regex)})
        except ErrorAnswer as exc:
            if exc.status not in (400, 422) or plain == labels:  # 422: VictoriaMetrics
                raise
            return self._body("POST", "/api/v1/query", data={"query": count_by(plain, regex)})

    def history(self, lookback: timedelta) -> History:
        """How much of `lookback` this server holds — remembered, and at most two requests, never
        claiming more than a look at its data confirms:
        1. the `prometheus_tsdb_lowest_timestamp_seconds` it holds say since when — the latest of them
           (a value that is no time, an empty TSDB's 9.2e15 sentinel, says nothing). They may all be
           other servers' it scrapes or federates (its own only when it scrapes itself), so the claim
           is confirmed: `/api/v1/label/__name__/values` over [the claimed start, +1 minute] (the
           index, whose blocks and head are bounded by their first sample) names something only if
           it holds data from then; else it is "less than the lookback", since when untold;
        2. without a claim, or one at or before the lookback's start: the same look over the
           lookback's first `window` — any name means some block (or the head) reaches back that far.
        VictoriaMetrics exports no such metric of its own (what it holds is a scraped Prometheus'),
        and answers label lookups to the UTC day: it is asked one look, at the day before the
        lookback's start's — any name means it holds data from before the start; else "less"."""
        return self._once(("history", lookback), lambda: self._held(lookback))

    def _held(self, lookback: timedelta) -> History:
        end = self.now()
        start = end - lookback
        claims = () if self.kind == "VictoriaMetrics" else self._claims(end)  # its first answer may show it is
        if self.kind == "VictoriaMetrics":
            before = start - timedelta(days=1)  # a day wholly before the start's: its data is older than the start
            return History(covers=self._holds(before, before + timedelta(seconds=1)))
        claim = datetime.fromtimestamp(max(claims), tz=timezone.utc) if claims else None
        if claim is None or claim <= start:
            return History(covers=self._holds(start, start + self.window))
        return History(covers=False, since=claim if self._holds(claim, claim + _CONFIRM) else None)

    def _claims(self, end: datetime) -> tuple[float, ...]:
        """ONE query, once: the lowest timestamps the `prometheus_tsdb_lowest_timestamp_seconds`
        series it holds now say (its own among them only if it scrapes itself) that are times."""
        if self._lowest is None:
            query = {"query": f"prometheus_tsdb_lowest_timestamp_seconds <= {end.timestamp():.3f}",
                     "time": wire_time(end)}
            data = self._call(lambda: self._api("POST", "/api/v1/query", data=query))
            try:
                values = [float(row["value"][1]) for row in data["result"]]
            except (KeyError, TypeError, ValueError, IndexError):
                raise self._not_prometheus("unexpected /api/v1/query answer") from None
            self._lowest = tuple(v for v in values if 0 < v <= end.timestamp())  # a time (not NaN, not a sentinel)
        return self._lowest

    def _holds(self, start: datetime, end: datetime) -> bool:
        """ONE request: does it list any metric name over [start, end] (`/api/v1/label/__name__/values`)."""
        params = {"start": wire_time(start), "end": wire_time(end)}
        values = self._call(lambda: self._api("GET", "/api/v1/label/__name__/values", params=params))
        return isinstance(values, list) and bool(values)

    def selector_history(self, selectors: Sequence[Selector], lookback: timedelta) -> dict[Selector, datetime | None]:
        """When each selector (empty now) last matched a series within `lookback`; None: never.
        Two POSTed requests at most, whatever their number:
        1. `/api/v1/series` with one `match[]` per selector over the lookback (an index lookup); the
           series it answers are judged here against each selector's matchers.
        2. for the selectors that matched some, when they last did (the terms of `last_seen`).
        Selectors beyond one request's size are left out (nothing is said of them); so are those
        whose time beyond the second request's size (`SEEN_UNTIMED`)."""
        end = self.now()
        # not asked: a quoted label name (Prometheus 3), which a Prometheus before 3.0 neither parses nor holds
        texts = {s: selector_text(s) for s in dict.fromkeys(selectors) if all(is_identifier(m.label) for m in s.matchers)}
        asked = next(chunks(list(texts.values()), 1, _MAX_HISTORY_CHARS), [])
        if not asked:
            return {}
        form = [("match[]", text) for text in asked] + [("start", wire_time(end - lookback)), ("end", wire_time(end))]
        data = self._call(lambda: self._api("POST", "/api/v1/series", data=form))
        by_name: dict[str, list[dict[str, str]]] = {}
        judged = list(texts)[: len(asked)]
        try:
            for labels in data:
                by_name.setdefault(labels["__name__"], []).append(labels)
            seen = [s for s in judged if any(all(m.accepts(series.get(m.label, "")) for m in s.matchers)
                                             for series in by_name.get(s.metric, ()))]
        except (KeyError, TypeError):  # TypeError: a label's value that is no string, against a regex
            raise self._not_prometheus("unexpected /api/v1/series answer") from None
        # `/api/v1/series` is exact to the chunk (Prometheus) or the day (VictoriaMetrics): the
        # timed query decides; a selector it had no room for is said to be seen, untimed.
        when, timed = self._when_last({str(i): texts[s] for i, s in enumerate(seen)}, lookback, end, max_requests=1)
        out: dict[Selector, datetime | None] = {s: None for s in judged}
        out.update((s, when.get(str(i)) if str(i) in timed else SEEN_UNTIMED) for i, s in enumerate(seen))
        return out

    def metadata(self) -> dict[str, str]:
        """ONE request: `/api/v1/metadata`; metric family → its type ("counter", "gauge", …)."""
        data = self._call(lambda: self._api("GET", "/api/v1/metadata"))
        if not isinstance(data, dict):
            raise self._not_prometheus("metadata is not an object")
        return {name: str(entries[0].get("type", "")) for name, entries in data.items()
                if isinstance(entries, list) and entries and isinstance(entries[0], dict)}

    def label_names(self, names: Sequence[str]) -> dict[str, list[str]]:
        """ONE instant query: the label names that up to `_LABEL_SAMPLE` series of each name carry now,
        `topk by (__name__) (10, {__name__=~"a|b|…"})` — small whatever the cardinality (an exporter
        gives a family's series the same labels; a label only rare series carry may be left out)."""
        if not names:
            return {}
        regex = "|".join(re.escape(n) for n in sorted(set(names)))
        query = f'topk by (__name__) ({_LABEL_SAMPLE}, {{__name__=~"{promql_string(regex)}"}})'
        data = self._call(lambda: self._api("POST", "/api/v1/query", data={"query": query}))
        found: dict[str, set[str]] = {}
        try:
            for row in data["result"]:
                labels = row["metric"]
                found.setdefault(labels["__name__"], set()).update(k for k in labels if k != "__name__")
        except (KeyError, TypeError, AttributeError):
            raise self._not_prometheus("unexpected /api/v1/query answer") from None
        return {name: sorted(labels) for name, labels in found.items()}

    def query_range(self, query: str, start: datetime, end: datetime, step: str) -> list[dict[str, Any]]:
        """ONE request: `/api/v1/query_range`; the matrix rows (`metric`, `values`)."""
        params = {"query": query, "start": wire_time(start), "end": wire_time(end), "step": step}
        data = self._call(lambda: self._api("GET", "/api/v1/query_range", params=params))
        if not isinstance(data, dict) or data.get("resultType") != "matrix" or not isinstance(data.get("result"), list):
            raise self._not_prometheus("/api/v1/query_range did not answer a matrix")
        return data["result"]
