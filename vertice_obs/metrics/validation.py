"""Metric validation of dashboard JSON: inventory → interpolate → extract → gather → classify.

`collect` is pure (dashboards in, uses and findings out); `validate` adds the one call to a
metric source. `load_dashboard_files` is the filesystem edge: any folder of Grafana dashboard
JSON — exports/, a `vobs pull`, or files saved from Grafana's UI or API.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import timedelta
from itertools import islice, product
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from vertice_obs.build.exports import MANIFEST
from vertice_obs.checks import finding
from vertice_obs.checks.datasources import Backend
from vertice_obs.errors import InputError, os_reason
from vertice_obs.files import NotAFile, read_regular
from vertice_obs.finding import Finding, Location, Severity
from vertice_obs.guard.paths import json_files
from vertice_obs.jsonpos import Positions, classic_of, dashboard_in, unreadable
from vertice_obs.jsonpos.strict import parse_json
from vertice_obs.located_yaml import decode_text
from vertice_obs.metrics.adhoc import adhoc_filters, filters_for
from vertice_obs.metrics.analysis import (
    QueryFacts,
    clear_caches,
    option_selectors,
    query_facts,
)
from vertice_obs.metrics.catalog import MetricCatalog
from vertice_obs.metrics.classify import Evidence, MetricUse, classify, types_by_name
from vertice_obs.metrics.empty_dropdowns import Dashboard, dashboard_of, judge_empty
from vertice_obs.metrics.evidence import (
    MetricSource,
    gather,
    gone_now,
    incomplete,
    with_history,
)
from vertice_obs.metrics.extract import uses_of
from vertice_obs.metrics.fills import (
    Fills,
    filled_panels,
    unknown_in,
    unknown_values,
    variable_paths,
    with_fills,
)
from vertice_obs.metrics.interpolate import (
    Variable,
    mentions,
    variable_options,
    variables_from_dashboard,
)
from vertice_obs.metrics.inventory import (
    Query,
    dashboard_uid,
    inventory,
    inventory_and_model,
    sanitize,
)
from vertice_obs.metrics.lints import LintFacts
from vertice_obs.metrics.nodata import VariableAt, judge_selectors
from vertice_obs.metrics.series import GroupingUse, SelectorUse


@dataclass(frozen=True)
class DashboardFile:
    file: str  # as shown to the user
    model: dict[str, Any]
    text: str = field(repr=False, default="")
    root: str = ""  # JSON pointer of the model in `text`: "/dashboard" in Grafana's API shape
    # a schema v2 dashboard read as the classic model: classic pointer → the v2 text's (`jsonpos.classic_of`)
    places: Mapping[str, str] | None = field(default=None, repr=False, compare=False)

    def positions(self) -> Positions | None:
        """Where each value of the model is written in the file. Read again on each call (under 1 ms
        for a 27 KB file), not kept: the positions of 1,000 dashboards would hold ~150 MB all run."""
        if not self.text:
            return None
        return Positions(self.text).translated(self.places) if self.places is not None else \
            Positions(self.text).within(self.root)

    @property
    def uid(self) -> str:
        uid = dashboard_uid(self.model)
        return self.file if uid == "?" else uid

    @property
    def narratives(self) -> tuple[str, ...]:
        tags = self.model.get("tags")
        return tuple(t.split(":", 1)[1] for t in (tags if isinstance(tags, list) else []) if isinstance(t, str)
                     and t.startswith("narrative:"))


# A query to judge again under each option of the variables it uses: (query, the dashboard's
# variables, each variable's options).
Pending = tuple[Query, dict[str, Variable], dict[str, tuple[str, ...]]]


@dataclass
class Collected:
    uses: list[MetricUse]
    findings: list[Finding]
    queries: int
    dashboards: int
    selectors: list[SelectorUse] = field(default_factory=list)  # for series-level checks
    groupings: list[GroupingUse] = field(default_factory=list)  # `by (x)` labels, for series-level checks
    # The queries to judge again under each option of a variable they use: made only when a source
    # judges selectors (`option_selectors`), while the label tables are being fetched.
    pending: list[Pending] = field(default_factory=list)
    options: list[SelectorUse] | None = None  # made from `pending`, once
    # (file, variable) → the variable's JSON path, and its line and column when the file's text is known
    variable_paths: dict[tuple[str, str], VariableAt] = field(default_factory=dict)
    # Option selectors made already, for the queries after those of `pending` (`metrics.parallel`:
    # a worker makes its part's while its shape caches are warm)
    ready: list[SelectorUse] = field(default_factory=list)
    fills: Fills = field(default_factory=dict)  # (file, variable) → the panels it fills (`metrics.fills`)
    dropdowns: dict[str, Dashboard] = field(default_factory=dict)  # file → its dropdowns, judged when empty

    def option_selectors(self) -> list[SelectorUse]:
        """The pending queries' selectors under each option (other than the current value) of each
        variable they use, then those `ready`, in query order — made once (a second validation gets
        the same), then the run's shape caches are dropped."""
        if self.options is None:
            self.options = [use for query, variables, options in self.pending
                            for use in _option_uses(query, variables, options)] + self.ready
            self.pending, self.ready = [], []
            clear_caches()  # the shapes of one run: ~50 MB at 20,000 distinct queries
        return self.options

    def with_options_made(self) -> Collected:
        """This, its option selectors made now and kept as `ready` (for a part collected elsewhere)."""
        self.ready, self.options = self.option_selectors(), None
        return self


@dataclass
class ValidationResult:
    findings: list[Finding]
    evidence: Evidence
    queries: int
    dashboards: int
    uses: int
    checked: bool = True  # False: no metric source at all — existence was not checked (said once)
    names: int = 0  # distinct metric names the queries name (patterns aside), checked or not
    excluded: int = 0  # findings a `.vobs-lint.yaml` exclusion switched off (set by the CLI)

    @property
    def unreadable(self) -> int:
        return sum(f.check == "file/invalid" for f in self.findings)

    @property
    def skipped(self) -> int:
        """Paths read but not checked (`input/skipped`: a FIFO, a schema v2 dashboard, …)."""
        return sum(f.check == "input/skipped" for f in self.findings)


def load_dashboard_files(paths: Sequence[Path], display: Callable[[Path], str] = str,
                         findings: list[Finding] | None = None) -> list[DashboardFile]:
    """Every dashboard JSON under `paths` (files or folders, recursively; manifests skipped).

    Accepts a bare dashboard model, Grafana's API shape `{"dashboard": …, "meta": …}`, a save body or
    a Grafana 12 dashboard resource (`dashboard_in`), or a schema v2 one read as the classic model
    (`classic_of`, its findings at the v2 text's lines); a Grafana dashboard none of these (a list of
    dashboards, a resource of an unknown version) is skipped with an `input/skipped` warning at its line, in a folder too,
    while other JSON met in a folder (a rules file) is passed over quietly. A FIFO,
    socket or device (named, or met in a folder) is never opened — it would hang the run — but
    skipped (`input/skipped`). JSON that Grafana would refuse (NaN, 1e999, a lone surrogate) is
    read anyway and reported at its line (`input/json`). A file that cannot be read or is not JSON
    is one `file/invalid` error at its line and column, and every other file is still read. All go
    to `findings`. Folders are walked as `guard.paths.json_files` walks them: a symlinked folder is
    not entered, a symlinked file leading out of the folder not read (`input/skipped`, each)."""
    findings = findings if findings is not None else []
    files: list[Path] = []
    named: set[Path] = set()  # files named themselves, not met in a folder
    for path in paths:
        if path.is_dir():
            found, passed = json_files(path, (MANIFEST,))
            files.extend(found)
            findings.extend(finding("input/skipped", f"{why} (name it to check it)", Location(file=display(link)))
                            for link, why in passed)
        elif os.path.lexists(path):
            files.append(path)
            named.add(path)
        else:
            raise InputError(f"no such file or directory: {path}")
    out = []
    for path in _once(files):
        shown = display(path)
        try:
            raw = read_regular(path, shown)
            text = decode_text(raw, shown, keep_bom=True)  # not UTF-8: one error at the first bad byte's line
            notes: list[tuple[int | None, int | None, str]] = []
            data = parse_json(text, shown, notes)  # a byte-order mark: noted, read past (Positions skips it)
        except NotAFile as exc:
            findings.append(finding("input/skipped", f"{exc.message}: skipped", Location(file=shown)))
            continue
        except InputError as exc:  # this file alone: every other file is still checked
            findings.append(finding("file/invalid", exc.message, Location(file=shown, line=exc.line,
                                                                          column=exc.column)))
            continue
        except OSError as exc:  # unreadable (permissions, vanished, a directory loop): this file alone
            findings.append(finding("file/invalid", f"cannot be read: {os_reason(exc)}", Location(file=shown)))
            continue
        findings.extend(finding("input/json", message, Location(file=shown, line=line, column=column))
                        for line, column, message in notes)
        document = data
        data, root = dashboard_in(document)
        v2 = classic_of(document)
        if v2 is not None:  # schema v2: read as the classic model, its findings placed in the v2 text
            out.append(DashboardFile(shown, v2[0], text, "", v2[1]))
            continue
        if not isinstance(data, dict) or not ("panels" in data or "rows" in data or "templating" in data):
            why = unreadable(document)
            if why is not None:  # a dashboard vobs cannot read (schema v2, a list of them): said, wherever it is
                line, column = Positions(text).near(why[1])
                findings.append(finding("input/skipped", f"{why[0]}: skipped",
                                        Location(file=shown, line=line, column=column)))
            elif path in named:  # asked for by name: say why nothing was checked (in a folder: a rules file, say)
                findings.append(finding("input/skipped", "not a Grafana dashboard (no panels, rows or templating): "
                                        "skipped", Location(file=shown)))
            continue
        out.append(DashboardFile(shown, data, text, root))
    return out


def _once(files: list[Path]) -> list[Path]:
    """`files` without a second name for a file already listed (named twice, a folder and a file in
    it, `a/../a/x.json`, a symlink beside its target): one file is one dashboard, read once —
    two of its names would report its uid as duplicated by itself."""
    seen: set[str] = set()
    out = []
    for path in files:
        try:
            key = os.path.realpath(path)
        except (OSError, ValueError):  # unresolvable: read as named, its own error follows
            key = f"\0{path}"
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out


def collect(dashboards: Iterable[DashboardFile], on_dashboard: Callable[[str], None] | None = None,
            share_shapes: bool = True,
            per_dashboard: Callable[[DashboardFile, list[Query], list[LintFacts | None]], list[Finding]] | None = None,
            options: bool = True, backend: Backend | None = None) -> Collected:
    """Inventory every dashboard and extract its metric uses. Pure (but for its caches).

    `share_shapes=False` parses every query in full, for benchmarks that want the worst case.
    `options=False`: nothing will judge the variables' options (only the findings are wanted), so
    no query is kept for them and the caches are dropped at once.
    `per_dashboard` (e.g. the lint pass) sees each dashboard with its located queries and what their
    parse said for the lints: one read of the positions, one inventory and one parse per query,
    whoever needs them. `backend`: the server the run checks against (None offline): where it is a
    VictoriaMetrics, valid MetricsQL is no parse error."""
    uses: list[MetricUse] = []
    findings: list[Finding] = []
    selectors: list[SelectorUse] = []
    groupings: list[GroupingUse] = []
    pending: list[Pending] = []
    paths: dict[tuple[str, str], VariableAt] = {}
    fills: Fills = {}
    dropdowns: dict[str, Dashboard] = {}
    queries = count = 0
    for dashboard in dashboards:
        count += 1
        positions = dashboard.positions()
        found, infos, model = inventory_and_model(dashboard.model, dashboard.file, positions)  # cleaned once
        findings.extend(infos)
        variables = variables_from_dashboard(model)
        choices = variable_options(model)
        filters = adhoc_filters(model)
        known: list[LintFacts | None] = []
        located = False
        unknown: dict[str, list[Query]] = {}  # a variable nothing is known about → the queries it fills
        for query in found:
            queries += 1
            adhoc = filters_for(filters, query.source) if filters and query.kind == "panel" else ()
            copies = _copies(query, variables, choices) if query.repeat else None
            facts, copied = (query_facts(query, variables, shapes=share_shapes, adhoc=adhoc, backend=backend), None) \
                if copies is None else _copy_facts(query, copies, share_shapes, adhoc, backend)
            known.append(facts.lint)
            if not query.runs:  # Grafana never runs it: nothing it would select is judged, a parse error is noted
                findings.extend(_not_run(f) for f in facts.findings)
                continue
            uses.extend(facts.uses)
            findings.extend(facts.findings)
            if not facts.findings:
                selectors.extend(facts.selectors if copied is None else copied)
                groupings.extend(facts.groupings)
                if options and any(mentions(query.expr, name) for name in choices):
                    pending.append((query, variables, choices))
                    if not located:  # the variables' places, once a dashboard
                        paths.update(variable_paths(dashboard.file, dashboard.model, choices, positions))
                        located = True
                for name in unknown_in(query, variables):
                    unknown.setdefault(name, []).append(query)
        if unknown:
            findings.extend(unknown_values(dashboard.file, dashboard.model, unknown, variables, positions))
        running = [q for q in found if q.runs]  # a hidden query Grafana never runs empties no panel
        fills.update(filled_panels(dashboard.file, running))
        if (dropped := dashboard_of(dashboard.file, model, running, variables, filters)) is not None:
            dropdowns[dashboard.file] = dropped
        if per_dashboard is not None:  # placed while this file's positions are at hand
            findings.extend(_placed(f, positions) for f in per_dashboard(dashboard, found, known))
        if on_dashboard:
            on_dashboard(dashboard.file)
    if not pending:
        clear_caches()  # the shapes of one run: ~50 MB at 20,000 distinct queries, not needed past here
    return Collected(uses, findings, queries, count, selectors, groupings, pending, variable_paths=paths, fills=fills,
                     dropdowns=dropdowns)


def _not_run(f: Finding) -> Finding:
    """A finding about a query Grafana never runs (`Query.runs`), as info: the panel draws without it."""
    return Finding(f.check, Severity.INFO, f"hidden query, which Grafana does not run: {f.message}", f.location,
                   f.metric, tuple(sorted(dict(f.details, hidden=True).items())))


MAX_COPIES = 100  # copies of one repeated panel judged (Grafana draws them all; a dashboard of 10,000 is a mistake)


def _copies(query: Query, variables: dict[str, Variable],
            choices: dict[str, tuple[str, ...]]) -> list[dict[str, Variable]] | None:
    """The variables of each copy Grafana draws of a repeated panel — one value of each variable it
    repeats by, as the copy's `$job` holds one value, not the alternation of all — or None: one copy.
    "All" repeats over the options."""
    several = []
    for name in query.repeat:
        v = variables.get(name)
        if v is None:
            continue
        values = choices.get(name, ()) if v.chosen_all and len(v.values) <= 1 else v.values  # All: no values saved
        if len(values) > 1:
            several.append((v, values))
    if not several:
        return None
    combos = islice(product(*(values for _, values in several)), MAX_COPIES)
    return [{**variables, **{v.name: v.picked(x) for (v, _), x in zip(several, combo)}} for combo in combos]


def _copy_facts(query: Query, copies: list[dict[str, Variable]], share_shapes: bool, adhoc: tuple,
                backend: Backend | None) -> tuple[QueryFacts, list[SelectorUse]]:
    """A repeated panel's query as Grafana sends it, a copy at a time — never with the alternation or
    allValue of the variable it repeats by (an allValue `\\d+` refused in `"$env"` is no copy's, h143):
    the facts of the first copy Prometheus would refuse, else of the first; and each copy's selectors,
    once each (a copy whose selector selects nothing is a panel with No data)."""
    first = refused = None
    out: dict[object, SelectorUse] = {}
    for chosen in copies:
        facts = query_facts(query, chosen, shapes=share_shapes, adhoc=adhoc, backend=backend)
        first, refused = first or facts, refused or (facts if facts.findings else None)
        for use in facts.selectors:
            out.setdefault(use.selector, use)
    return refused or first, list(out.values())


def _option_uses(query, variables: dict[str, Variable], options: dict[str, tuple[str, ...]]) -> list[SelectorUse]:
    """The query's selectors under each option of each variable it uses (other than the current one)."""
    out = []
    for name, values in options.items():
        if mentions(query.expr, name):
            current = variables.get(name)
            out.extend(option_selectors(query, variables, name,  # not the current value: judged already
                                        [v for v in values if current is None or current.values != (v,)]))
    return out


def validate(collected: Collected, source: MetricSource | None, catalog: MetricCatalog | None,
             lookback: timedelta) -> ValidationResult:
    """Judge the collected uses against `source`. Without a source (no Prometheus, no catalog) the
    findings that need none — parse errors, unreadable files, lints — are the result."""
    referenced = {u.metric for u in collected.uses if not u.is_pattern}
    if source is None:
        clear_caches()  # no options to judge: nothing judges selectors
        evidence = Evidence(source="no metric source", names=None)
        return ValidationResult(collected.findings + types_by_name(collected.uses), evidence, collected.queries,
                                collected.dashboards, len(collected.uses), checked=False, names=len(referenced))
    evidence = gather(source, referenced, lookback)
    # listed names are confirmed to have a series now in the label tables' one query (not a catalog's)
    series, gone, undrawn = judge_selectors(source, collected.selectors, evidence, collected.groupings,
                                   option_uses=collected.option_selectors, variable_paths=collected.variable_paths,
                                   present=() if evidence.timeless else referenced)
    clear_caches()  # when the source could not judge selectors, the options were never made (they still can be)
    evidence = replace(with_history(gone_now(evidence, source, gone), source, lookback, collected.uses), undrawn=undrawn)
    judged = classify(collected.uses, evidence, catalog) + series
    empty = judge_empty(source, evidence, judged, collected.dropdowns)  # what an empty dropdown leaves
    judged = with_fills(judged, collected.fills, empty)
    known = [f for f in collected.findings if f.check != "variable/value-unknown"  # judged with its empty value
             or not empty.judged(f.location.file or "", dict(f.details).get("variable"))]
    return ValidationResult(known + judged + incomplete(source, evidence, judged), evidence,
                            collected.queries, collected.dashboards, len(collected.uses), names=len(referenced))


def narratives_of(dashboards: Iterable[DashboardFile]) -> dict[str, tuple[str, ...]]:
    return {d.uid: d.narratives for d in dashboards}


def query_inventory(file: str, model: dict) -> dict:
    """Dashboard → panels → queries → metrics (and parse errors): the `inventory.json` of `vobs pull`."""
    queries, _ = inventory(model, file)
    variables = variables_from_dashboard(sanitize(model)[0])
    panels: dict = {}
    for q in queries:
        uses, findings = uses_of(q, variables)
        key = q.location.panel if q.location.panel is not None else q.location.target
        panels.setdefault(key, []).append({"target": q.location.target, "expr": q.expr,
                                           "metrics": sorted({u.metric for u in uses}),
                                           "errors": [f.message for f in findings]})
    return {"uid": model.get("uid"), "title": model.get("title"), "file": file,
            "panels": [{"panel": k, "queries": v} for k, v in panels.items()]}


def at_json_paths(findings: Iterable[Finding], dashboards: Iterable[DashboardFile]) -> list[Finding]:
    """Give a line and column to findings that name a JSON path (`details.json_path`, e.g. the
    structural lints) but no line yet — from the same position reader as every query's place."""
    findings = list(findings)
    wanted: dict[str | None, list[int]] = {}
    for i, f in enumerate(findings):
        if f.location.line is None and "json_path" in dict(f.details):
            wanted.setdefault(f.location.file, []).append(i)
    for d in dashboards:  # one file's positions at a time: all of them at once held ~30 MB per 1,000 files
        if d.file in wanted:
            where = d.positions()
            for i in wanted[d.file]:
                findings[i] = _placed(findings[i], where)
    return findings


def _placed(f: Finding, where: Positions | None) -> Finding:
    """`f` at its `json_path`'s line and column in `where` (its file's positions), if it has no line."""
    if where is None or f.location.line is not None:
        return f
    path = dict(f.details).get("json_path")
    if not isinstance(path, str):
        return f
    line, column = where.near(path)
    return f.at(line, column)

