"""Which panels would show "No data", and why: series-level findings over a whole run.

Judges every selector of a present metric against the label values its series carry now
(`series.judge`), every `by (x)` label against the labels the metrics under it carry
(`series.judge_grouping`), each option of a variable, and — for a selector that selects nothing
now — when it last did within the lookback. Asks the source in a bounded number of requests,
whatever the number of queries: all label tables at once, one history lookup for the empty
selectors, and one label-names lookup for the messages of label-missing findings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Collection, Iterable, Mapping, NamedTuple, Sequence

from vertice_obs.checks import finding
from vertice_obs.errors import listing
from vertice_obs.finding import Finding, Location, panels_named
from vertice_obs.guard.text import folded
from vertice_obs.metrics.classify import (
    WHILE_FIRING,
    Evidence,
    degraded,
    drawn_since,
    human_span,
    seen_words,
)
from vertice_obs.metrics.evidence import (
    SEEN_UNTIMED,
    MetricSource,
    SourceUnavailable,
    held,
    source_reason,
)
from vertice_obs.metrics.series import (
    GroupingUse,
    LabelMatcher,
    LabelTable,
    Selector,
    SelectorUse,
    Verdict,
    judge,
    judge_grouping,
)

LABELS, HISTORY = "label values", "selector history"
VariableAt = tuple[str, "int | None", "int | None"]  # a variable's JSON path, line and column in its file
LABEL_MISSING = "metric/label-missing"
_MAX_LABEL_LOOKUPS = 50  # metrics named in one label-names request, for label-missing messages


class Judged(NamedTuple):
    findings: list[Finding]
    gone: frozenset[str] = frozenset()  # of `present`: listed by the name index, without a series now
    # (query location, metric): a name without series now whose selector there, reaching back (a range, an
    # offset, `@`), matched nothing within that reach — no series of the name drawn, whenever it was last seen
    undrawn: frozenset[tuple[Location, str]] = frozenset()


def judge_selectors(source: MetricSource, uses: Sequence[SelectorUse], evidence: Evidence,
                    groupings: Sequence[GroupingUse] = (),
                    option_uses: Callable[[], Sequence[SelectorUse]] = tuple,
                    variable_paths: Mapping[tuple[str, str], VariableAt] | None = None,
                    present: Iterable[str] = ()) -> Judged:
    """Series-level findings: selectors of present metrics that select no series, and why; `by`
    labels no series carries; options of variables that empty panels.

    `present`: names the dashboards use that the source's name index lists. Prometheus answers that
    index per head block, so a name whose series all went minutes ago stays listed for hours (on
    VictoriaMetrics, its per-day index, for the day). Each is asked in the same label-table query,
    with no label: one without a row has no series now (`Judged.gone`), found at no extra request.

    `option_uses()` makes the selectors of the variables' other options. Options change values,
    not names or labels, so the label tables `uses` need are asked for first, and `option_uses()`
    runs (once, whatever the source does) while the source works on them; a table only an option
    needs (a variable that names a metric) is asked for afterwards, in one more request. Names
    absent altogether are left to the name-level findings. A source that cannot answer degrades
    these checks alone, said once."""
    if not evidence.available:
        return Judged([])
    names = evidence.names or frozenset()
    groupings = [g for g in groupings if all(m in names for m in g.grouping.metrics)]
    anywhere = [g for g in groupings if not g.grouping.metrics]  # `label_values(label)`: over every series
    groupings = [g for g in groupings if g.grouping.metrics]
    wanted = _wanted(uses, names)
    present = {name for name in present if name in names and name not in WHILE_FIRING}
    if present:
        wanted.setdefault((), set()).update(present)
    for g in groupings:
        wanted.setdefault((g.grouping.label,), set()).update(g.grouping.metrics)
    more: list[SelectorUse] = []
    made: list[BaseException | None] = []  # once made: its error, if it raised (a bug, never the source's)

    def make() -> None:  # once, whichever of the source and this function gets to it
        if not made:
            try:
                more.extend(option_uses())
                made.append(None)
            except BaseException as exc:  # raised below as it is, not taken for the source failing
                made.append(exc)

    try:
        try:
            tables = source.label_tables(_sorted(wanted), meanwhile=make)
        finally:  # made even when the source failed: an error of its own is raised as it is
            make()
            if made[0] is not None:
                raise made[0]
        unasked = {labels: metrics - wanted.get(labels, set()) for labels, metrics in _wanted(more, names).items()}
        unasked = {labels: metrics for labels, metrics in unasked.items() if metrics}
        if unasked:
            tables.update(source.label_tables(_sorted(unasked)))
    except SourceUnavailable as exc:
        return Judged([_degraded(evidence, source, LABELS, exc, "selectors are judged by metric name only"
                                 + (", label_values(label) dropdowns not at all" if anywhere else ""))])
    # each query's names with the variables' current values: an option is not blamed for a name its own query
    # lacks with the current value too (the name's finding) — that query's, not another dashboard's (h143)
    current = {(u.location, u.selector.metric) for u in uses}
    uses = [*uses, *more]
    verdicts: list[tuple[SelectorUse, Verdict]] = []
    options: dict[tuple, list[SelectorUse]] = {}
    lacking: dict[SelectorUse, set[tuple[str, str]]] = {}  # an option's use → (metric, label) it lacks whatever the value
    # a selector repeated across panels and options is judged once (None: no table, its name has no series)
    judged: dict[Selector, list[Verdict] | None] = {}
    for use in uses:
        found = judged.get(use.selector, judged)  # `judged`: not seen yet (its labels and table looked up once)
        if found is judged:
            table = tables.get((use.selector.metric, use.selector.labels))
            found = judged[use.selector] = None if table is None else judge(use.selector, table)
        if found is None:  # a name no series has: an option naming it (`$metric`) empties its panels —
            metric = use.selector.metric  # not one the current value names too: that is the name's, not the option's
            if (use.option is not None and names and metric not in names and metric not in WHILE_FIRING
                    and (use.location, metric) not in current):
                options.setdefault((use.location.file, use.location.dashboard, use.option), []).append(use)
            continue
        if use.option is None:
            verdicts.extend((use, verdict) for verdict in found)
        elif found:  # aggregated: one finding per option, naming how many panels it empties
            options.setdefault((use.location.file, use.location.dashboard, use.option), []).append(use)
            if all(v.check == LABEL_MISSING and v.label for v in found):  # the label no series carries
                lacking.setdefault(use, set()).update((use.selector.metric, v.label) for v in found)
    out: list[Finding] = []
    grouped = _grouping_verdicts(groupings, tables)
    # a dropdown's label, asked with the empty selectors: Grafana lists the values its series carried
    # over the dashboard's time range, so one that carried it within the lookback may still fill
    listed = {(u.grouping.metrics[0], u.grouping.label): _carrying(u.grouping.metrics[0], u.grouping.label)
              for u, _ in grouped if u.grouping.variable is not None and len(u.grouping.metrics) == 1}
    told = {u.selector for u, _ in verdicts} | set(listed.values())
    # selectors of names without a series now whose window may reach their last samples: drawn only if they
    # matched within it (the name's last sample need not be theirs: `gone{region="us"} offset 1h`, h143) —
    # names the index lists without a series (`gone`), and absent ones last seen within the window
    gone = frozenset(name for name in present if (name, ()) not in tables)
    back = [u for u in uses if u.option is None and u.selector.reach and u.selector.metric not in WHILE_FIRING and (
            u.selector.metric in gone or (at := evidence.last_seen.get(u.selector.metric)) is not None
            and drawn_since(at, u.selector.reach, evidence.now))]
    history, said = _history(source, evidence, sorted(told | {u.selector for u in back}, key=str), told)
    out.extend(said)
    carried = _carried_labels(source, sorted({u.selector.metric for u, v in verdicts if v.check == LABEL_MISSING}
                                             | {metric for metric, _ in listed}))  # a dropdown's, when it is one metric
    for use, verdict in verdicts:
        if history.drawn(use.selector):
            continue
        message, extra = verdict.message, {}
        if verdict.check == LABEL_MISSING and use.selector.metric in carried:
            message += f" (its labels: {', '.join(carried[use.selector.metric]) or 'none'})"
        if use.selector in history.seen:
            message += history.say(use.selector)
            if history.seen[use.selector] is not None:
                extra["last_seen"] = history.seen[use.selector].isoformat()
        if verdict.matcher:  # the matcher that selects nothing: what the audit tells this problem apart by
            extra["matcher"] = verdict.matcher
        if verdict.failures and history.seen.get(use.selector) is None:  # never matched: none so far
            message += "; it selects failures only: none so far, and the panel shows data when there are"
            extra["failures_only"] = True
        out.append(finding(verdict.check, message, use.location, metric=use.selector.metric, query=use.query,
                           selector=str(use.selector), **extra))
    out.extend(_option_findings(options, variable_paths or {}, names, lacking))
    out.extend(_grouping_findings(grouped, carried, history, listed))
    out.extend(_listed_anywhere(source, evidence, anywhere))
    return Judged(out, gone, frozenset((u.location, u.selector.metric) for u in back
                                       if u.selector in history.seen and not history.drawn(u.selector)))


def _wanted(uses: Sequence[SelectorUse], names: frozenset[str]) -> dict[tuple[str, ...], set[str]]:
    """Label set → the present metrics selected with matchers on exactly those labels."""
    wanted: dict[tuple[str, ...], set[str]] = {}
    for use in uses:
        if use.selector.metric in names and use.selector.metric not in WHILE_FIRING:
            wanted.setdefault(use.selector.labels, set()).add(use.selector.metric)
    return wanted


def _sorted(wanted: dict[tuple[str, ...], set[str]]) -> dict[tuple[str, ...], list[str]]:
    return {labels: sorted(metrics) for labels, metrics in sorted(wanted.items())}


class _History:
    """When each empty selector last matched a series: a time, `SEEN_UNTIMED` (within the lookback,
    time not looked up), or None (never in the data the source holds)."""

    def __init__(self, evidence: Evidence, seen: dict[Selector, datetime | None], phrase: str):
        self.evidence, self.seen, self.phrase = evidence, seen, phrase

    def drawn(self, selector: Selector) -> bool:
        """Is the selector empty now yet drawn — its window (range, offset, `@`) reaching back to
        when it last matched? `max_over_time(x[3h])` of a series gone an hour ago shows it."""
        at = self.seen.get(selector)
        if at is None or not selector.reach:
            return False
        if at == SEEN_UNTIMED:  # within the lookback, time unknown
            return selector.reach >= self.evidence.lookback.total_seconds()
        return drawn_since(at, selector.reach, self.evidence.now)

    def say(self, selector: Selector) -> str:
        at = self.seen[selector]
        if at is None:
            return f"; no series matched it {self.phrase}"
        if at == SEEN_UNTIMED:
            return f"; it matched series within the last {human_span(self.evidence.lookback)}"
        return f"; it last matched a series {seen_words(at, self.evidence.now, exact='at ')}"


def _history(source: MetricSource, evidence: Evidence, empty: list[Selector],
             told: Collection[Selector]) -> tuple[_History, list[Finding]]:
    """Ask once when the empty selectors last matched; the honest window for those that never did and
    are `told` (said in a message)."""
    if not empty:
        return _History(evidence, {}, ""), []
    try:
        seen = source.selector_history(empty, evidence.lookback)
    except SourceUnavailable as exc:
        return _History(evidence, {}, ""), [_degraded(evidence, source, HISTORY, exc,
                                                      "empty selectors do not say when they last matched")]
    phrase = ""
    if any(at is None for s, at in seen.items() if s in told):
        phrase = evidence.never_seen_in(evidence.history or held(source, evidence.lookback))
    return _History(evidence, seen, phrase), []


def _option_findings(options: dict[tuple, list[SelectorUse]], paths: Mapping[tuple[str, str], VariableAt],
                     known: frozenset[str], lacking: Mapping[SelectorUse, set[tuple[str, str]]]) -> list[Finding]:
    """One finding per option that empties something, at the variable (`paths`: (file, variable) →
    its JSON path, line and column), counting panels apart from the annotations and variables whose
    queries it empties; an example selector whose name is not `known` says so. Options that all
    empty the same queries for one cause no value can mend — a label no series of the metric
    carries (`lacking`) — are one finding naming the label and the options (trial 23 L1)."""
    out: list[Finding] = []
    merged: dict[tuple, list[tuple[str, frozenset]]] = {}  # (file, dashboard, variable) → (option, its cause)
    for (file, dashboard, (variable, value)), emptied in options.items():
        cause = frozenset(pair for u in emptied for pair in lacking.get(u, {("", "")}))
        merged.setdefault((file, dashboard, variable), []).append((value, cause))
    for (file, dashboard, variable), told in sorted(merged.items()):
        causes = {cause for _, cause in told}
        if len(told) < 2 or len(causes) > 1 or ("", "") in next(iter(causes)):
            continue
        emptied = [u for value, _ in told for u in options[file, dashboard, (variable, value)]]
        panels, what, shown, at, extra = _emptied_at(emptied, paths, file, dashboard, variable)
        labels = sorted({label for _, label in next(iter(causes))})
        metrics = sorted({metric for metric, _ in next(iter(causes))})
        values = sorted(value for value, _ in told)
        out.append(finding("variable/option-no-data",
                           f"no option of ${variable} draws on {what}: {shown} — no series of {', '.join(metrics)} "
                           f"carries the label {', '.join(map(repr, labels))}, whatever the value ({len(values)} "
                           f"options: {listing([folded(repr(v), 80) for v in values], shown=8)})", at,
                           variable=variable, options=values, label=labels[0], panels=len(panels), **extra))
        for value in values:
            del options[file, dashboard, (variable, value)]
    for (file, dashboard, (variable, value)), emptied in sorted(options.items()):
        panels, what, shown, at, extra = _emptied_at(emptied, paths, file, dashboard, variable)
        out.append(finding("variable/option-no-data",
                           f"the {value!r} option of ${variable} shows No data on {what}: {shown} "
                           f"(e.g. {emptied[0].selector}"
                           f"{'' if emptied[0].selector.metric in known else ': no series has that name'})", at,
                           variable=variable, option=value, panels=len(panels), **extra))
    return out


def _emptied_at(emptied: Sequence[SelectorUse], paths: Mapping[tuple[str, str], VariableAt], file: str,
                dashboard: str | None, variable: str) -> tuple[list, str, str, Location, dict[str, Any]]:
    """The panels `emptied` holds, how many and which (`panels_named`), and the finding's place at the
    variable with its details (`others`: the annotations' and variables' queries, counted apart)."""
    panels = list(dict.fromkeys((u.location.panel, u.location.panel_id) for u in emptied
                                if u.location.panel is not None or u.location.panel_id is not None))
    others = list(dict.fromkeys(u.location.target or "?" for u in emptied
                                if u.location.panel is None and u.location.panel_id is None))
    what, shown = panels_named(panels, others)
    at, extra = at_variable(paths, file, dashboard, variable)
    if others:
        extra["others"] = len(others)
    return panels, what, shown, at, extra


def at_variable(paths: Mapping[tuple[str, str], VariableAt], file: str, dashboard: str | None,
                variable: str) -> tuple[Location, dict[str, Any]]:
    """Where a finding about a variable stands — its definition's line and column (`paths`: (file,
    variable) → its JSON path, line and column) — and its JSON path for the finding's details;
    without a line, the caller places it at that path."""
    extra: dict[str, Any] = {}
    line = column = None
    if (file, variable) in paths:
        extra["json_path"], line, column = paths[file, variable]
    return Location(file=file, line=line, column=column, dashboard=dashboard, target=f"variable {variable}"), extra


def _grouping_verdicts(groupings: Sequence[GroupingUse], tables: dict[tuple[str, tuple[str, ...]], LabelTable]
                       ) -> list[tuple[GroupingUse, Verdict]]:
    out, said = [], set()
    for use in groupings:
        label = use.grouping.label
        verdict = judge_grouping(use.grouping, {m: tables[(m, (label,))] for m in use.grouping.metrics
                                                if (m, (label,)) in tables})
        key = (use.location, use.grouping)
        if verdict is not None and key not in said:
            said.add(key)
            out.append((use, verdict))
    return out


def _carrying(metric: str, label: str) -> Selector:
    """The series of `metric` that carry `label`: `metric{label!=""}`."""
    return Selector(metric, (LabelMatcher(label, "!=", ""),))


def _grouping_findings(grouped: list[tuple[GroupingUse, Verdict]], carried: Mapping[str, list[str]],
                       history: _History, listed: Mapping[tuple[str, str], Selector]) -> list[Finding]:
    """A `by` label no series carries; a variable's `label_values` label none does now (with the
    metric's labels, when it is one metric and they were looked up, and when its series last
    carried it within the lookback)."""
    out = []
    for use, verdict in grouped:
        message, extra = verdict.message, {}
        if use.grouping.variable is not None:
            extra["variable"] = use.grouping.variable
            metrics = use.grouping.metrics
            carrying = listed.get((metrics[0], use.grouping.label))
            seen = history.seen.get(carrying) if carrying is not None else None
            if seen is None:  # never within the lookback (or not asked): nothing to list, whatever the range
                message += ": its dropdown stays empty"
            else:  # a dashboard whose time range reaches back to then still lists values
                message += (" now; its series carried it " + (f"within the last {human_span(history.evidence.lookback)}"
                            if seen == SEEN_UNTIMED else seen_words(seen, history.evidence.now, exact="at "))
                            + ": its dropdown lists nothing for a time range after that")
                if seen != SEEN_UNTIMED:
                    extra["last_seen"] = seen.isoformat()
            if len(metrics) == 1 and metrics[0] in carried:
                message += f" (the labels of {metrics[0]}: {', '.join(carried[metrics[0]]) or 'none'})"
        out.append(finding(verdict.check, message, use.location, metric=use.grouping.metrics[0],
                           query=use.query, label=use.grouping.label, **extra))
    return out


def _listed_anywhere(source: MetricSource, evidence: Evidence, uses: list[GroupingUse]) -> list[Finding]:
    """A dropdown listing a label over every series (`label_values(label)`, or a selector naming no
    metric) whose label no series carried within the lookback: empty, whatever the time range.
    One request (the label names over the lookback), only when there is such a dropdown."""
    if not uses:
        return []
    try:
        carried = source.labels_within(evidence.lookback)
    except SourceUnavailable as exc:
        return [_degraded(evidence, source, "label names", exc, "label_values(label) dropdowns are not judged")]
    empty = [use for use in uses if use.grouping.label not in carried]
    if not empty:
        return []
    if evidence.timeless:  # relabelling and external labels are no exporter's, so often not in a catalog
        where = (f"no metric of {evidence.source} carries it (list it in common_labels if relabelling or "
                 "external labels set it)")
    else:  # the honest window, asked once whatever the number of dropdowns (and its failure said once)
        where = f"no series carried it {evidence.never_seen_in(evidence.history or held(source, evidence.lookback))}"
    out = []
    for use in empty:
        label = use.grouping.label
        out.append(finding("variable/label-missing", f"${use.grouping.variable} lists the values of {label!r} "
                           f"(label_values), but {where}: its dropdown stays empty", use.location, query=use.query,
                           label=label, variable=use.grouping.variable))
    return out


def _carried_labels(source: MetricSource, metrics: list[str]) -> dict[str, list[str]]:
    """The labels each metric's series carry, for the label-missing message (one request, bounded)."""
    try:
        return source.label_names(metrics[:_MAX_LABEL_LOOKUPS])
    except SourceUnavailable:
        return {}


def _degraded(evidence: Evidence, source: MetricSource, capability: str, exc: SourceUnavailable, so: str) -> Finding:
    return degraded(evidence, capability, f"{source_reason(exc, source)}; {so}")
