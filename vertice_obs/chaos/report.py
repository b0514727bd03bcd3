"""The Chaos Day report, computed from a journal: findings, priorities, recovery, advice, plots.

Every number comes from the journal (`analyse` is pure; the verdicts are in `analysis`);
`render` writes markdown and a self-contained HTML page (plots embedded), `plots` the PNG files.
Journals carry a `schema_version` (`journal_check.SCHEMA_VERSION`); one without it is version 1,
from before scrape intervals, and reads the same way (every field added since is optional).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vertice_obs.chaos.analysis import (
    SEVERITIES,
    Deviation,
    PhaseStats,
    ScenarioResult,
    analyse_scenario,
    num,
)
from vertice_obs.chaos.annotations import failures_of
from vertice_obs.chaos.compare import (
    comparable,
    compare,
    compare_fragment,
    compare_markdown,
)
from vertice_obs.chaos.curve import curves, step_levels
from vertice_obs.chaos.journal_check import MalformedJournal, check_journal
from vertice_obs.chaos.plots import curve_png, plot_png
from vertice_obs.chaos.render import render_html, render_markdown
from vertice_obs.chaos.stopped import Stop, stop_of
from vertice_obs.errors import InputError
from vertice_obs.files import write_atomic
from vertice_obs.guard.paths import safe_join

__all__ = ["Deviation", "PhaseStats", "Report", "ScenarioResult", "analyse", "fails_on", "read_journal",
           "write_report", "render_markdown", "render_html"]

# `vobs chaos report --fail-on`, least to most demanding: each level fails on what the one before does, and more
FAIL_ON = ("never", "incomplete", "breach", "warning")

# What to do about a probe that breaches, keyed by what it measures; `{recovery}` is filled in with
# what the journal says about its recovery, so the advice never claims what the data contradicts.
_ADVICE = [
    ("streaming_latency", "Streaming latency above its budget: compress or aggregate the stream (batch updates, "
                          "send deltas) and shed non-critical cockpit panels under load."),
    ("kill_switch_latency", "Kill-switch latency over its budget under load: take the kill-switch check off "
                            "the streaming event loop and give it a dedicated, prioritised path."),
    ("coherence", "ESGT coherence below its budget under fault: isolate the TIG fabric's synchronisation traffic "
                  "from the stream and alert on coherence before ignitions fail."),
    ("dopamine_spike", "Dopamine spike events stop under the fault{recovery}: buffer reward events while the kill "
                       "switch is engaged and replay them on release."),
    ("skill_execution_latency", "Skill latency above its budget after the fault{recovery}: check for queues that do "
                                "not drain and add back-pressure."),
]
_DEFAULT_ADVICE = "A probe breached its budget{recovery}: add an alert on it and find what the fault exhausted."


@dataclass
class Report:
    run: dict[str, Any]
    status: str
    started: str
    ended: str
    scenarios: list[ScenarioResult]
    settle: float = 0.0
    schema_version: int = 1
    stop: Stop | None = None  # how a run that did not complete ended: where, why, what never ran
    settle_from: str = "file"  # "window": no `settle` in the file, so the probes' `${window}` is the settle time
    not_annotated: list[str] = field(default_factory=list)  # each Grafana annotation not written: where, why
    time_scale: float = 1.0  # --time-scale of the run: below 1, a rehearsal

    @property
    def rehearsal(self) -> str | None:
        """What a scaled-down run is, said before its figures (None: a run at full length)."""
        if self.time_scale == 1:
            return None
        return (f"A rehearsal at --time-scale {self.time_scale:g}: every baseline, hold and recovery, the settle time "
                f"and the probes' windows ran at {self.time_scale * 100:.3g} % of the length the file gives them, "
                "so these are a rehearsal's figures, not the Chaos Day's.")

    @property
    def incomplete(self) -> str | None:
        """Why the findings are not the whole story: a run that did not complete, and what stopped it."""
        if self.stop is None:
            return None
        not_run = f"; not run, so not judged: {self.stop.not_run_text}" if self.stop.not_run or not self.stop.planned else ""
        return f"{self.stop.sentence} What follows covers only what ran before it stopped{not_run}."

    @property
    def unmeasured(self) -> bool:
        """Some phase was not measured: the backend had not served its samples in time (the runner's wait)."""
        return any(step.get("unmeasured") for s in self.scenarios for step in s.steps)

    @property
    def findings(self) -> list[Deviation]:
        """Every breach (and unmet expectation, and slow recovery), most urgent first; "as expected" last."""
        found = [d for s in self.scenarios for d in s.deviations]
        return sorted(found, key=lambda d: (d.priority == "—", d.priority, SEVERITIES.index(d.severity), d.order))

    @property
    def deviations(self) -> list[Deviation]:
        """The findings that are not accepted degradation."""
        return [d for d in self.findings if d.coverage != "as expected"]

    @property
    def recommendations(self) -> list[tuple[str, str, list[Deviation]]]:
        """(priority, advice, findings it answers), one per kind of problem, most urgent first."""
        grouped: dict[str, list[Deviation]] = {}
        for d in self.deviations:
            if d.observed.holds is False or d.coverage == "recovery":
                grouped.setdefault(self._advice_key(d), []).append(d)
        return sorted(((min(x.priority for x in ds), self._advice(key, ds), ds) for key, ds in grouped.items()),
                      key=lambda r: r[0])

    def _probe(self, d: Deviation) -> dict[str, Any]:
        scenario = next(s for s in self.scenarios if s.id == d.scenario)
        return next(p for p in scenario.probes if p["id"] == d.probe)

    def _advice_key(self, d: Deviation) -> str:
        query = self._probe(d)["query"]
        return next((key for key, _ in _ADVICE if key in query), "")

    def _advice(self, key: str, ds: list[Deviation]) -> str:
        text = next((advice for k, advice in _ADVICE if k == key), _DEFAULT_ADVICE)
        recoveries = [d.recovery for d in ds if d.recovery is not None
                      and d.recovery.state in ("recovered", "slow", "not recovered")]
        clause = ""
        if recoveries:
            worst = max(recoveries, key=lambda r: (r.state == "not recovered", r.seconds or 0))
            if worst.state == "not recovered":
                clause = f" and do not resume within the recover phase ({num(worst.seconds)} s after the revert)"
            else:
                budget = f", budget {num(worst.budget)} s" if worst.budget is not None else ""
                clause = f"; they resume {num(worst.seconds)} s after the revert{budget}"
        return text.format(recovery=clause)


def analyse(journal: dict[str, Any]) -> Report:
    settle = float(journal.get("settle_seconds", 0))
    window = float(journal.get("window_seconds", settle))
    settle_from = str(journal.get("settle_from", "file"))
    scenarios = []
    for s_index, raw in enumerate(journal.get("scenarios", [])):
        result = ScenarioResult(raw["id"], raw["title"], raw["kind"], raw["probes"], [])
        result.steps, result.deviations, result.unjudged = analyse_scenario(s_index, raw, settle, window, settle_from)
        # a step the run's stop cut short is no point of the degradation curve: its fault phase is partial
        levels = [None if step.get("cut_short") else level for step, level in zip(raw["steps"], step_levels(raw))]
        result.curves = curves(result, levels)
        scenarios.append(result)
    return Report(journal.get("run", {}), journal.get("status", "?"), journal.get("started", ""),
                  journal.get("ended") or "no end recorded", scenarios, settle, int(journal.get("schema_version", 1)), stop_of(journal),
                  settle_from,
                  failures_of(journal.get("events", [])), float(journal.get("time_scale", 1.0)))


def read_journal(path: Path, shown: str) -> dict[str, Any]:
    """The journal at `path` as JSON, or one `InputError` naming it (unreadable, a FIFO, not UTF-8,
    not JSON, or not a journal at all). What older versions wrote for samples Prometheus answered
    NaN is read as NaN (no data, as the `null` written now); a lone surrogate becomes U+FFFD."""
    from vertice_obs.files import read_regular
    from vertice_obs.jsonpos.strict import parse_json
    from vertice_obs.located_yaml import decode_text

    try:
        raw = read_regular(path, shown)
    except OSError as exc:
        raise InputError(f"cannot read journal: {exc.strerror}", shown) from None
    text = decode_text(raw, shown)
    try:
        data = parse_json(text, shown, notes=[])  # NaN: no data; ±Inf: refused by check_journal
    except InputError:
        if _chaos_file(text):  # the run's own file given for its journal: said so, not "convert the YAML"
            raise InputError("this is a Chaos Day file, not its journal: `vobs chaos run` it, then give here the JSON "
                             "journal the run writes (chaos/journals/<run>-<UTC>.json, printed at its end)",
                             shown) from None
        raise
    if not isinstance(data, dict) or "scenarios" not in data or "run" not in data:
        raise InputError("not a Chaos Day journal (no run and scenarios)", shown)
    return data


def _chaos_file(text: str) -> bool:
    """Whether `text` reads as a Chaos Day file (YAML with a run's `id` and `scenarios`), read as every YAML
    vobs reads is (`parse_located`: its depth guard — PyYAML's own recursion on 100,000 `[` escaped as a
    RecursionError from what only asks whether to word an error differently)."""
    from vertice_obs.located_yaml import parse_located

    try:
        data = parse_located(text, "").data
    except InputError:
        return False
    return isinstance(data, dict) and "scenarios" in data and "id" in data and "events" not in data


def previous_journal(path: Path, journal: dict[str, Any]) -> tuple[Path, dict[str, Any]] | None:
    """The latest journal of the same run beside `path` that started before it and measured something
    this one did too (one aborted in its first step did not), if any (a journal that does not read
    is passed over: this is a courtesy, never a reason to fail)."""
    found = []
    for other in path.parent.glob("*.json"):
        if other.resolve() == path.resolve():
            continue
        try:
            data = read_journal(other, other.name)
            check_journal(data)
        except (InputError, MalformedJournal):
            continue
        if data["run"].get("id") == journal["run"].get("id") and str(data.get("started", "")) < str(
                journal.get("started", "")):
            found.append((str(data.get("started", "")), other, data))
    return next(((other, data) for _, other, data in sorted(found, key=lambda f: f[0], reverse=True)
                 if _in_common(data, journal)), None)


def _in_common(before: dict[str, Any], journal: dict[str, Any]) -> bool:
    try:
        check_journal(journal)
        return comparable(compare(analyse(before), analyse(journal)))
    except (MalformedJournal, KeyError, TypeError, ValueError, AttributeError, ArithmeticError, IndexError):
        return False  # what is wrong with `journal` is said by `write_report`


def write_report(journal: dict[str, Any], out: Path, source: str = "journal",
                 previous: dict[str, Any] | None = None) -> list[Path]:
    """Write report.md, report.html and plots/ under `out`; a journal the report cannot read is
    one `InputError` naming `source` (the journal file) and the field, before anything is written.
    With the `previous` run's journal, the report ends with what improved and what regressed."""
    try:  # reading the journals: what goes wrong here is the file's
        check_journal(journal)
        report = analyse(journal)
        before = analyse(previous) if previous is not None else None
    except MalformedJournal as exc:
        raise InputError(f"malformed journal: {exc}", source) from None
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError, IndexError) as exc:
        raise InputError(f"malformed journal: {type(exc).__name__}: {exc}", source) from None
    # Drawing and writing what was read: an error here is vobs', never blamed on the journal.
    plots: dict[tuple[str, str], bytes] = {}
    for scenario, raw in zip(report.scenarios, journal.get("scenarios", [])):
        for probe in scenario.probes:
            plots[(scenario.id, probe["id"])] = plot_png(scenario, probe, raw, journal.get("window_seconds"))
        for curve in scenario.curves:
            plots[(scenario.id, f"curve-{curve.probe['id']}")] = curve_png(curve)
    markdown, page = render_markdown(report), render_html(report, plots)
    changes = compare(before, report) if before is not None else []
    if before is not None and comparable(changes):  # an earlier run that measured nothing of this one: no section
        markdown += "\n" + compare_markdown(before, report, changes).replace("# ", "## ", 1)
        page = page.replace("</body>", compare_fragment(before, report, changes) + "</body>", 1)
    # Scenario and probe ids come from the journal: they become file names only through the guard.
    targets = {key: safe_join(out, "plots", f"{key[0]}-{key[1]}.png", what="plot for scenario/probe")
               for key in plots}
    written = []
    out.mkdir(exist_ok=True)  # the -o DIR itself, never a folder above it (`check_output_folder`)
    for key, png in plots.items():
        targets[key].parent.mkdir(parents=True, exist_ok=True)  # plots/, inside it: vobs' own
        targets[key].write_bytes(png)
        written.append(targets[key])
    write_atomic(out / "report.md", markdown, new_folders=False)
    write_atomic(out / "report.html", page, new_folders=False)
    return [out / "report.md", out / "report.html", *written]


def fails_on(journal: dict[str, Any], level: str) -> str | None:
    """Why `--fail-on level` fails the report of `journal` (checked: `write_report` read it), or None.
    `incomplete`: the run did not complete (failed, aborted, killed); `breach`: that, or a finding of
    severity error — a budget breached that no expectation accepted, or a recovery slower than its budget;
    `warning`: that, or a finding of severity warning — a breach an expectation demanded that did not
    come (the fault, or the expectation, is not what was meant)."""
    if FAIL_ON.index(level) < FAIL_ON.index("incomplete"):
        return None
    report = analyse(journal)
    said = [f"the run {report.stop.verb}"] if report.stop is not None else []
    if FAIL_ON.index(level) >= FAIL_ON.index("breach"):
        errors = [d for d in report.findings if d.severity == "error"]
        if errors:
            said.append(f"{len(errors)} {'budget' if len(errors) == 1 else 'budgets'} breached and not accepted ("
                        + _where(errors) + ")")
    if level == "warning":
        missed = [d for d in report.findings if d.severity == "warning"]
        if missed:
            said.append(f"{len(missed)} {'breach' if len(missed) == 1 else 'breaches'} expected and not seen ("
                        + _where(missed) + ")")
    return " and ".join(said) or None


def _where(findings: list[Any]) -> str:
    """Where each finding stands, the first three: `p95 in the fault phase of lat 1s`."""
    where = [f"{d.probe} {'recovery after' if d.coverage == 'recovery' else f'in the {d.phase} phase of'} "
             f"{d.scenario} {d.step}" for d in findings]
    return ", ".join(where[:3]) + (", …" if len(where) > 3 else "")
