"""The Chaos Day report, computed from a journal: verdicts, deviations, priorities, advice, plots.

Every number comes from the journal (`analyse` is pure); rendering writes markdown, a
self-contained HTML page (plots embedded) and the plots as PNG files.
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from vertice_obs.chaos.journal_check import MalformedJournal, check_journal
from vertice_obs.errors import InputError
from vertice_obs.files import write_atomic
from vertice_obs.guard.markdown import md
from vertice_obs.guard.paths import safe_join

SEVERITIES = ("critical", "major", "minor")
# Priority from severity × impact (impact: the phase in which the expectation failed).
_PRIORITY = {
    ("critical", "recover"): "P0", ("critical", "fault"): "P1", ("critical", "baseline"): "P2",
    ("major", "recover"): "P1", ("major", "fault"): "P2", ("major", "baseline"): "P3",
    ("minor", "recover"): "P2", ("minor", "fault"): "P3", ("minor", "baseline"): "P4",
}
# What to do about a probe that breaches, keyed by what it measures.
_ADVICE = [
    ("streaming_latency", "Streaming latency above its budget: compress or aggregate the stream (batch updates, "
                          "send deltas) and shed non-critical cockpit panels under load."),
    ("kill_switch_latency", "Kill-switch latency over its 200 ms budget under load: take the kill-switch check off "
                            "the streaming event loop and give it a dedicated, prioritised path."),
    ("coherence", "ESGT coherence below 0.6 under fault: isolate the TIG fabric's synchronisation traffic from the "
                  "stream and alert on coherence before ignitions fail."),
    ("dopamine_spike", "Dopamine spike events stop and do not resume: buffer reward events while the kill switch "
                       "is engaged and replay them on release."),
    ("skill_execution_latency", "Skill latency does not recover after the fault: check for queues that do not "
                                "drain and add back-pressure."),
]


@dataclass
class PhaseStats:
    phase: str
    worst: float | None
    mean: float | None
    samples: int
    holds: bool | None  # None: no samples


@dataclass
class Deviation:
    order: tuple[int, int]  # (scenario, step) positions in the run: findings read in run order
    scenario: str
    step: str
    probe: str
    phase: str
    expected: bool
    observed: PhaseStats
    threshold: str
    severity: str
    priority: str
    why: str

    @property
    def summary(self) -> str:
        verb = "held" if self.observed.holds else "breached"
        return (f"{self.probe} {verb} its threshold ({self.threshold}) in the {self.phase} phase of {self.step}: "
                f"worst {_num(self.observed.worst)}, expected it to {'hold' if self.expected else 'breach'}")


@dataclass
class ScenarioResult:
    id: str
    title: str
    kind: str
    probes: list[dict[str, Any]]
    steps: list[dict[str, Any]]  # label, phases (times), stats: {probe: {phase: PhaseStats}}
    deviations: list[Deviation] = field(default_factory=list)
    unjudged: list[str] = field(default_factory=list)  # expectations a phase had no samples for


@dataclass
class Report:
    run: dict[str, Any]
    status: str
    started: str
    ended: str
    scenarios: list[ScenarioResult]
    settle: float = 0.0

    @property
    def deviations(self) -> list[Deviation]:
        found = [d for s in self.scenarios for d in s.deviations]
        return sorted(found, key=lambda d: (d.priority, SEVERITIES.index(d.severity), d.order))

    @property
    def recommendations(self) -> list[tuple[str, str, list[Deviation]]]:
        """(priority, advice, deviations it answers), one per kind of problem, most urgent first."""
        grouped: dict[str, list[Deviation]] = {}
        for d in self.deviations:
            if d.observed.holds is False:
                grouped.setdefault(_advice_for(self._query(d)), []).append(d)
        return sorted(((min(x.priority for x in ds), advice, ds) for advice, ds in grouped.items()),
                      key=lambda r: r[0])

    def _query(self, d: Deviation) -> str:
        scenario = next(s for s in self.scenarios if s.id == d.scenario)
        return next(p["query"] for p in scenario.probes if p["id"] == d.probe)


def analyse(journal: dict[str, Any]) -> Report:
    scenarios = []
    for s_index, raw in enumerate(journal.get("scenarios", [])):
        probes = {p["id"]: p for p in raw["probes"]}
        result = ScenarioResult(raw["id"], raw["title"], raw["kind"], raw["probes"], [])
        for t_index, step in enumerate(raw["steps"]):
            settle = float(journal.get("settle_seconds", 0))
            stats = {pid: {phase: _stats(phase, step["phases"][phase], step["probes"][pid]["series"], probes[pid],
                                         settle)
                           for phase in ("baseline", "fault", "recover")} for pid in probes}
            result.steps.append({"label": step["label"], "phases": step["phases"], "stats": stats})
            for e in raw.get("expectations", []):
                observed = stats[e["probe"]][e["phase"]]
                if observed.holds is None:
                    result.unjudged.append(f"{e['probe']} in the {e['phase']} phase of {step['label']}: no samples "
                                           f"after the settle time — lengthen the phase or shorten `settle`")
                    continue
                if observed.holds == e["holds"]:
                    continue
                probe = probes[e["probe"]]
                severity = _severity(observed.worst, probe["threshold"])
                result.deviations.append(Deviation((s_index, t_index), raw["id"], step["label"], e["probe"],
                                                   e["phase"], e["holds"],
                                                   observed, _threshold_text(probe), severity,
                                                   _PRIORITY[(severity, e["phase"])], e.get("why", "")))
        scenarios.append(result)
    return Report(journal.get("run", {}), journal.get("status", "?"), journal.get("started", ""),
                  journal.get("ended", ""), scenarios, float(journal.get("settle_seconds", 0)))


def _stats(phase: str, window: list[str], series: list[list[float]], probe: dict[str, Any],
           settle: float = 0.0) -> PhaseStats:
    """The probe's worst value in a phase, after the settle time, against its threshold."""
    start, end = (datetime.fromisoformat(t).timestamp() for t in window)
    start = min(start + settle, end)
    values = [v for ts, v in series if start <= ts <= end and v is not None and v == v]  # null, NaN: no data
    if not values:
        return PhaseStats(phase, None, None, 0, None)
    op, limit = probe["threshold"]["op"], probe["threshold"]["value"]
    worst = max(values) if op.startswith("<") else min(values)
    holds = {"<": worst < limit, "<=": worst <= limit, ">": worst > limit, ">=": worst >= limit}[op]
    return PhaseStats(phase, worst, sum(values) / len(values), len(values), holds)


def _severity(worst: float | None, threshold: dict[str, Any]) -> str:
    """How far past the threshold: 2× or more is critical, 25 % or more major, else minor."""
    limit = threshold["value"]
    if worst is None or limit == 0:
        return "major"
    ratio = worst / limit if threshold["op"].startswith("<") else (limit / worst if worst > 0 else float("inf"))
    return "critical" if ratio >= 2 else "major" if ratio >= 1.25 else "minor"


def _advice_for(query: str) -> str:
    return next((advice for key, advice in _ADVICE if key in query),
                "A probe breached its threshold: add an alert on it and find what the fault exhausted.")


def _threshold_text(probe: dict[str, Any]) -> str:
    return f"{probe['threshold']['op']} {_num(probe['threshold']['value'])} {probe['unit']}"


def _num(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


# --- rendering -----------------------------------------------------------------------------------------

def plot_png(scenario: ScenarioResult, probe: dict[str, Any], journal_scenario: dict[str, Any]) -> bytes:
    """One probe across all steps of a scenario: the series, fault windows shaded, threshold dashed."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.2), dpi=100)
    origin = None
    for step in journal_scenario["steps"]:
        series = step["probes"][probe["id"]]["series"]
        start, end = (datetime.fromisoformat(t).timestamp() for t in step["phases"]["fault"])
        origin = origin if origin is not None else datetime.fromisoformat(step["phases"]["baseline"][0]).timestamp()
        ax.axvspan(start - origin, end - origin, color="#e4572e", alpha=0.15)
        ax.text((start + end) / 2 - origin, 0.97, step["label"], transform=ax.get_xaxis_transform(), ha="center",
                va="top", fontsize=8, color="#a33")
        if series:
            ax.plot([ts - origin for ts, _ in series], [math.nan if v is None else v for _, v in series], color="#1f5f8b", linewidth=1.4)
    ax.axhline(probe["threshold"]["value"], color="#555", linestyle="--", linewidth=1)
    ax.set_title(f"{scenario.title}: {probe.get('title', probe['id'])} (threshold {_threshold_text(probe)}, dashed)",
                 fontsize=10)
    ax.set_xlabel("seconds since the scenario started (fault windows shaded)")
    ax.set_ylabel(probe["unit"])
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def read_journal(path: Path, shown: str) -> dict[str, Any]:
    """The journal at `path` as JSON, or one `InputError` naming it (unreadable, a FIFO, not UTF-8,
    not JSON, or not a journal at all). What older versions wrote for samples Prometheus answered
    NaN is read as NaN (no data, as the `null` written now); a lone surrogate becomes U+FFFD."""
    from vertice_obs.files import read_regular
    from vertice_obs.located_yaml import decode_text, parse_json

    try:
        raw = read_regular(path, shown)
    except OSError as exc:
        raise InputError(f"cannot read journal: {exc.strerror}", shown) from None
    data = parse_json(decode_text(raw, shown), shown, notes=[])  # NaN: no data; ±Inf: refused by check_journal
    if not isinstance(data, dict) or "scenarios" not in data or "run" not in data:
        raise InputError("not a Chaos Day journal (no run and scenarios)", shown)
    return data


def write_report(journal: dict[str, Any], out: Path, source: str = "journal") -> list[Path]:
    """Write report.md, report.html and plots/ under `out`; a journal the report cannot read is
    one `InputError` naming `source` (the journal file) and the field, before anything is written."""
    try:
        check_journal(journal)
        report = analyse(journal)
        plots: dict[tuple[str, str], bytes] = {}
        for scenario, raw in zip(report.scenarios, journal.get("scenarios", [])):
            for probe in scenario.probes:
                plots[(scenario.id, probe["id"])] = plot_png(scenario, probe, raw)
        markdown, page = render_markdown(report), render_html(report, plots)
    except MalformedJournal as exc:
        raise InputError(f"malformed journal: {exc}", source) from None
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError, IndexError) as exc:
        raise InputError(f"malformed journal: {type(exc).__name__}: {exc}", source) from None
    # Scenario and probe ids come from the journal: they become file names only through the guard.
    targets = {key: safe_join(out, "plots", f"{key[0]}-{key[1]}.png", what="plot for scenario/probe")
               for key in plots}
    written = []
    for key, png in plots.items():
        targets[key].parent.mkdir(parents=True, exist_ok=True)
        targets[key].write_bytes(png)
        written.append(targets[key])
    write_atomic(out / "report.md", markdown)
    write_atomic(out / "report.html", page)
    return [out / "report.md", out / "report.html", *written]


def render_markdown(report: Report) -> str:
    run = report.run
    lines = [f"# {md(run.get('title', run.get('id', 'Chaos Day')), None)}", "",
             f"Run `{run.get('id')}` from `{run.get('file')}` — status **{report.status}**, "
             f"{report.started} → {report.ended}. Owner: {run.get('owner', '?')}. Each phase is judged "
             f"after a settle time of {_num(report.settle)} s.", ""]
    if run.get("summary"):
        lines += [run["summary"], ""]
    deviations = report.deviations
    lines += [f"## Findings: {len(deviations)} deviation{'s' if len(deviations) != 1 else ''} from expectations", ""]
    if deviations:
        lines += ["| priority | severity | scenario | step | finding |", "| --- | --- | --- | --- | --- |"]
        lines += [f"| {d.priority} | {d.severity} | {md(d.scenario)} | {md(d.step)} | {md(d.summary, None)} |"
                  for d in deviations]  # cells through guard.markdown.md: a `|` in a title stays in its cell
    else:
        lines.append("Every expectation held.")
    unjudged = [u for s in report.scenarios for u in s.unjudged]
    if unjudged:
        lines += ["", "Expectations that could not be judged:", ""] + [f"- {u}" for u in unjudged]
    lines += ["", "## Recommendations", ""]
    recs = report.recommendations
    lines += [f"- **{p}** {advice} ({len(ds)} deviation{'s' if len(ds) != 1 else ''})" for p, advice, ds in recs] \
        or ["- None: no probe breached an expectation."]
    for scenario in report.scenarios:
        lines += ["", f"## {scenario.title} (`{scenario.id}`, {scenario.kind})", "",
                  "| step | probe | threshold | baseline | fault | recover |", "| --- | --- | --- | --- | --- | --- |"]
        for step in scenario.steps:
            for probe in scenario.probes:
                cells = [_cell(step["stats"][probe["id"]][ph]) for ph in ("baseline", "fault", "recover")]
                lines.append(f"| {md(step['label'])} | {md(probe.get('title', probe['id']))} | {md(_threshold_text(probe))} | "
                             + " | ".join(cells) + " |")
        lines += [""] + [f"![{p['id']}](plots/{scenario.id}-{p['id']}.png)" for p in scenario.probes]
    return "\n".join(lines) + "\n"


def _cell(s: PhaseStats, marks: tuple[str, str] = ("✅", "❌")) -> str:
    if s.holds is None:
        return "no data"
    return f"{marks[0] if s.holds else marks[1]} worst {_num(s.worst)}"


def render_html(report: Report, plots: dict[tuple[str, str], bytes]) -> str:
    e = html.escape
    run = report.run
    rows = "".join(
        f"<tr class='{d.priority}'><td>{d.priority}</td><td>{d.severity}</td><td>{e(d.scenario)}</td>"
        f"<td>{e(d.step)}</td><td>{e(d.summary)}{(' — ' + e(d.why)) if d.why else ''}</td></tr>"
        for d in report.deviations) or "<tr><td colspan=5>Every expectation held.</td></tr>"
    unjudged = "".join(f"<li>{e(u)}</li>" for s in report.scenarios for u in s.unjudged)
    if unjudged:
        rows += f"<tr><td colspan=5>Could not judge:<ul>{unjudged}</ul></td></tr>"
    recs = "".join(f"<li><b>{p}</b> {e(a)} <span class='muted'>({len(ds)} deviations)</span></li>"
                   for p, a, ds in report.recommendations) or "<li>None: no probe breached an expectation.</li>"
    sections = []
    for scenario in report.scenarios:
        table = "".join(
            f"<tr><td>{e(step['label'])}</td><td>{e(p.get('title', p['id']))}</td><td>{e(_threshold_text(p))}</td>"
            + "".join(f"<td class='{_css(step['stats'][p['id']][ph])}'>"
                      f"{e(_cell(step['stats'][p['id']][ph], ('holds,', 'BREACHED,')))}</td>"
                      for ph in ("baseline", "fault", "recover")) + "</tr>"
            for step in scenario.steps for p in scenario.probes)
        figures = "".join(
            f"<figure><img alt='{e(p['id'])}' src='data:image/png;base64,"
            f"{base64.b64encode(plots[(scenario.id, p['id'])]).decode()}'><figcaption>{e(p.get('title', p['id']))}"
            f"</figcaption></figure>" for p in scenario.probes)
        sections.append(f"<h2>{e(scenario.title)} <code>{e(scenario.id)}</code></h2><table><tr><th>step</th>"
                        f"<th>probe</th><th>threshold</th><th>baseline</th><th>fault</th><th>recover</th></tr>{table}"
                        f"</table>{figures}")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(run.get('title', 'Chaos Day'))}</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 980px; color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }}
td, th {{ border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ background: #f4f4f4; }} .ok {{ background: #eaf7ea; }} .bad {{ background: #fbeaea; }}
.P0, .P1 {{ background: #fbeaea; }} .muted {{ color: #777; }} figure {{ margin: 1rem 0; }} img {{ max-width: 100%; }}
</style></head><body>
<h1>{e(run.get('title', run.get('id', 'Chaos Day')))}</h1>
<p>Run <code>{e(str(run.get('id')))}</code> from <code>{e(str(run.get('file')))}</code> — status
<b>{e(report.status)}</b>, {e(report.started)} → {e(report.ended)}. Owner: {e(str(run.get('owner', '?')))}.</p>
<p>{e(run.get('summary', ''))}</p>
<h2>Findings</h2><table><tr><th>priority</th><th>severity</th><th>scenario</th><th>step</th><th>finding</th></tr>
{rows}</table>
<h2>Recommendations</h2><ul>{recs}</ul>
{''.join(sections)}
</body></html>
"""


def _css(s: PhaseStats) -> str:
    return "" if s.holds is None else ("ok" if s.holds else "bad")
