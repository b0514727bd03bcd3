"""The Chaos Day verdicts, computed from a journal alone (pure): every breach, and every recovery.

A probe's threshold is a budget, so a breach in any phase is a finding — not only where an
expectation happened to look. Its severity is the project's, as every vobs finding's (`Severity`):
an error for a breach no expectation accepted (and a recovery slower than its budget), a warning for
an expected breach that did not come, info for a breach an expectation accepted (`breaks: true`:
reported "as expected", not as a deviation). Its priority P0–P4 is how urgent it is: how far past the
budget it went (2× or more, 1.25× or more, less: its magnitude), the phase (a failed recovery is worse
than a failure under fault, which is worse than one before it) and the expectations (one that said
the probe `holds` and was contradicted keeps the priority of its magnitude and phase, a breach nobody
expected is one level lower, an accepted one has none: "—").

Recovery is measured, not assumed: after each revert, the time until the probe is back under its
threshold, against the probe's optional `recover_within` budget. A recover phase too short to see
that (shorter than the probe's window plus its budget) is "unjudged", with the reason.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vertice_obs.chaos.estimate import num, shown
from vertice_obs.chaos.journal_check import CUT_PHASE
from vertice_obs.finding import Severity

PHASES = ("baseline", "fault", "recover")
SEVERITIES = tuple(str(s) for s in sorted(Severity, reverse=True))  # "error", "warning", "info": the project's
_PHASE_WEIGHT = {"recover": 0, "fault": 1, "baseline": 2}


@dataclass
class PhaseStats:
    phase: str
    worst: float | None
    mean: float | None
    samples: int
    holds: bool | None  # None: no samples
    median: float | None = None


@dataclass
class Recovery:
    """After one revert: `seconds` until the probe was back within its threshold (None: not seen)."""

    state: str  # "held" (never breached), "recovered", "slow" (over budget), "not recovered", "unjudged",
    # "unmeasured" (the step's fault or recover phase was not served in time: said once for the step),
    # "cut short" (the run stopped before the recover phase ended: `why` says where)
    seconds: float | None = None
    budget: float | None = None
    why: str = ""  # for "unjudged" and "cut short"
    op: str = "<"  # the threshold's comparison: a `> 100` probe comes back *above* it

    @property
    def text(self) -> str:
        budget = f", budget {_secs(self.budget)}" if self.budget is not None else ""
        side = "under" if self.op.startswith("<") else "above"
        if self.state in ("recovered", "slow"):
            return f"back {side} its threshold {_secs(self.seconds)} after the revert{budget}"
        if self.state == "not recovered":
            return f"not back {side} its threshold within the recover phase ({_secs(self.seconds)}){budget}"
        if self.state == "unjudged":
            return f"recovery unjudged: {self.why}"
        if self.state == "unmeasured":
            return "recovery not measured: the backend had not served the step's samples"
        if self.state == "cut short":
            return f"recovery not judged: {self.why}"
        return "held through the fault"


@dataclass
class Deviation:
    """One finding: a breach of a probe's budget (or an expected breach that did not come, or a
    recovery slower than its budget), with what the expectations said about it."""

    order: tuple[int, int]  # (scenario, step) positions in the run: findings read in run order
    scenario: str
    step: str
    probe: str
    phase: str
    expected: bool | None  # what an expectation said (holds?); None: no expectation covered it
    observed: PhaseStats
    threshold: str
    severity: str  # the project's: "error", "warning" or "info" (`severity`)
    priority: str  # P0–P4; "—" for a breach an expectation accepted
    why: str
    coverage: str = "violated"  # "violated", "unexpected", "as expected", "recovery"
    recovery: Recovery | None = None
    worst_text: str = ""  # the worst value as shown: `≈1.95 (1–2)` for a histogram quantile (`estimate`)
    magnitude: int = 1  # how far past the budget: 0 (2× or more), 1 (1.25× or more), 2 (less) — `magnitude_of`
    cut_short: str = ""  # the phase was cut short by the run's stop: what it was judged on

    @property
    def summary(self) -> str:
        if self.coverage == "recovery" and self.recovery is not None:
            return f"{self.probe} after the revert of {self.step}: {self.recovery.text}"
        verb = "held" if self.observed.holds else "breached"
        text = (f"{self.probe} {verb} its threshold ({self.threshold}) in the {self.phase} phase of {self.step}: "
                f"worst {self.worst_text or num(self.observed.worst)}")
        if self.coverage == "as expected":
            text += ", as expected (accepted degradation)"
        elif self.coverage == "unexpected":
            text += ", no expectation covers it"
        else:
            text += f", expected it to {'hold' if self.expected else 'breach'}"
        if self.recovery is not None and self.recovery.state in ("recovered", "slow", "not recovered"):
            text += f"; {self.recovery.text}"
        return text + (f" ({self.cut_short})" if self.cut_short else "")


def analyse_scenario(s_index: int, raw: dict[str, Any], settle: float, window: float,
                     settle_from: str = "file") -> tuple[list, list, list]:
    """(steps, findings, unjudged) of one journal scenario. Each step: label, phases, stats
    {probe: {phase: PhaseStats}}, recovery {probe: Recovery}, unmeasured, cut_short.

    Each phase is judged after `settle`; the recover phase, once the probe's window has left the
    fault too: after the longest range its query reads (`window_seconds`; journals before schema
    version 3: the run's `${window}`) when that is longer — judged from the revert, its first
    samples are still the fault's, and were read as recover-phase breaches (a run without `settle`)."""
    probes = {p["id"]: p for p in raw["probes"]}
    lags = {pid: {phase: settle for phase in PHASES} | {"recover": max(settle, float(p.get("window_seconds", window)))}
            for pid, p in probes.items()}
    steps, findings, unjudged = [], [], []
    expectations: dict[tuple[str, str], dict[str, Any]] = {}
    for e in raw.get("expectations", []):
        expectations.setdefault((e["probe"], e["phase"]), e)
    for t_index, step in enumerate(raw["steps"]):
        # Phases the backend had not served when the step was sampled (`unmeasured`, with why):
        # no data, said once for the step, never judged on the few samples it did serve.
        unmeasured = {phase: why for phase, why in step.get("unmeasured", {}).items() if phase in PHASES}
        # A step the run's stop cut short: the phase it stopped in is judged on what it measured
        # until then (marked so), the ones after it were not reached, its recovery is not judged.
        cut = step.get("cut_short") if isinstance(step.get("cut_short"), dict) else None
        cut_phase = CUT_PHASE[cut["during"]] if cut else None
        missing = set(unmeasured) | (set(PHASES[PHASES.index(cut_phase) + 1:]) if cut_phase else set())
        stats = {pid: {phase: phase_stats(phase, step["phases"][phase], step["probes"][pid]["series"], probes[pid],
                                          lags[pid][phase]) if phase not in missing else PhaseStats(phase, None, None, 0, None)
                       for phase in PHASES} for pid in probes}
        recovery = {pid: _recovery(step, probes[pid], window, unmeasured, cut_phase) for pid in probes}
        if unmeasured:
            late = [phase for phase in PHASES if phase in unmeasured]
            unjudged.append(f"{phases_text(late)} of {step['label']} {'was' if len(late) == 1 else 'were'} not "
                            f"measured: {unmeasured[late[-1]]}")
        cut_text = ""
        if cut_phase:
            cut_text = f"cut short by the stop: judged on its first {_secs(_length(step['phases'][cut_phase]))}"
            unjudged.append(_cut_text(step, cut_phase))
        steps.append({"label": step["label"], "phases": step["phases"], "stats": stats, "recovery": recovery,
                      "unmeasured": unmeasured, "cut_short": cut_phase})
        for pid, probe in probes.items():
            # Every phase not judged is said, with why — whether or not an expectation looked at it:
            # a breach there would otherwise go unseen. One line per probe and reason.
            reasons: dict[str, list[str]] = {}
            for phase in PHASES:
                if stats[pid][phase].holds is None and phase not in missing:
                    reasons.setdefault(_no_data_reason(step["probes"][pid]["series"], settle,
                                                       _length(step["phases"][phase]), lags[pid][phase], settle_from,
                                                       phase == cut_phase), []).append(phase)
            unjudged += [f"{pid} in {phases_text(late)} of {step['label']}: {why}" for why, late in reasons.items()]
            for phase in PHASES:
                observed, e = stats[pid][phase], expectations.get((pid, phase))
                if observed.holds is None:
                    continue
                found = _judge(observed, e, probe)
                if found is None:
                    continue
                coverage, expected, magnitude, rank = found
                if phase == cut_phase and observed.holds:  # a demanded breach may have come after the stop
                    unjudged.append(f"{pid} in the {phase} phase of {step['label']}: held until the stop, and the "
                                    "breach its expectation demands may have come later — not judged")
                    continue
                findings.append(Deviation((s_index, t_index), raw["id"], step["label"], pid, phase, expected,
                                          observed, threshold_text(probe), severity(coverage, expected), rank,
                                          (e or {}).get("why", ""), coverage,
                                          recovery[pid] if phase == "recover" else None, shown(probe, observed.worst),
                                          magnitude, cut_short=cut_text if phase == cut_phase else ""))
            r = recovery[pid]
            if r.state == "unjudged":
                unjudged.append(f"{pid} after the revert of {step['label']}: {r.why}")
            elif r.state == "slow" and stats[pid]["recover"].holds is not False:
                magnitude = _ratio_magnitude(r.seconds / r.budget if r.budget else 1.0)
                findings.append(Deviation((s_index, t_index), raw["id"], step["label"], pid, "recover", True,
                                          stats[pid]["recover"], threshold_text(probe), severity("recovery", True),
                                          priority(magnitude, "recover"), "", "recovery", r,
                                          shown(probe, stats[pid]["recover"].worst), magnitude))
    return steps, findings, unjudged


def _recovery(step: dict[str, Any], probe: dict[str, Any], window: float, unmeasured: dict[str, str],
              cut_phase: str | None) -> Recovery:
    op = probe["threshold"]["op"]
    if cut_phase:  # a partial window says neither "recovered" nor "not recovered"
        when = (f"the run stopped {_secs(_length(step['phases']['recover']))} into the recover phase"
                if cut_phase == "recover" else f"the run stopped in the {cut_phase} phase, before the recovery")
        return Recovery("cut short", op=op, why=when)
    if {"fault", "recover"} & set(unmeasured):
        return Recovery("unmeasured", op=op)
    return recovery_of(step, probe, window)


def _cut_text(step: dict[str, Any], cut_phase: str) -> str:
    """`2s was cut short by the stop 1.2 s into its fault phase: …` — once per step."""
    after = list(PHASES[PHASES.index(cut_phase) + 1:])
    return (f"{step['label']} was cut short by the stop {_secs(_length(step['phases'][cut_phase]))} into its "
            f"{cut_phase} phase: judged on what it measured until then"
            + (f"; {phases_text(after)} {'was' if len(after) == 1 else 'were'} not reached" if after else "")
            + "; its recovery is not judged")


def _judge(observed: PhaseStats, e: dict[str, Any] | None, probe: dict[str, Any]):
    """(coverage, expected, magnitude, priority) of one phase, or None when there is nothing to say."""
    accepted = e is not None and (e.get("breaks") is True or e.get("holds") is False)
    magnitude = magnitude_of(observed.worst, probe["threshold"])
    if observed.holds:
        if e is not None and e.get("holds") is False:  # a breach was demanded and did not come
            return "violated", False, magnitude, priority(magnitude, observed.phase)
        return None
    if accepted:
        return "as expected", False, magnitude, "—"
    if e is None:
        return "unexpected", None, magnitude, priority(magnitude, observed.phase, 1)
    return "violated", True, magnitude, priority(magnitude, observed.phase)


def severity(coverage: str, expected: bool | None) -> str:
    """A finding's severity in the project's words: an error for a budget breached and not accepted
    (or a recovery slower than its budget), a warning for a breach demanded that did not come (the
    fault or the expectation is not what was meant), info for a breach accepted as expected."""
    if coverage == "as expected":
        return str(Severity.INFO)
    return str(Severity.WARNING if coverage == "violated" and expected is False else Severity.ERROR)


def priority(magnitude: int, phase: str, lower: int = 0) -> str:
    """P0 (2× past the budget, in the recover phase) … P4 (under 1.25×, baseline); `lower` levels
    less urgent, at most P4."""
    return f"P{min(4, magnitude + _PHASE_WEIGHT[phase] + lower)}"


def phase_stats(phase: str, window: list[str], series: list[list[float]], probe: dict[str, Any],
                settle: float = 0.0) -> PhaseStats:
    """The probe's worst value in a phase, after the settle time, against its threshold. A phase
    not longer than the settle time is not judged (no samples): what is left of it after the settle
    time is at most its end instant, and a sample landing exactly there is chance, not a measurement."""
    start, end = (datetime.fromisoformat(t).timestamp() for t in window)
    if end - start <= settle:
        return PhaseStats(phase, None, None, 0, None)
    start += settle
    values = [v for ts, v in series if start <= ts <= end and v is not None and v == v]  # null, NaN: no data
    if not values:
        return PhaseStats(phase, None, None, 0, None)
    op, limit = probe["threshold"]["op"], probe["threshold"]["value"]
    worst = max(values) if op.startswith("<") else min(values)
    return PhaseStats(phase, worst, sum(values) / len(values), len(values), holds(op, worst, limit),
                      statistics.median(values))


def recovery_of(step: dict[str, Any], probe: dict[str, Any], window: float) -> Recovery:
    """Time from the revert until the first sample back within the threshold."""
    revert, end = (datetime.fromisoformat(t).timestamp() for t in step["phases"]["recover"])
    fault_start = datetime.fromisoformat(step["phases"]["fault"][0]).timestamp()
    op, limit = probe["threshold"]["op"], probe["threshold"]["value"]
    budget = probe.get("recover_within_seconds")
    series = [(ts, v) for ts, v in step["probes"][probe["id"]]["series"] if v is not None and v == v]
    during = [v for ts, v in series if fault_start <= ts <= revert]
    after = [(ts, v) for ts, v in series if revert < ts <= end]
    if not any(not holds(op, v, limit) for v in during) and all(holds(op, v, limit) for _, v in after[:1]):
        return Recovery("held", budget=budget, op=op)
    back = next((ts - revert for ts, v in after if holds(op, v, limit)), None)
    if back is not None:
        return Recovery("slow" if budget is not None and back > budget else "recovered", back, budget, op=op)
    length, needed = end - revert, window + (budget or 0.0)
    if not after and length >= needed:  # long enough, and still no sample: not the phase's length
        return Recovery("unjudged", budget=budget, op=op,
                        why=(f"no sample came in the {_secs(length)} after the revert: the probe's query answered "
                             "nothing then — was the target or its scrape down (see `up`)?"))
    if not after or length < needed:
        what = "its window" + (" plus its recover_within budget" if budget is not None else "")
        return Recovery("unjudged", budget=budget, op=op,
                        why=(f"the recover phase ({_secs(length)}) is shorter than {what} ({_secs(needed)}): "
                             f"lengthen `recover` or use a larger --time-scale"))
    return Recovery("not recovered", length, budget, op=op)


def phases_text(phases: list[str]) -> str:
    """`the recover phase`, `the fault and recover phases`, `the baseline, fault and recover phases`."""
    if len(phases) == 1:
        return f"the {phases[0]} phase"
    return f"the {', '.join(phases[:-1])} and {phases[-1]} phases"


def holds(op: str, value: float, limit: float) -> bool:
    return {"<": value < limit, "<=": value <= limit, ">": value > limit, ">=": value >= limit}[op]


def magnitude_of(worst: float | None, threshold: dict[str, Any]) -> int:
    """How far past the threshold: 0 at 2× or more, 1 at 25 % or more, else 2 (a zero budget or no
    value has no ratio: 1)."""
    limit = threshold["value"]
    if worst is None or limit == 0:
        return 1
    return _ratio_magnitude(worst / limit if threshold["op"].startswith("<")
                            else (limit / worst if worst > 0 else float("inf")))


def _ratio_magnitude(ratio: float) -> int:
    return 0 if ratio >= 2 else 1 if ratio >= 1.25 else 2


def _length(window: list[str]) -> float:
    start, end = (datetime.fromisoformat(t).timestamp() for t in window)
    return end - start


def _no_data_reason(series: list[list[float]], settle: float, length: float | None = None, lag: float | None = None,
                    settle_from: str = "file", cut: bool = False) -> str:
    """Why a phase has no judged sample. `lag`: how long into a phase it is first judged (the settle
    time, or the probe's window when longer); `cut`: the run's stop cut the phase short."""
    lag = settle if lag is None else lag
    if cut and length is not None and length <= lag:
        return (f"cut short by the stop {_secs(length)} into it, before the {_secs(lag)} after which it is judged "
                "(its samples still held the previous phase)")
    if length is not None and length <= lag:
        if lag > settle or settle_from == "window":
            return (f"{_secs(length)} long, not longer than the probe's window ({_secs(lag)}): until then its "
                    "samples still hold the previous phase, so none was judged — lengthen the phase"
                    + (" (no `settle` in the file: it is the probes' ${window})" if settle_from == "window" else ""))
        return (f"{_secs(length)} long, not longer than the settle time ({_secs(settle)}) after which a phase is "
                "judged — lengthen the phase or shorten `settle` (`vobs chaos check` refuses such a file)")
    if not any(v is not None and v == v for _, v in series):
        return ("the probe returned no data at all in this step — is its window shorter than 2 scrape "
                "intervals? (`vobs chaos check --time-scale …` says)")
    if cut:
        return f"cut short by the stop, with no sample after the first {_secs(lag)} of it"
    if lag > settle or settle_from == "window":
        return f"no samples after the probe's window ({_secs(lag)}) — lengthen the phase"
    return f"no samples after the settle time of {_secs(settle)} — lengthen the phase or shorten `settle`"


def threshold_text(probe: dict[str, Any]) -> str:
    return f"{probe['threshold']['op']} {num(probe['threshold']['value'])} {probe['unit']}"


def _secs(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g} s"


@dataclass
class ScenarioResult:
    id: str
    title: str
    kind: str
    probes: list[dict[str, Any]]
    steps: list[dict[str, Any]]  # label, phases (times), stats: {probe: {phase: PhaseStats}}, recovery
    deviations: list[Deviation] = field(default_factory=list)  # every finding, "as expected" ones too
    unjudged: list[str] = field(default_factory=list)  # what a phase had no samples for, and why
    curves: list[Any] = field(default_factory=list)  # `curve.Curve` per probe, for a stepped scenario
