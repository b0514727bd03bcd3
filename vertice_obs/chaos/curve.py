"""The degradation curve of a stepped scenario: each probe's worst and median under fault, per
injected level; the knee (the first step where the budget breaks) and, for latency probes, the
amplification: the latency the fault added — the median under fault less the median of the same
step's baseline, measured in the same run — ÷ the injected latency (1× : the system passes the
injected latency on; 3× : each injected second costs three). It was observed ÷ injected, which
counted the latency the system has anyway: 100 ms injected on a 237 ms baseline read "4.25×". For
a histogram quantile (`estimate`) the amplification is an estimate too: with the buckets both
medians lie in, the range they allow. Pure arithmetic over the analysed steps; `plots.curve_png` draws it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from vertice_obs.chaos.analysis import ScenarioResult, num
from vertice_obs.chaos.estimate import MARK, added, is_estimate, shown
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
    amplification: float | None  # (median under fault − baseline median) ÷ injected (latency probes only)
    baseline: float | None = None  # the median of the step's baseline
    spread: tuple[float, float] | None = None  # the amplification's range the histogram buckets allow


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
            fault, baseline = step["stats"][probe["id"]]["fault"], step["stats"][probe["id"]]["baseline"].median
            amp = spread = None
            if scale and fault.median is not None and baseline is not None and level > 0:
                amp = (fault.median - baseline) * scale / level
                bounds = added(probe, fault.median, baseline)
                spread = (bounds[0] * scale / level, bounds[1] * scale / level) if bounds else None
            points.append(Point(step["label"], level, fault.worst, fault.median, fault.holds, amp, baseline, spread))
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


CURVE_HEADER = ("injected", "worst under fault", "median under fault", "median in the baseline", "budget",
                "amplification")


def curve_rows(curve: Curve) -> list[tuple[str, str, str, str, str, str]]:
    """The curve's table as plain text, one row per step (`CURVE_HEADER`'s columns): each format
    escapes and marks it up its own way."""
    rows, probe = [], curve.probe
    for p in curve.points:
        verdict = "no data" if p.holds is None else ("holds" if p.holds else "breaks")
        knee = " ← knee" if p is curve.knee else ""
        rows.append((p.step, shown(probe, p.worst), shown(probe, p.median), shown(probe, p.baseline), verdict + knee,
                     _amplification(p, is_estimate(probe))))
    return rows


def _amplification(p: Point, estimate: bool) -> str:
    if p.amplification is None:
        return "—"
    if p.amplification <= 0 and (p.spread is None or p.spread[1] <= 0):
        return "none: not above the baseline"
    if not estimate:
        return f"{p.amplification:.3g}×"
    spread = f" ({max(0.0, p.spread[0]):.3g}–{p.spread[1]:.3g}×)" if p.spread else ""
    return f"{MARK}{max(0.0, p.amplification):.3g}×{spread}"


def curve_heading(curve: Curve, mark: Callable[[str], str] = str, text: Callable[[object], str] = str) -> str:
    """The line above the table: the probe, its budget, the knee; `text` escapes what the journal
    says, `mark` sets the probe's title apart."""
    probe = curve.probe
    return (f"{mark(text(probe.get('title', probe['id'])))} — budget {text(probe['threshold']['op'])} "
            f"{num(probe['threshold']['value'])} {text(probe['unit'])}; knee: "
            + (f"{text(curve.knee.step)} (the first step that breaks it)" if curve.knee else "none (every step held)"))


def curve_markdown(curve: Curve) -> list[str]:
    lines = [curve_heading(curve, lambda t: f"**{t}**", md), "",
             "| " + " | ".join(CURVE_HEADER) + " |", "|" + " --- |" * len(CURVE_HEADER)]
    for step, worst, median, baseline, verdict, amp in curve_rows(curve):
        verdict = verdict.replace("breaks", "**breaks**", 1) if verdict.startswith("breaks") else verdict
        lines.append(f"| {md(step)} | {worst} | {median} | {baseline} | {verdict} | {amp} |")
    return lines
