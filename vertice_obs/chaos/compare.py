"""Two Chaos Days side by side: what improved and what regressed, per scenario, probe and step.

Compared per (scenario, step, probe) present in both: the worst value under fault against the
probe's budget, and the recovery after the revert. A change counts when the budget's verdict
flips (held ↔ breached, recovered ↔ not) or the value moves by at least `MIN_CHANGE` of the
budget (recovery: of the `recover_within` budget, else of a second) in either direction; the
direction follows the threshold (`<`: lower is better). A side whose fault phase could not be
judged (no samples, not measured, not longer than the settle time) has no value: "not measured in
OLD|NEW" or "on either side", never "unchanged". Pure; `compare_markdown`/`compare_html`
render it.

A run that did not complete (aborted, failed) is said first, by side, and what it never ran is
"not run in OLD/NEW" — neither improved nor regressed: the comparison covers what both measured.
Two journals with nothing both measured are not compared (`compare_files`: one error line), nor
a journal with itself (or a copy: the same run id and start).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from vertice_obs.chaos.analysis import num
from vertice_obs.chaos.estimate import shown
from vertice_obs.errors import InputError
from vertice_obs.files import write_atomic
from vertice_obs.guard.markdown import md
from vertice_obs.guard.text import html_text

if TYPE_CHECKING:
    from vertice_obs.chaos.report import Report

MIN_CHANGE = 0.10


@dataclass
class Change:
    scenario: str
    step: str
    probe: str
    measure: str  # "worst under fault" | "recovery (s)"
    old: float | None
    new: float | None
    verdict: str  # "improved" | "regressed" | "unchanged" | "only in OLD|NEW" | "not run in OLD|NEW" (it stopped)
    # | "not measured in OLD|NEW" | "not measured on either side" (a phase not judged: no value to compare)
    probes: tuple[dict | None, dict | None] = (None, None)  # each side's probe: a quantile is shown as an estimate


def compare(old: Report, new: Report) -> list[Change]:
    def index(report: Report) -> dict:
        # a step the run's stop cut short was measured in part: never compared, it did not run through
        return {(s.id, step["label"], p["id"]): (p, step) for s in report.scenarios for step in s.steps
                for p in s.probes if not step.get("cut_short")}

    before, after = index(old), index(new)
    changes = []
    for key in list(before) + [k for k in after if k not in before]:
        if key not in after or key not in before:  # the side that has it keeps its value
            probe, step = before.get(key) or after[key]
            worst = step["stats"][key[2]]["fault"].worst
            lacking, side, other = (new, "NEW", "OLD") if key in before else (old, "OLD", "NEW")  # side: without it
            changes.append(Change(*key, "worst under fault", *((worst, None) if key in before else (None, worst)),
                                  f"not run in {side}" if lacking.stop else f"only in {other}",
                                  (probe, None) if key in before else (None, probe)))
            continue
        (probe, step_old), (probe_new, step_new) = before[key], after[key]
        lower = probe["threshold"]["op"].startswith("<")
        a, b = step_old["stats"][key[2]]["fault"], step_new["stats"][key[2]]["fault"]
        changes.append(Change(*key, "worst under fault", a.worst, b.worst,
                              _verdict(a.worst, b.worst, a.holds, b.holds, lower, abs(probe["threshold"]["value"])),
                              (probe, probe_new)))
        ra, rb = step_old["recovery"][key[2]], step_new["recovery"][key[2]]
        if {"unjudged", "unmeasured"} & {ra.state, rb.state}:
            continue
        sa, sb = _recovery_seconds(ra), _recovery_seconds(rb)
        changes.append(Change(*key, "recovery (s)", sa, sb, _verdict(
            sa, sb, ra.state in ("held", "recovered"), rb.state in ("held", "recovered"), True,
            rb.budget or ra.budget or 1.0)))
    return changes


def _recovery_seconds(r) -> float | None:
    """Seconds back within the threshold after the revert: 0 when it held, inf when it never came back."""
    return {"held": 0.0, "not recovered": float("inf")}.get(r.state, r.seconds)


def _verdict(a: float | None, b: float | None, held_a: bool | None, held_b: bool | None, lower: bool,
             scale: float) -> str:
    if a is None or b is None:  # a phase not judged (no samples, not measured, too short) is no value to compare
        return "not measured on either side" if a is None and b is None else f"not measured in {'OLD' if a is None else 'NEW'}"
    if held_a is not None and held_b is not None and held_a != held_b:
        return "improved" if held_b else "regressed"
    if a == b or abs(b - a) < MIN_CHANGE * (scale or 1.0):
        return "unchanged"
    return "improved" if (b < a) == lower else "regressed"


def comparable(changes: list[Change]) -> bool:
    """Did both runs measure anything in common?"""
    return any(c.verdict in ("improved", "regressed", "unchanged") for c in changes)


def stopped(old: Report, new: Report) -> list[str]:
    """`NEW was aborted during … : why`, per side whose run did not complete."""
    return [f"{side} {r.stop.clause}" for side, r in (("OLD", old), ("NEW", new)) if r.stop is not None]


def unfair(old: Report, new: Report) -> list[str]:
    """What makes the two runs' figures differ apart from the system (trial 18: "regressed recovery
    1.99 → 2.99" came from another settle): NEW older than OLD (every verdict reads backwards), another
    --time-scale (a rehearsal against a full run: every phase another length) and another settle
    (phase windows and recovery are measured over other spans)."""
    out = []
    try:
        backwards = datetime.fromisoformat(new.started) < datetime.fromisoformat(old.started)
    except (TypeError, ValueError):  # a journal without its start: nothing to say of the order
        backwards = False
    if backwards:
        out.append(f"NEW ({new.started}) started before OLD ({old.started}): improved and regressed read backwards "
                   "— give the older run first")
    if old.time_scale != new.time_scale:
        out.append(f"the runs ran at different time scales (OLD --time-scale {old.time_scale:g}, NEW "
                   f"{new.time_scale:g}): every phase and window was another length, so a change may be the scale's")
    if old.settle != new.settle:
        out.append(f"the runs settled for different times (OLD {num(old.settle)} s, NEW {num(new.settle)} s): windows "
                   "and recovery are measured over other spans, so a change may be the settle's, not the system's")
    return out


def _parts(old: Report, new: Report, changes: list[Change]) -> tuple[str, list[str], str, list[list[str]]]:
    """(title, notes, summary, rows): what markdown and HTML both show."""
    counts = {v: sum(c.verdict == v for c in changes) for v in ("improved", "regressed")}
    title = f"Chaos Day compared: {old.run.get('id', '?')} {old.started} → {new.run.get('id', '?')} {new.started}"
    notes = [f"{said}. Compared only what both runs measured; what it did not run is \"not run in "
             f"{said.split(' ', 1)[0]}\", neither improved nor regressed." for said in stopped(old, new)]
    notes += [f"Not like for like: {said}." for said in unfair(old, new)]
    summary = (f"{counts['improved']} improved, {counts['regressed']} regressed"
               + (" in what both runs measured" if notes else "")
               + f" (a change counts when a budget's verdict flips or the value moves by ≥ {MIN_CHANGE:.0%} of it).")
    order = {v: i for i, v in enumerate(("regressed", "improved", "not run in NEW", "not run in OLD", "only in OLD",
                                         "only in NEW", "not measured in NEW", "not measured in OLD",
                                         "not measured on either side", "unchanged"))}
    rows = [[c.verdict, c.scenario, c.step, c.probe, c.measure, _v(c.old, c.probes[0]), _v(c.new, c.probes[1])]
            for c in sorted(changes, key=lambda c: order[c.verdict])]
    return title, notes, summary, rows


_HEADER = ["verdict", "scenario", "step", "probe", "measure", "OLD", "NEW"]


def compare_markdown(old: Report, new: Report, changes: list[Change]) -> str:
    title, notes, summary, rows = _parts(old, new, changes)
    lines = [f"# {md(title, None)}", ""] + [f"> **{md(note, None)}**" for note in notes] + ([""] if notes else [])
    lines += [summary, "", "| " + " | ".join(_HEADER) + " |", "| --- " * len(_HEADER) + "|"]
    lines += ["| " + " | ".join(md(cell, None) for cell in row) + " |" for row in rows]  # names come from the journal
    return "\n".join(lines) + "\n"


def compare_html(old: Report, new: Report, changes: list[Change]) -> str:
    title = _parts(old, new, changes)[0]
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html_text(title)}</title>"
            "<style>body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 980px; } "
            "td, th { border: 1px solid #ddd; padding: 4px 8px; } table { border-collapse: collapse; } "
            ".regressed { background: #fbeaea; } .improved { background: #eaf7ea; }</style></head><body>"
            f"{compare_fragment(old, new, changes, 'h1')}</body></html>\n")


def compare_fragment(old: Report, new: Report, changes: list[Change], heading: str = "h2") -> str:
    """The comparison as HTML to embed: heading, what did not complete, summary and table."""
    title, notes, summary, rows = _parts(old, new, changes)
    e = html_text  # the one escape for untrusted text in HTML: markup, controls and bidi overrides
    cells = lambda row, tag: "".join(f"<{tag}>{e(c)}</{tag}>" for c in row)  # noqa: E731
    body = f"<tr>{cells(_HEADER, 'th')}</tr>" + "".join(
        f"<tr class='{e(r[0].replace(' ', '-'))}'>{cells(r, 'td')}</tr>" for r in rows)
    said = "".join(f"<p class='regressed'><b>{e(note)}</b></p>" for note in notes)
    return f"<{heading}>{e(title)}</{heading}>{said}<p>{e(summary)}</p><table>{body}</table>"


def _v(value: float | None, probe: dict | None = None) -> str:
    if value is None:
        return "—"
    return "never" if value == float("inf") else shown(probe, value) if probe is not None else num(value)


def compare_files(old_path: Path, new_path: Path, out: Path) -> tuple[int, int, list[str], list[str]]:
    """Read both journals (one `InputError` naming the bad one), write compare.md and compare.html
    under `out`; (improved, regressed, what did not complete, what is not like for like:
    `unfair`). Nothing both runs measured is one
    `InputError` naming the run that stopped (else NEW), and nothing is written."""
    from vertice_obs.chaos.journal_check import MalformedJournal, check_journal
    from vertice_obs.chaos.report import analyse, read_journal

    reports = []
    for path in (old_path, new_path):
        data = read_journal(path, str(path))
        try:
            check_journal(data)
            reports.append(analyse(data))
        except MalformedJournal as exc:
            raise InputError(f"malformed journal: {exc}", str(path)) from None
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError, IndexError) as exc:
            raise InputError(f"malformed journal: {type(exc).__name__}: {exc}", str(path)) from None
    if old_path.resolve() == new_path.resolve() or all(
            (r.run.get("id"), r.started) == (reports[0].run.get("id"), reports[0].started) for r in reports):
        raise InputError(f"OLD and NEW are the same run ({reports[1].run.get('id', '?')} started "
                         f"{reports[1].started or '?'}): compare two runs", str(new_path))
    changes = compare(*reports)
    if not comparable(changes):
        side = next((i for i in (1, 0) if reports[i].stop is not None), None)
        if side is None:
            raise InputError("nothing to compare: the two runs measured no scenario, step and probe in common",
                             str(new_path))
        other = ("NEW", "OLD")[side]
        raise InputError(f"nothing to compare: the run {reports[side].stop.clause} — it measured no step that "
                         f"{other} did", str((old_path, new_path)[side]))
    out.mkdir(exist_ok=True)  # the -o DIR itself, never a folder above it (`check_output_folder`)
    write_atomic(out / "compare.md", compare_markdown(*reports, changes), new_folders=False)
    write_atomic(out / "compare.html", compare_html(*reports, changes), new_folders=False)
    return (sum(c.verdict == "improved" for c in changes), sum(c.verdict == "regressed" for c in changes),
            stopped(*reports), unfair(*reports))
