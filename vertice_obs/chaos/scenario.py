"""Chaos Day as code: a run of fault scenarios, each with probes and expectations, from YAML.

Validated like narratives — JSON Schema, then the rules a schema cannot say (a latency fault has
steps, an expectation names a probe of its scenario, ids are unique) — every error one line with
file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from vertice_obs.located_yaml import LocatedDocument, check_schema, load_located

_DURATION = re.compile(r"^(\d+)(ms|s|m|h)$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> timedelta:
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"not a duration: {text!r}")
    return timedelta(seconds=int(m.group(1)) * _UNIT_SECONDS[m.group(2)])


@dataclass(frozen=True)
class Action:
    """How to inject or revert a fault: an HTTP call or a command (argv, no shell)."""

    http: dict[str, Any] | None = None
    command: tuple[str, ...] | None = None


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


@dataclass(frozen=True)
class Expectation:
    probe: str
    phase: str  # "baseline" | "fault" | "recover"
    holds: bool  # whether the threshold is expected to hold in that phase
    why: str = ""


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


def load_run(path: Path, display: str | None = None) -> Run:
    doc = load_located(path, display)
    check_schema(doc, "chaos")
    data = doc.data
    scenarios, seen = [], {}
    for i, raw in enumerate(data["scenarios"]):
        where = ("scenarios", i)
        if raw["id"] in seen:
            raise doc.error(f"scenario id {raw['id']!r} is already used at line {seen[raw['id']]}", where + ("id",))
        seen[raw["id"]] = doc.line(where)
        scenarios.append(_scenario(doc, raw, where))
    return Run(id=data["id"], title=data["title"], owner=data["owner"], summary=data.get("summary", "").strip(),
               narratives=tuple(data.get("narratives", ())), baseline=parse_duration(data.get("baseline", "30s")),
               recover=parse_duration(data.get("recover", "30s")), scenarios=tuple(scenarios), file=doc.file,
               settle=parse_duration(data.get("settle", "0s")))


def _scenario(doc: LocatedDocument, raw: dict[str, Any], where: tuple) -> Scenario:
    fault_raw = raw["fault"]
    steps = tuple(parse_duration(s) for s in fault_raw.get("steps", ()))
    if fault_raw["kind"] == "latency" and not steps:
        raise doc.error("a latency fault needs `steps` (e.g. [100ms, 500ms, 1s, 2s, 5s])", where + ("fault",))
    if fault_raw["kind"] != "latency" and steps:
        raise doc.error(f"a {fault_raw['kind']} fault has no `steps`", where + ("fault", "steps"))
    fault = Fault(kind=fault_raw["kind"], hold=parse_duration(fault_raw["hold"]),
                  inject=_action(fault_raw["inject"]), revert=_action(fault_raw["revert"]), steps=steps)
    probes, ids = [], {}
    for j, p in enumerate(raw["probes"]):
        if p["id"] in ids:
            raise doc.error(f"probe id {p['id']!r} is already used at line {ids[p['id']]}", where + ("probes", j, "id"))
        ids[p["id"]] = doc.line(where + ("probes", j))
        probes.append(Probe(p["id"], p.get("title", p["id"]), p["query"].strip(), p["unit"],
                            Threshold(p["threshold"]["op"], float(p["threshold"]["value"])),
                            doc.line(where + ("probes", j, "query"))))
    expectations = []
    for k, e in enumerate(raw.get("expectations", ())):
        if e["probe"] not in ids:
            raise doc.error(f"expectation names probe {e['probe']!r}, which this scenario does not have "
                            f"(probes: {', '.join(ids)})", where + ("expectations", k, "probe"))
        expectations.append(Expectation(e["probe"], e["phase"], e["holds"], e.get("why", "")))
    return Scenario(raw["id"], raw["title"], fault, tuple(probes), tuple(expectations), doc.line(where))


def _action(raw: dict[str, Any]) -> Action:
    if "http" in raw:
        return Action(http=dict(raw["http"]))
    return Action(command=tuple(raw["command"]))
