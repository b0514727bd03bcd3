"""Is this JSON a Chaos Day journal the report can read? One precise reason when it is not.

A journal is written by `vobs chaos run`, but a report may be asked of any file: hand-edited,
truncated, from another version, or hostile. Every field the report reads is checked here first,
so that a bad journal is one line naming the field (`scenarios[0].steps[1].phases.fault: …`),
never a `KeyError` from deep inside the arithmetic or a plot library failing on `inf`. Ids are
checked too because they name plot files (and are joined through `guard.paths.safe_join` anyway).
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

PHASES = ("baseline", "fault", "recover")
# The newest journal format this reads; 1 (no `schema_version`) is before scrape intervals. Fields added
# within 2 are optional (a probe's `buckets`, the `annotate`/`annotate-failed` events' `step`, `phase`,
# `dashboard(s)` and `tags`); 3 added a step's `cut_short`, `settle_from`, each probe's `window_seconds`
# and the revert events' attempts — a reader of 2 refuses 3 rather than judge a cut-short step as whole;
# within 3, the inject events' `by_hand` (optional: the command that reverts the fault, for a run killed mid-fault).
SCHEMA_VERSION = 3
# Where a run's stop can cut a step short (its position's phase) → the phase measured in part.
CUT_PHASE = {"baseline": "baseline", "inject": "fault", "hold": "fault", "recover": "recover"}
OPS = ("<", "<=", ">", ">=")
MAX_ABS = 1e15  # larger values are not measurements; they would only break the plots
MAX_BUCKETS = 1000  # a histogram's bucket bounds: Prometheus' native histograms aside, never near this
MAX_STEP_SECONDS = 31 * 86400  # a longer step is no Chaos Day's; its plots could not be drawn
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


class MalformedJournal(ValueError):
    """The journal lacks a field the report needs, or has one of the wrong type."""


def check_journal(journal: Any) -> None:
    """Raise `MalformedJournal` naming the first field the report could not use."""
    _dict(journal, "the journal")
    _dict(journal.get("run"), "run")
    version = journal.get("schema_version", 1)
    if isinstance(version, bool) or not isinstance(version, int):
        raise MalformedJournal(f"schema_version must be a whole number (1 to {SCHEMA_VERSION}), not {_shown(version)}")
    if not 1 <= version <= SCHEMA_VERSION:
        raise MalformedJournal(f"schema_version: {_shown(version)} is not one this vobs reads (1 to {SCHEMA_VERSION}); "
                               "a newer vobs wrote it?")
    for key in ("status", "started", "ended"):
        if key in journal:
            _str(journal[key], key)
    for key in ("settle_seconds", "window_seconds", "time_scale"):
        if key in journal:
            _number(journal[key], key, minimum=0.0)
    if journal.get("settle_from", "file") not in ("file", "window"):
        raise MalformedJournal(f"settle_from: expected file or window, not {_shown(journal['settle_from'])}")
    for i, event in enumerate(_list(journal.get("events", []), "events")):
        _dict(event, f"events[{i}]")  # the report reads the error events' messages
    for i, scenario in enumerate(_list(journal.get("scenarios"), "scenarios")):
        _scenario(scenario, f"scenarios[{i}]")
    for i, planned in enumerate(_list(journal.get("plan", []), "plan")):  # what was to run: names what did not
        _dict(planned, f"plan[{i}]")
        _id(planned.get("id"), f"plan[{i}].id")
        for j, label in enumerate(_list(planned.get("steps"), f"plan[{i}].steps")):
            _str(label, f"plan[{i}].steps[{j}]")


def _scenario(raw: Any, at: str) -> None:
    _dict(raw, at)
    _id(raw.get("id"), f"{at}.id")
    _str(raw.get("title"), f"{at}.title")
    _str(raw.get("kind"), f"{at}.kind")
    probes = []
    for j, probe in enumerate(_list(raw.get("probes"), f"{at}.probes")):
        where = f"{at}.probes[{j}]"
        _dict(probe, where)
        _id(probe.get("id"), f"{where}.id")
        for key in ("query", "unit"):
            _str(probe.get(key), f"{where}.{key}")
        if "title" in probe:
            _str(probe["title"], f"{where}.title")
        threshold = _dict(probe.get("threshold"), f"{where}.threshold")
        if threshold.get("op") not in OPS:
            raise MalformedJournal(f"{where}.threshold.op: expected one of {', '.join(OPS)}, "
                                   f"not {_shown(threshold.get('op'))}")
        _number(threshold.get("value"), f"{where}.threshold.value")
        for key in ("recover_within_seconds", "scrape_interval_seconds", "window_seconds"):
            if key in probe:
                _number(probe[key], f"{where}.{key}", minimum=0.0)
        if "buckets" in probe:  # a histogram quantile's finite bucket bounds, ascending
            bounds = _list(probe["buckets"], f"{where}.buckets")
            for n, bound in enumerate(bounds[:MAX_BUCKETS + 1]):
                _number(bound, f"{where}.buckets[{n}]")
            if len(bounds) > MAX_BUCKETS or any(b >= a for a, b in zip(bounds[1:], bounds)):
                raise MalformedJournal(f"{where}.buckets: expected at most {MAX_BUCKETS} bucket bounds, ascending")
        probes.append(probe["id"])
    for k, e in enumerate(_list(raw.get("expectations", []), f"{at}.expectations")):
        where = f"{at}.expectations[{k}]"
        _dict(e, where)
        if e.get("probe") not in probes:
            raise MalformedJournal(f"{where}.probe: {_shown(e.get('probe'))} is not a probe of this scenario")
        if e.get("phase") not in PHASES:
            raise MalformedJournal(f"{where}.phase: expected one of {', '.join(PHASES)}")
        if "breaks" in e:
            if e["breaks"] is not True or "holds" in e:
                raise MalformedJournal(f"{where}.breaks: expected true (and no `holds`), not {_shown(e['breaks'])}")
        elif not isinstance(e.get("holds"), bool):
            raise MalformedJournal(f"{where}.holds: expected true or false, not {_shown(e.get('holds'))}")
        if "why" in e:
            _str(e["why"], f"{where}.why")
    for t, step in enumerate(_list(raw.get("steps"), f"{at}.steps")):
        _step(step, f"{at}.steps[{t}]", probes)


def _step(step: Any, at: str, probes: list[str]) -> None:
    _dict(step, at)
    _str(step.get("label"), f"{at}.label")
    if "level_seconds" in step:
        _number(step["level_seconds"], f"{at}.level_seconds", minimum=0.0)
    phases = _dict(step.get("phases"), f"{at}.phases")
    moments: list[tuple[str, float]] = []  # (where, when) in the order the run wrote them
    for phase in PHASES:
        window = phases.get(phase)
        if not (isinstance(window, list) and len(window) == 2):
            raise MalformedJournal(f"{at}.phases.{phase}: expected [start, end] as ISO times")
        moments += [(f"{at}.phases.{phase} {end}", _moment(moment, f"{at}.phases.{phase}"))
                    for end, moment in zip(("start", "end"), window)]
    for (before, earlier), (after, later) in zip(moments, moments[1:]):
        if later < earlier:  # the run writes each phase's start, then its end, then the next phase
            raise MalformedJournal(f"{after} is before {before.rsplit('.', 1)[-1]}: phases run baseline, "
                                   "fault, recover, each from its start to its end (hand-edited, or the clock stepped back "
                                   "during the run?)")
    if moments[-1][1] - moments[0][1] > MAX_STEP_SECONDS:
        raise MalformedJournal(f"{at}.phases: the step spans {(moments[-1][1] - moments[0][1]) / 86400:,.0f} days; "
                               f"a step of a Chaos Day lasts at most {MAX_STEP_SECONDS // 86400} days")
    if "cut_short" in step:  # the run's stop cut this step short: where, and when
        cut = _dict(step["cut_short"], f"{at}.cut_short")
        if not isinstance(cut.get("during"), str) or cut["during"] not in CUT_PHASE:
            raise MalformedJournal(f"{at}.cut_short.during: expected one of {', '.join(CUT_PHASE)}, "
                                   f"not {_shown(cut.get('during'))}")
        _moment(cut.get("at"), f"{at}.cut_short.at")
    for phase, why in _dict(step.get("unmeasured", {}), f"{at}.unmeasured").items():
        if phase not in PHASES:
            raise MalformedJournal(f"{at}.unmeasured: {_shown(phase)} is not a phase ({', '.join(PHASES)})")
        _str(why, f"{at}.unmeasured.{phase}")
    measured = _dict(step.get("probes"), f"{at}.probes")
    for pid in probes:
        series = _list(_dict(measured.get(pid), f"{at}.probes.{pid}").get("series"), f"{at}.probes.{pid}.series")
        for n, sample in enumerate(series):
            if not (isinstance(sample, list) and len(sample) == 2):
                raise MalformedJournal(f"{at}.probes.{pid}.series[{n}]: expected [time, value]")
            _number(sample[0], f"{at}.probes.{pid}.series[{n}] time", minimum=0.0)
            if sample[1] is not None:  # null: Prometheus answered NaN or ±Inf (JSON has neither)
                _number(sample[1], f"{at}.probes.{pid}.series[{n}] value", nan_ok=True)


def _moment(value: Any, at: str) -> float:
    """An ISO time with its UTC offset (as the run writes it), as a POSIX timestamp. A time without
    an offset would be read in this machine's zone: another place on the plots than the samples'."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise MalformedJournal(f"{at}: {_shown(value)} is not an ISO time") from None
    if moment.utcoffset() is None:
        raise MalformedJournal(f"{at}: {_shown(value)} has no UTC offset (the run writes e.g. +00:00)")
    return moment.timestamp()


def _shown(value: Any) -> str:
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print
        return f"<{type(value).__name__} too large to show>"
    return text if len(text) <= 60 else text[:60] + "…"


def _dict(value: Any, at: str) -> dict:
    if not isinstance(value, dict):
        raise MalformedJournal(f"{at}: expected an object, not {type(value).__name__}")
    return value


def _list(value: Any, at: str) -> list:
    if not isinstance(value, list):
        raise MalformedJournal(f"{at}: expected a list, not {type(value).__name__}")
    return value


def _str(value: Any, at: str) -> None:
    if not isinstance(value, str):
        raise MalformedJournal(f"{at}: expected text, not {type(value).__name__}")


def _id(value: Any, at: str) -> None:
    if not isinstance(value, str) or not _ID.fullmatch(value) or ".." in value:
        raise MalformedJournal(f"{at}: {_shown(value)} is not an id (letters, digits, '-', '_', '.'; it names files)")


def _number(value: Any, at: str, minimum: float = -MAX_ABS, nan_ok: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MalformedJournal(f"{at}: expected a number, not {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if math.isnan(number) and nan_ok:
        return  # a quantile of nothing: no data, which the report already handles
    if not (minimum <= number <= MAX_ABS):
        raise MalformedJournal(f"{at}: {_shown(value)} is not a finite number in [{minimum:g}, {MAX_ABS:g}]")
