"""The degradation curve of a stepped scenario: each probe's worst and median under fault, per
injected level; the knee (the first step where the budget breaks) and, for latency probes, the
amplification (observed ÷ injected latency). Pure arithmetic over the analysed steps;
`plots.curve_png` draws it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from vertice_obs.chaos.analysis import ScenarioResult, num
from vertice_obs.guard.durations import parse_duration
from vertice_obs.guard.markdown import md

_TO_SECONDS = {"s": 1.0, "ms": 0.001}  # probe units that are latencies


@dataclass
class Point:
    step: str
    level: float  # injected, seconds
    worst: float | None
    median: float | None
    holds: bool | None
    amplification: float | None  # observed worst ÷ injected latency (latency probes only)


@dataclass
class Curve:
    probe: dict[str, Any]
    points: list[Point]

    @property
    def knee(self) -> Point | None:
        """The first step whose fault phase breaks the budget."""
        return next((p for p in self.points if p.holds is False), None)


def curves(scenario: ScenarioResult, levels: list[float | None]) -> list[Curve]:
    """One curve per probe; empty when the scenario is not stepped (fewer than 2 known levels)."""
    known = [(step, level) for step, level in zip(scenario.steps, levels) if level is not None]
    if len(known) < 2:
        return []
    found = []
    for probe in scenario.probes:
        scale = _TO_SECONDS.get(probe["unit"])
        points = []
        for step, level in known:
            fault = step["stats"][probe["id"]]["fault"]
            amp = fault.worst * scale / level if scale and fault.worst is not None and level > 0 else None
            points.append(Point(step["label"], level, fault.worst, fault.median, fault.holds, amp))
        found.append(Curve(probe, points))
    return found


def step_levels(raw_scenario: dict[str, Any]) -> list[float | None]:
    """Each step's injected level in seconds: `level_seconds` where the journal has it, else read
    from the step's label (journals before schema version 2; `1s`, `500ms`) by the one duration grammar."""
    levels = []
    for step in raw_scenario["steps"]:
        level = step.get("level_seconds")
        if level is None:
            try:
                level = parse_duration(step["label"]).total_seconds()
            except ValueError:
                level = None
        levels.append(level)
    return levels


CURVE_HEADER = ("injected", "worst under fault", "median under fault", "budget", "amplification")


def curve_rows(curve: Curve) -> list[tuple[str, str, str, str, str]]:
    """The curve's table as plain text, one row per step (`CURVE_HEADER`'s columns): each format
    escapes and marks it up its own way."""
    rows = []
    for p in curve.points:
        verdict = "no data" if p.holds is None else ("holds" if p.holds else "breaks")
        knee = " ← knee" if p is curve.knee else ""
        amp = f"{p.amplification:.3g}×" if p.amplification is not None else "—"
        rows.append((p.step, num(p.worst), num(p.median), verdict + knee, amp))
    return rows


def curve_heading(curve: Curve, mark: Callable[[str], str] = str, text: Callable[[object], str] = str) -> str:
    """The line above the table: the probe, its budget, the knee; `text` escapes what the journal
    says, `mark` sets the probe's title apart."""
    probe = curve.probe
    return (f"{mark(text(probe.get('title', probe['id'])))} — budget {text(probe['threshold']['op'])} "
            f"{num(probe['threshold']['value'])} {text(probe['unit'])}; knee: "
            + (f"{text(curve.knee.step)} (the first step that breaks it)" if curve.knee else "none (every step held)"))


def curve_markdown(curve: Curve) -> list[str]:
    lines = [curve_heading(curve, lambda t: f"**{t}**", md), "",
             "| " + " | ".join(CURVE_HEADER) + " |", "| --- | --- | --- | --- | --- |"]
    for step, worst, median, verdict, amp in curve_rows(curve):
        verdict = verdict.replace("breaks", "**breaks**", 1) if verdict.startswith("breaks") else verdict
        lines.append(f"| {md(step)} | {worst} | {median} | {verdict} | {amp} |")
    return lines
