"""The Chaos Day report as markdown and as one self-contained HTML page (plots embedded).

Every breach is listed (accepted ones "as expected"), with the recovery after each revert; what
could not be judged is said with its reason. Pure: text in, text out.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING
from urllib.parse import quote

from vertice_obs.chaos.analysis import PhaseStats, num, threshold_text
from vertice_obs.chaos.curve import (
    CURVE_HEADER,
    curve_heading,
    curve_markdown,
    curve_rows,
)
from vertice_obs.chaos.estimate import NOTE, is_estimate, shown
from vertice_obs.finding import Severity
from vertice_obs.guard.markdown import md, md_paragraph
from vertice_obs.guard.text import html_text

if TYPE_CHECKING:
    from vertice_obs.chaos.report import Report


# What did not run was not judged: a warning, as the project says of what it cannot tell (metric/unknown).
NOT_RUN = str(Severity.WARNING)
_RERUN = "fix what stopped it and run the scenarios again; until then, what did not run is unknown, not fine."


def _headline(report: Report) -> str:
    """The verdict: `run aborted — 0 deviations in what ran` for a run that did not complete."""
    findings, deviations = report.findings, report.deviations
    accepted = len(findings) - len(deviations)
    text = f"{len(deviations)} deviation{'s' if len(deviations) != 1 else ''}"
    text += f", {accepted} breach{'es' if accepted != 1 else ''} as expected" if accepted else ""
    return f"run {report.stop.word} — {text} in what ran" if report.stop else text


def _rerun(report: Report) -> str:
    stop = report.stop
    if stop is None:
        return ""
    said = ([f"{stop.not_run_text} did not run"] if stop.planned and stop.not_run else []) + (
        [f"{stop.cut_short} was cut short"] if stop.cut_short else [])
    return f"{'; '.join(said)} — {_RERUN}" if said else _RERUN


def _label(step: dict) -> str:
    """A step's label in its table: `2s (cut short)` for one the run's stop cut short."""
    return step["label"] + (" (cut short)" if step.get("cut_short") else "")


def _not_run(report: Report) -> list[tuple[str, str, str]]:
    """(scenario, steps, finding) per scenario that did not complete: a finding of an incomplete run."""
    stop = report.stop
    if stop is None:
        return []
    started = {s.id for s in report.scenarios}
    rows = [(scenario, ", ".join(steps), f"{'did not complete' if scenario in started else 'not started'}: the run "
             f"{stop.verb} {stop.where}; {'this step was' if len(steps) == 1 else 'these steps were'} not run "
             "and not judged") for scenario, steps, _ in stop.not_run]
    return rows or [("—", "—", f"{stop.sentence} What came after it was not run and not judged.")]


def _steps_missing(report: Report, scenario_id: str) -> str:
    """Below a scenario's table: what of it did not run, and why; or that none of it completed."""
    stop = report.stop
    if stop is None:
        return ""
    missing = next((steps for s, steps, _ in stop.not_run if s == scenario_id), ())
    done = any(s.steps for s in report.scenarios if s.id == scenario_id)
    if not done:
        return f"No step of this scenario completed: the run {stop.clause}."
    return f"Not run: {', '.join(missing)} (the run {stop.clause})." if missing else ""


def _settle_from(report: Report) -> str:
    return " (no `settle` in the file: the probes' window, ${window})" if report.settle_from == "window" else ""


def _estimates(report: Report) -> bool:
    return any(is_estimate(p) for s in report.scenarios for p in s.probes)


def _not_annotated(report: Report) -> str:
    n = len(report.not_annotated)
    return (f"{n} Grafana annotation{'s' if n != 1 else ''} could not be written; the dashboards do not mark "
            f"{'these' if n != 1 else 'this'}:")


def render_markdown(report: Report) -> str:
    """Every text that comes from the journal (titles, ids, the owner, the summary, step labels,
    reasons) goes through `guard.markdown.md`: a tampered journal or a scenario file under review
    cannot add HTML, a link, an image or a mention, nor split a table cell."""
    run = report.run
    lines = [f"# {md(run.get('title', run.get('id', 'Chaos Day')), None)}", "",
             f"Run {md(run.get('id'))} from {md(run.get('file'))} — status **{md(report.status)}**, "
             f"{md(report.started)} → {md(report.ended)}. Owner: {md(run.get('owner', '?'))}. Each phase is judged "
             f"after a settle time of {num(report.settle)} s{_settle_from(report)}.", ""]
    if report.incomplete:
        lines += [f"> **{md(report.incomplete, None)}**", ""]
    if report.rehearsal:
        lines += [f"> **{md(report.rehearsal, None)}**", ""]
    if run.get("summary"):
        lines += [md_paragraph(run["summary"]), ""]
    findings, not_run = report.findings, _not_run(report)
    lines += [f"## Findings: {md(_headline(report), None)}", "",
              "Every probe's threshold is a budget: a breach in any phase is a finding."
              + (f" {md(NOTE, None)}." if _estimates(report) else ""), ""]
    if findings or not_run:
        lines += ["| priority | severity | scenario | step | finding |", "| --- | --- | --- | --- | --- |"]
        lines += [f"| — | {NOT_RUN} | {md(s)} | {md(steps)} | {md(text, None)} |" for s, steps, text in not_run]
        lines += [f"| {md(d.priority)} | {md(d.severity)} | {md(d.scenario)} | {md(d.step)} | {md(d.summary, None)} |"
                  for d in findings]  # cells through guard.markdown.md: a `|` in a title stays in its cell
    unjudged = [u for s in report.scenarios for u in s.unjudged]
    if report.incomplete and not findings:
        lines += [""] if not_run else []
        lines.append("No probe breached its budget in what ran — not a clean result: the run did not complete, "
                     "and what did not run was not judged.")
    elif not findings and report.unmeasured:
        lines.append("No probe breached its budget in what was measured; the phases not measured (below) were not judged.")
    elif not findings and unjudged:
        lines.append("No probe breached its budget in what was judged; what could not be judged (below) is no pass.")
    elif not findings:
        lines.append("No probe breached its budget, and every expectation held.")
    if unjudged:
        lines += ["", "Could not be judged (never counted as a failure):", ""] + [f"- {md(u, None)}" for u in unjudged]
    if report.not_annotated:
        lines += ["", f"**{_not_annotated(report)}**", ""] + [f"- {md(u, None)}" for u in report.not_annotated]
    lines += ["", "## Recommendations", ""]
    recs = report.recommendations
    lines += ([f"- **Finish the run**: {md(_rerun(report), None)}"] if report.incomplete else []) + (
        [f"- **{md(p)}** {md(advice, None)} ({len(ds)} deviation{'s' if len(ds) != 1 else ''})" for p, advice, ds in recs]
        or ([] if report.incomplete else ["- None: no probe breached an expectation."]))
    for scenario in report.scenarios:
        lines += ["", f"## {md(scenario.title)} ({md(scenario.id)}, {md(scenario.kind)})", ""]
        missing = _steps_missing(report, scenario.id)
        lines += [md(missing, None)] if missing and not scenario.steps else [
            "| step | probe | threshold | baseline | fault | recover | after the revert |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
        for step in scenario.steps:
            for probe in scenario.probes:
                cells = [_cell(step["stats"][probe["id"]][ph], probe) for ph in ("baseline", "fault", "recover")]
                lines.append(f"| {md(_label(step))} | {md(probe.get('title', probe['id']))} | {md(threshold_text(probe))} | "
                             + " | ".join(cells) + f" | {md(step['recovery'][probe['id']].text, None)} |")
        if missing and scenario.steps:
            lines += ["", md(missing, None)]
        # the plots' files are named by ids `report` checked as safe file names; as URLs, percent-encoded
        lines += [""] + [f"![{md(p['id'])}](plots/{quote(scenario.id)}-{quote(p['id'])}.png)" for p in scenario.probes]
        if scenario.curves:
            lines += ["", f"### Degradation curve: {md(scenario.title)}", ""]
            for curve in scenario.curves:
                lines += curve_markdown(curve) + ["", f"![curve {md(curve.probe['id'])}](plots/{quote(scenario.id)}"
                                                      f"-curve-{quote(curve.probe['id'])}.png)", ""]
    return "\n".join(lines) + "\n"


def _cell(s: PhaseStats, probe: dict, marks: tuple[str, str] = ("✅", "❌")) -> str:
    if s.holds is None:
        return "no data"
    return f"{marks[0] if s.holds else marks[1]} worst {shown(probe, s.worst)}"


def render_html(report: Report, plots: dict[tuple[str, str], bytes]) -> str:
    e = html_text
    run = report.run
    rows = "".join(f"<tr class='P0'><td>—</td><td>{NOT_RUN}</td><td>{e(s)}</td><td>{e(steps)}</td><td>{e(text)}</td></tr>"
                   for s, steps, text in _not_run(report)) + "".join(
        f"<tr class='{d.priority}'><td>{d.priority}</td><td>{d.severity}</td><td>{e(d.scenario)}</td>"
        f"<td>{e(d.step)}</td><td>{e(d.summary)}{(' — ' + e(d.why)) if d.why else ''}</td></tr>"
        for d in report.findings) or "<tr><td colspan=5>No probe breached its budget.</td></tr>"
    if report.incomplete and not report.findings:
        rows += "<tr><td colspan=5>No probe breached its budget in what ran — not a clean result.</td></tr>"
    unjudged = "".join(f"<li>{e(u)}</li>" for s in report.scenarios for u in s.unjudged)
    if unjudged:
        rows += f"<tr><td colspan=5>Could not judge:<ul>{unjudged}</ul></td></tr>"
    if report.not_annotated:
        rows += (f"<tr><td colspan=5><b>{e(_not_annotated(report))}</b><ul>"
                 + "".join(f"<li>{e(u)}</li>" for u in report.not_annotated) + "</ul></td></tr>")
    recs = (f"<li><b>Finish the run</b>: {e(_rerun(report))}</li>" if report.incomplete else "") + ("".join(
        f"<li><b>{p}</b> {e(a)} <span class='muted'>({len(ds)} findings)</span></li>" for p, a, ds in report.recommendations)
        or ("" if report.incomplete else "<li>None: no probe breached its budget unexpectedly.</li>"))
    sections = []
    for scenario in report.scenarios:
        table = "".join(
            f"<tr><td>{e(_label(step))}</td><td>{e(p.get('title', p['id']))}</td><td>{e(threshold_text(p))}</td>"
            + "".join(f"<td class='{_css(step['stats'][p['id']][ph])}'>"
                      f"{e(_cell(step['stats'][p['id']][ph], p, ('holds,', 'BREACHED,')))}</td>"
                      for ph in ("baseline", "fault", "recover"))
            + f"<td>{e(step['recovery'][p['id']].text)}</td></tr>"
            for step in scenario.steps for p in scenario.probes)
        figures = "".join(
            f"<figure><img alt='{e(p['id'])}' src='data:image/png;base64,"
            f"{base64.b64encode(plots[(scenario.id, p['id'])]).decode()}'><figcaption>{e(p.get('title', p['id']))}"
            f"</figcaption></figure>" for p in scenario.probes)
        figures += _curves_html(scenario, plots)
        missing = _steps_missing(report, scenario.id)
        table = (f"<table><tr><th>step</th><th>probe</th><th>threshold</th><th>baseline</th><th>fault</th>"
                 f"<th>recover</th><th>after the revert</th></tr>{table}</table>" if scenario.steps else "")
        sections.append(f"<h2>{e(scenario.title)} <code>{e(scenario.id)}</code></h2>{table}"
                        + (f"<p class='bad'>{e(missing)}</p>" if missing else "") + figures)
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
{f'<p class="bad"><b>{e(report.incomplete)}</b></p>' if report.incomplete else ''}
{f'<p><b>{e(report.rehearsal)}</b></p>' if report.rehearsal else ''}
<p>{e(run.get('summary', ''))}</p>
<h2>Findings: {e(_headline(report))}</h2>{f'<p class="muted">{e(NOTE)}.</p>' if _estimates(report) else ''}<table><tr><th>priority</th><th>severity</th><th>scenario</th><th>step</th><th>finding</th></tr>
{rows}</table>
<h2>Recommendations</h2><ul>{recs}</ul>
{''.join(sections)}
</body></html>
"""


def _css(s: PhaseStats) -> str:
    return "" if s.holds is None else ("ok" if s.holds else "bad")


def _curves_html(scenario, plots: dict[tuple[str, str], bytes]) -> str:
    """The degradation curve: per probe, its table (the rows the markdown has, escaped for HTML
    once) and its plot."""
    if not scenario.curves:
        return ""
    e = html_text
    parts = [f"<h3>Degradation curve: {e(scenario.title)}</h3>"]
    for curve in scenario.curves:
        png = base64.b64encode(plots[(scenario.id, f"curve-{curve.probe['id']}")]).decode()
        parts.append(f"<p>{curve_heading(curve, text=e)}</p><table><tr>"
                     + "".join(f"<th>{e(c)}</th>" for c in CURVE_HEADER) + "</tr>"
                     + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in curve_rows(curve))
                     + f"</table><figure><img alt='curve {e(curve.probe['id'])}' src='data:image/png;base64,{png}'>"
                     f"</figure>")
    return "".join(parts)
