"""Chaos Day as code: a run of fault scenarios, each with probes and expectations, from YAML.

Validated like narratives — JSON Schema, then the rules a schema cannot say (a latency fault has
steps, an expectation names a probe of its scenario, ids are unique) — every error one line with
file and line. Ids become file names (journals, plots), so they are checked here as well as by
the schema; thresholds must be finite numbers; probe queries pass the same PromQL shape guard as
dashboards (`vertice_obs.metrics.promql_text.check_query_shape`) before anything parses them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from vertice_obs.checks.walk import strings
from vertice_obs.errors import closest
from vertice_obs.finding import Location
from vertice_obs.guard.durations import parse_duration
from vertice_obs.located_yaml import LocatedDocument, check_schema, load_located
from vertice_obs.metrics.promql_text import ParseError, check_query_shape

ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # run, scenario and probe ids: they name files
# `${name}`s the runner fills in: an action's (the target URL, a latency step in ms) and a probe's
# (its rate window). Any other is a typo that would be sent as it is written.
ACTION_PLACEHOLDERS = ("target", "step_ms")
PROBE_PLACEHOLDERS = ("window",)
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
MAX_DURATION = timedelta(days=7)


def _duration(doc: LocatedDocument, text: str, path: tuple, zero: bool = False) -> timedelta:
    """PromQL's duration grammar (guard.durations: the CLI's and the interpolator's too), at most
    MAX_DURATION; `zero` where none is meaningful (no settle time, a latency step of none)."""
    try:
        value = parse_duration(text, zero=zero)
        if value > MAX_DURATION:
            raise ValueError(f"{text!r} is longer than {MAX_DURATION.days} days")
        return value
    except ValueError as exc:
        raise doc.error(str(exc), path) from None


def _id(doc: LocatedDocument, value: Any, path: tuple, what: str) -> str:
    if not isinstance(value, str) or not ID.fullmatch(value):
        raise doc.error(f"{what} id {value!r} must be 1–64 lowercase letters, digits and dashes (it names files)",
                        path)
    return value


@dataclass(frozen=True)
class Action:
    """How to inject or revert a fault: an HTTP call or a command (argv, no shell)."""

    http: dict[str, Any] | None = None
    command: tuple[str, ...] | None = None
    line: int | None = field(default=None, compare=False)  # where it is written: its errors say so


@dataclass(frozen=True)
class Fault:
    kind: str  # "latency" | "kill-switch"
    hold: timedelta
    inject: Action
    revert: Action
    steps: tuple[timedelta, ...] = ()  # latency levels; one unnamed step for other kinds


@dataclass(frozen=True)
class Threshold:
    op: str
    value: float

    def holds(self, observed: float) -> bool:
        return {"<": observed < self.value, "<=": observed <= self.value,
                ">": observed > self.value, ">=": observed >= self.value}[self.op]

    def __str__(self) -> str:
        return f"{self.op} {self.value:g}"


@dataclass(frozen=True)
class Probe:
    id: str
    title: str
    query: str
    unit: str
    threshold: Threshold
    line: int
    recover_within: timedelta | None = None  # budget for getting back within the threshold after a revert


@dataclass(frozen=True)
class Expectation:
    probe: str
    phase: str  # "baseline" | "fault" | "recover"
    holds: bool  # whether the threshold is expected to hold in that phase
    why: str = ""
    breaks: bool = False  # a breach in that phase is accepted degradation: reported "as expected"


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    fault: Fault
    probes: tuple[Probe, ...]
    expectations: tuple[Expectation, ...]
    line: int


@dataclass(frozen=True)
class Run:
    id: str
    title: str
    owner: str
    summary: str
    narratives: tuple[str, ...]
    baseline: timedelta
    recover: timedelta
    scenarios: tuple[Scenario, ...]
    file: str
    # Each phase is judged only after this long: a probe's rate window must leave the last phase.
    settle: timedelta = timedelta(0)
    narrative_lines: tuple[int | None, ...] = ()  # where each of `narratives` is written

    def where(self, scenario: Scenario, probe: Probe) -> Location:
        """A probe's place: the file at the probe's line, then `scenario <id> → probe <id>` (a
        scenario is no panel: the whole path is the location's last part)."""
        return Location(file=self.file, line=probe.line, target=f"scenario {scenario.id} → probe {probe.id}")


def load_run(path: Path, display: str | None = None) -> Run:
    doc = load_located(path, display)
    check_schema(doc, "chaos")
    data = doc.data
    _id(doc, data["id"], ("id",), "run")
    scenarios, seen = [], {}
    for i, raw in enumerate(data["scenarios"]):
        where = ("scenarios", i)
        _id(doc, raw["id"], where + ("id",), "scenario")
        if raw["id"] in seen:
            raise doc.error(f"scenario id {raw['id']!r} is already used at line {seen[raw['id']]}", where + ("id",))
        seen[raw["id"]] = doc.line(where)
        scenarios.append(_scenario(doc, raw, where))
    run = Run(id=data["id"], title=data["title"], owner=data["owner"], summary=data.get("summary", "").strip(),
              narratives=tuple(data.get("narratives", ())),
              baseline=_duration(doc, data.get("baseline", "30s"), ("baseline",)),
              recover=_duration(doc, data.get("recover", "30s"), ("recover",)), scenarios=tuple(scenarios),
              file=doc.file, settle=_duration(doc, data.get("settle", "0s"), ("settle",), zero=True),
              narrative_lines=tuple(doc.line(("narratives", i)) for i in range(len(data.get("narratives", ())))))
    _longer_than_settle(doc, run)
    return run


def _longer_than_settle(doc: LocatedDocument, run: Run) -> None:
    """Each phase is judged only after `settle` (the probes' windows must have left the previous
    phase), so a phase not longer than it has no sample that may be judged: its breaches would go
    unseen, at any --time-scale (both scale alike). Refused at the phase's line — the first in the file."""
    data = doc.data
    phases = [(what, length, (what,) if what in data else ("settle",), data.get(what, "30s (the default)"))
              for what, length in (("baseline", run.baseline), ("recover", run.recover))]
    phases += [(f"scenario {s.id}'s hold", s.fault.hold, ("scenarios", i, "fault", "hold"),
                data["scenarios"][i]["fault"]["hold"]) for i, s in enumerate(run.scenarios)]
    short = [p for p in phases if p[1] <= run.settle]
    if short:
        what, _, path, text = min(short, key=lambda p: doc.line(p[2]) or 0)
        raise doc.error(f"{what} {text} is not longer than settle {data['settle']}: each phase is judged only after "
                        "the settle time, so this one could never be judged and its breaches would go unseen — "
                        "lengthen it or shorten `settle`", path)


def _scenario(doc: LocatedDocument, raw: dict[str, Any], where: tuple) -> Scenario:
    fault_raw = raw["fault"]
    steps = tuple(_duration(doc, s, where + ("fault", "steps", k), zero=True) for k, s in enumerate(fault_raw.get("steps", ())))
    for k, step in enumerate(steps):  # a step is named by its duration in the journal and the report
        if step in steps[:k]:
            raise doc.error(f"step {fault_raw['steps'][k]!r} is the same duration as step {steps.index(step) + 1}: "
                            "give each step once", where + ("fault", "steps", k))
    if fault_raw["kind"] == "latency" and not steps:
        raise doc.error("a latency fault needs `steps` (e.g. [100ms, 500ms, 1s, 2s, 5s])", where + ("fault",))
    if fault_raw["kind"] != "latency" and steps:
        raise doc.error(f"a {fault_raw['kind']} fault has no `steps`", where + ("fault", "steps"))
    fault = Fault(kind=fault_raw["kind"], hold=_duration(doc, fault_raw["hold"], where + ("fault", "hold")),
                  inject=_action(doc, fault_raw["inject"], where + ("fault", "inject")),
                  revert=_action(doc, fault_raw["revert"], where + ("fault", "revert")), steps=steps)
    probes, ids = [], {}
    for j, p in enumerate(raw["probes"]):
        at = where + ("probes", j)
        _id(doc, p["id"], at + ("id",), "probe")
        if p["id"] in ids:
            raise doc.error(f"probe id {p['id']!r} is already used at line {ids[p['id']]}", at + ("id",))
        ids[p["id"]] = doc.line(at)
        query = p["query"].strip()
        _placeholders(doc, p["query"], at + ("query",), PROBE_PLACEHOLDERS)
        try:
            check_query_shape(query)
        except ParseError as exc:
            raise doc.error(f"probe {p['id']!r}: {exc}", at + ("query",)) from None
        probes.append(Probe(p["id"], p.get("title", p["id"]), query, p["unit"],
                            Threshold(p["threshold"]["op"], _finite(doc, p["threshold"]["value"],
                                                                    at + ("threshold", "value"))),
                            doc.line(at + ("query",)),
                            _duration(doc, p["recover_within"], at + ("recover_within",)) if "recover_within" in p
                            else None))
    expectations = []
    for k, e in enumerate(raw.get("expectations", ())):
        if e["probe"] not in ids:
            raise doc.error(f"expectation names probe {e['probe']!r}, which this scenario does not have "
                            f"(probes: {', '.join(ids)})", where + ("expectations", k, "probe"))
        if ("holds" in e) == ("breaks" in e):
            raise doc.error("an expectation says exactly one of `holds: true|false` or `breaks: true`",
                            where + ("expectations", k))
        expectations.append(Expectation(e["probe"], e["phase"], e.get("holds", False), e.get("why", ""),
                                        e.get("breaks", False)))
    return Scenario(raw["id"], raw["title"], fault, tuple(probes), tuple(expectations), doc.line(where))


def _finite(doc: LocatedDocument, value: Any, path: tuple) -> float:
    """A threshold: a finite number (`.nan` would make every comparison false, `.inf` every one true)."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise doc.error(f"threshold value {value!r} must be a finite number", path)
    return number


_DOT_SEGMENT = re.compile(r"/(?:\.|%2[eE]){1,2}(?:/|$)")  # `/../`, `/./`, `/%2e%2e/`, at the end too


def _action(doc: LocatedDocument, raw: dict[str, Any], path: tuple) -> Action:
    _placeholders(doc, raw, path, ACTION_PLACEHOLDERS)
    if "http" in raw:
        url = raw["http"]["url"]
        if not url.startswith("${target}") and not re.match(r"https?://[^/?#\s]", _PLACEHOLDER.sub("x", url)):
            raise doc.error(f"url {url!r} is neither `${{target}}/…` nor an http(s) URL", path + ("http", "url"))
        if url.startswith("${target}") and _DOT_SEGMENT.search(url.split("?", 1)[0].split("#", 1)[0]):
            raise doc.error(f"url {url!r} has a `.` or `..` path segment: a proxy or server that normalises it "
                            "sends the fault outside ${target}'s path — write the path it means",
                            path + ("http", "url"))
        return Action(http=dict(raw["http"]), line=doc.line(path))
    return Action(command=tuple(raw["command"]), line=doc.line(path))


def _placeholders(doc: LocatedDocument, value: Any, path: tuple, known: tuple[str, ...]) -> None:
    """Every `${name}` in `value` (strings, in lists and mappings) is one the runner fills in here; the
    first that is not, in the file's order, is the error."""
    unknown = [(at, name) for at, text in strings(value, path) for name in _PLACEHOLDER.findall(text)
               if name not in known]
    if unknown:
        at, name = min(unknown, key=lambda hit: doc.line(hit[0]) or 0)
        close = closest(name, known)
        hint = f"did you mean ${{{close[0]}}}? " if close else ""
        raise doc.error(f"unknown placeholder ${{{name}}}: {hint}here vobs fills in "
                        f"{', '.join(f'${{{k}}}' for k in known)}", at)
