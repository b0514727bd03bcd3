"""Prometheus' HTTP API on the wire: the PromQL vobs writes and how answers are read. Pure.

Escaping for double-quoted PromQL strings, selectors written from `Selector`s, the tagged
last-seen terms (`or`-joined, told apart by `TAG`), batching of long lists into bounded request
bodies, the one-line reading of an error answer (redacted: a server may echo credentials) and the
rows of the rules and vector answers.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from operator import itemgetter
from typing import Any, Callable, Iterator

from vertice_obs.guard.secrets import redact_text
from vertice_obs.metrics.classify import Within
from vertice_obs.metrics.evidence import RuleInfo
from vertice_obs.metrics.series import Selector

TAG = "vobs_tag"  # the label that tells the rows of `or`-joined terms apart
WITHIN = "vobs_within"  # on a last-seen row known to a step only: the step, in seconds (`last_seen_term`)


def selector_text(selector: Selector) -> str:
    matchers = [f'__name__="{promql_string(selector.metric)}"']
    matchers += [f'{label_name(m.label)}{m.op}"{promql_string(m.value)}"' for m in selector.matchers]
    return "{" + ", ".join(matchers) + "}"


_IDENTIFIER = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def is_identifier(label: str) -> bool:
    """Can PromQL before Prometheus 3 name this label (and so can such a Prometheus hold it)?"""
    return _IDENTIFIER.fullmatch(label) is not None


def label_name(label: str) -> str:
    """A label name as PromQL writes it: an identifier as it is; any other (`service.name`, which
    OpenTelemetry names and Prometheus 3 holds) quoted, as Prometheus 3 reads it."""
    return label if is_identifier(label) else f'"{promql_string(label)}"'


def last_seen_term(tag: str, selector: str, window: str, step: int) -> str:
    """When `selector` last had a sample, as one `or`-able term tagged `vobs_tag="<tag>"`:
      exact = max(max_over_time(timestamp({__name__="a"})[7d:5m]))
      end   = max(max_over_time(timestamp(count_over_time({__name__="a"}[5m]))[7d:5m]))
      label_replace((exact >= (end - 300)) or on() label_replace(end, "vobs_within", "300", "", ""),
                    "vobs_tag", "a", "", "")
    `exact`: `timestamp()` of a bare selector is the sample's own time (of anything else, the
    evaluation time — hence a term per name rather than one regex: functions drop `__name__`). But
    an instant selector hides a sample followed by a staleness marker, so a short-lived series can
    fall between steps. `end`: the end of the last 5m window holding any raw sample — windows tile
    the lookback, nothing is missed — so the last sample is within the 5 minutes before it: said so
    (`vobs_within`), never as the window's start, which may be before the series existed."""
    exact = f"max(max_over_time(timestamp({selector})[{window}]))"
    end = f"max(max_over_time(timestamp(count_over_time({selector}[{step}s]))[{window}]))"
    within = f'label_replace({end}, "{WITHIN}", "{step}", "", "")'
    return f'label_replace(({exact} >= ({end} - {step})) or on() {within}, "{TAG}", "{promql_string(tag)}", "", "")'


def count_by(labels: list[str], regex: str) -> str:
    """`count by (__name__, <labels>) ({__name__=~"<regex>"})`: one row per distinct combination."""
    by = ", ".join(map(label_name, ["__name__", *labels]))
    return f'count by ({by}) ({{__name__=~"{promql_string(regex)}"}})'


def promql_string(text: str) -> str:
    """`text` escaped for a double-quoted PromQL string."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def batches(parts: list[str], separator: str, limit: int) -> Iterator[str]:
    """`parts` joined by `separator` into strings of at most `limit` characters (one part at least)."""
    return (separator.join(chunk) for chunk in chunks(parts, len(separator), limit))


def chunks(parts: list[str], overhead: int, limit: int) -> Iterator[list[str]]:
    """`parts` in order, in lists of at most `limit` characters, counting `overhead` between parts."""
    batch: list[str] = []
    size = 0
    for part in parts:
        if batch and size + overhead + len(part) > limit:
            yield batch
            batch, size = [], 0
        size += len(part) + (overhead if batch else 0)
        batch.append(part)
    if batch:
        yield batch


def http_error(status: int, body: bytes, credentials: str = "") -> str:
    """Prometheus' own error (`errorType: error`) when it sent one, else the status and the start
    of the body (an HTML page is named, not printed). Redacted: a server may echo credentials.
    `credentials`: what to check when they were refused (`guard.http.bearer`)."""
    refused = "" if status not in (401, 403) else \
        f" (the credentials were refused{': ' + credentials if credentials else ''})"
    try:
        payload = json.loads(body)
        if isinstance(payload, dict) and payload.get("error"):
            return redact_text(f"HTTP {status}{refused} {payload.get('errorType', 'error')}: {payload['error']}")
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply to decode
        pass
    if looks_like_html(body):
        return f"HTTP {status}{refused} (an HTML page)"
    text = " ".join(body[:200].decode("utf-8", "replace").split())
    return redact_text(f"HTTP {status}{refused}" + (f" ({text})" if text else ""))


def looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml", b"<"))


def balanced_or(terms: list[str]) -> str:
    """`terms` joined by `or` as a balanced tree: `(a or b) or (c or d)`. Prometheus evaluates a
    binary `or` by hashing its left side's label sets, so a left-deep chain of n terms re-hashes
    every earlier row n times; a balanced tree hashes each row log2(n) times."""
    if not terms:
        raise ValueError("no terms")
    level = list(terms)
    while len(level) > 1:
        level = [f"({level[i]}) or ({level[i + 1]})" if i + 1 < len(level) else level[i]
                 for i in range(0, len(level), 2)]
    return level[0]


# An instant query's vector answer as Prometheus (and VictoriaMetrics) write it: status first, then
# data with resultType before result. Anything else is read whole by json (always correct).
_VECTOR_HEAD = re.compile(r'\s*\{\s*"status"\s*:\s*"success"\s*,\s*"data"\s*:\s*\{\s*"resultType"\s*:\s*"vector"\s*,'
                          r'\s*"result"\s*:\s*\[')
_SPACE = re.compile(r"\s*")


def vector_metrics(answer: list[bytes], warnings: list[str] | None = None) -> Iterator[dict[str, str]]:
    """The label set (`metric`) of each row of an instant query's vector answer, decoded one row at a
    time: the label tables of 100,000 series are a 17 MB answer whose whole decoded document held
    ~90 MB at once. `answer` holds the body, taken out once it is decoded to text (not held twice).
    The answer's `warnings` (after the rows, where Prometheus writes them) are added to `warnings`.
    Raises ValueError (or KeyError/TypeError) on an answer of another shape."""
    text = answer.pop().decode("utf-8")
    head = _VECTOR_HEAD.match(text)
    if head is None:  # another layout (a proxy's extra fields first, an error): the whole document
        payload = json.loads(text)
        if not isinstance(payload, dict) or payload.get("status") != "success":
            raise ValueError("no successful Prometheus answer")
        for row in payload["data"]["result"]:
            yield row["metric"]
        said(payload, warnings)
        return
    scan = json.JSONDecoder().scan_once  # `raw_decode` without its Python frame: ~1.5 us a row, 100,000 rows
    at = _SPACE.match(text, head.end()).end()
    while not text.startswith("]", at):
        try:
            row, at = scan(text, at)
        except StopIteration as exc:  # as `raw_decode` says it
            raise json.JSONDecodeError("Expecting value", text, exc.value) from None
        yield row["metric"]
        if not text.startswith(",", at):  # Prometheus' compact layout: the comma right after the row
            at = _SPACE.match(text, at).end()
            if text.startswith("]", at):
                break
            if not text.startswith(",", at):
                raise ValueError("unexpected text between rows")
        at = _SPACE.match(text, at + 1).end()
    # the rest: `}` ending data, then the answer's other members (`warnings`, `infos`) and `}` — read
    # alone in Prometheus' layout; any other (Thanos' `analysis` or `stats` in data) by the whole document
    rest = text[at + 1:].lstrip()
    if rest.startswith("}"):
        rest = rest[1:].lstrip()
        try:
            said(json.loads("{" + (rest[1:] if rest.startswith(",") else rest)), warnings)
            return
        except ValueError:
            pass
    said(json.loads(text), warnings)


PARTIAL = "isPartial: true (some of its storage nodes did not answer)"


def said(payload: Any, warnings: list[str] | None) -> None:
    """Add an API answer's `warnings` (Prometheus: a list of strings, e.g. Thanos' partial responses,
    a truncated listing) to `warnings`, when it is given. A VictoriaMetrics cluster says a partial
    answer otherwise, by `"isPartial": true` beside `data` (vmselect could not reach every
    vmstorage node, and `-search.denyPartialResponse` is off, its default): said as `PARTIAL`."""
    if warnings is None or not isinstance(payload, dict):
        return
    if isinstance(found := payload.get("warnings"), list):
        warnings.extend(w for w in found if isinstance(w, str) and w.strip())
    if payload.get("isPartial") is True:
        warnings.append(PARTIAL)


def recording_rules(groups: list[dict]) -> Iterator[RuleInfo]:
    """The recording rules of `/api/v1/rules`' groups (raises KeyError/TypeError on another shape)."""
    for group in groups:
        for rule in group["rules"]:
            if rule.get("type") == "recording":  # older servers ignore ?type=record: filter anyway
                yield RuleInfo(name=rule["name"], expr=rule.get("query", ""), group=group.get("name", ""),
                               file=group.get("file", ""), health=rule.get("health", ""),
                               last_evaluation=rfc3339(rule.get("lastEvaluation")),
                               last_error=rule.get("lastError", ""))


def rfc3339(text: str | None) -> datetime | None:
    """Prometheus' timestamps (nanoseconds, `Z`); its zero time means "never evaluated"."""
    if not text or text.startswith("0001-01-01"):
        return None
    try:
        return datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00"))
    except ValueError:
        return None


def projection(columns: list[int]) -> Callable[[tuple[str, ...]], Any]:
    """A row's values at `columns`, taken in C: a tuple, a bare value for one column."""
    return itemgetter(*columns) if columns else lambda row: ()


def wire_time(moment: datetime) -> str:
    """A time as the API takes it: epoch seconds, to the millisecond."""
    return f"{moment.timestamp():.3f}"


class ErrorAnswer(Exception):
    """A non-200 answer, described in one line, with its status."""

    def __init__(self, message: str, status: int = 0):
        super().__init__(message)
        self.status = status


class NotPrometheus(Exception):
    """A 200 answer that is not Prometheus' API (HTML, invalid JSON, another shape)."""


def seen_at(value: float, within: bool, now: datetime) -> datetime:
    """A last-seen row's time: exact, or — `within` — the end of the step window that holds the last
    sample, which may lie ahead of `now` (the query runs at the next step boundary): then `now`, rounded
    up to the minute that messages print, so "within the 5 minutes before HH:MM" always holds it."""
    if not within:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    bound = min(value, now.timestamp())
    return Within.fromtimestamp(-(-bound // 60) * 60 if bound % 60 else bound, tz=timezone.utc)


def first_value(data: Any) -> float:
    """The value of an instant query's first row (its `data`, a vector), or `NotPrometheus`."""
    try:
        return float(data["result"][0]["value"][1])
    except (KeyError, TypeError, ValueError, IndexError):
        raise NotPrometheus("unexpected /api/v1/query answer") from None
