"""The Chaos Day report's arithmetic pinned at its edges, in process, with hand-built journals and
fixed expected values: every threshold operator at its boundary, every severity boundary, every
recovery state (and the samples exactly on a phase's edge that decide it), what each kind of
finding says about its expectation, and the curve's table. Written against the mutants mutmut
found alive (`scripts/mutation`, README "Mutation testing"): each test here fails on at least one
of them."""

from __future__ import annotations

import html
from datetime import datetime, timezone

import pytest

from vertice_obs.chaos.analysis import (
    PhaseStats,
    Recovery,
    ScenarioResult,
    _no_data_reason,
    _ratio_magnitude,
    _secs,
    analyse_scenario,
    holds,
    magnitude_of,
    num,
    phase_stats,
    priority,
    recovery_of,
    severity,
)
from vertice_obs.chaos.curve import Curve, Point, curve_markdown, curves, step_levels

T0 = 1_700_000_000.0
LAT = {"id": "lat", "unit": "s", "threshold": {"op": "<", "value": 1.0}}  # no title: the id stands in


def iso(offset: float) -> str:
    return datetime.fromtimestamp(T0 + offset, tz=timezone.utc).isoformat()


def step(series, label="1s", recover_end=30.0, probe="lat"):
    """Baseline 0–10 s, fault 10–20 s, recover 20–`recover_end` s; `series` as (offset, value)."""
    return {"label": label,
            "phases": {"baseline": [iso(0), iso(10)], "fault": [iso(10), iso(20)], "recover": [iso(20), iso(recover_end)]},
            "probes": {probe: {"series": [[T0 + t, v] for t, v in series]}}}


def scenario(steps, probe=LAT, expectations=None):
    raw = {"id": "s", "probes": [probe], "steps": steps}
    if expectations is not None:
        raw["expectations"] = expectations
    return raw


def fields(d):
    return (d.order, d.scenario, d.step, d.probe, d.phase, d.expected, d.threshold, d.severity, d.magnitude,
            d.priority, d.why, d.coverage)


# --- analyse_scenario: what each finding says ---------------------------------------------------

def test_a_journal_without_expectations_reports_each_breach_as_unexpected_in_run_order():
    ok = step([(5, 0.5), (15, 0.5), (25, 0.5)], label="100ms")
    bad = step([(5, 0.5), (15, 1.5), (25, 0.5)], label="2s")
    steps, findings, unjudged = analyse_scenario(3, scenario([ok, bad]), settle=0.0, window=4.0)
    [d] = findings
    # 1.5 against < 1: 1.5× (magnitude 1), fault phase, one level lower for being unexpected: P3; not accepted: an error.
    assert fields(d) == ((3, 1), "s", "2s", "lat", "fault", None, "< 1 s", "error", 1, "P3", "", "unexpected")
    assert d.recovery is None and unjudged == []
    assert [s["label"] for s in steps] == ["100ms", "2s"]
    assert steps[1]["phases"] == bad["phases"]  # the report draws the phases from these times
    assert steps[1]["recovery"]["lat"] == Recovery("recovered", 5.0, None)


def test_every_phase_without_samples_is_unjudged_whether_or_not_an_expectation_looked():
    expect = [{"probe": "lat", "phase": "fault", "holds": True, "why": "it copes"}]
    steps, findings, unjudged = analyse_scenario(0, scenario([step([(1, 0.5)])], expectations=expect), 2.0, 4.0)
    assert findings == []
    # no expectation looked at the baseline or the recover phase: a breach there would still be
    # unseen, so they are said too — one line for the probe, the phases sharing their reason
    assert unjudged == ["lat in the baseline and fault phases of 1s: no samples after the settle time of "
                        "2 s — lengthen the phase or shorten `settle`",
                        # the recover phase is judged once the probe's window (longer here) has left the fault
                        "lat in the recover phase of 1s: no samples after the probe's window (4 s) — lengthen the phase"]


SHORT = ("10 s long, not longer than the settle time ({}) after which a phase is judged — lengthen the phase or "
         "shorten `settle` (`vobs chaos check` refuses such a file)")


@pytest.mark.parametrize("settle", [10.0, 12.0])
def test_a_phase_not_longer_than_settle_is_never_judged_on_the_sample_at_its_end(settle):
    """A trial's journal (settle 40 s, hold 30 s): three samples breaching the threshold under
    fault, and the phase judged on none — or, run to run, on the one sample that happened to land
    exactly on its end. Neither: the phase is unjudged, said with its reason, no expectation needed."""
    series = [(4, 0.5), (10, 0.5), (13, 3.0), (16, 3.0), (19, 3.0), (20, 0.5), (35, 0.5)]
    assert phase_stats("fault", [iso(10), iso(20)], [[T0 + t, v] for t, v in series], LAT, settle) == \
        PhaseStats("fault", None, None, 0, None)
    _, findings, unjudged = analyse_scenario(0, scenario([step(series, recover_end=40)]), settle, settle)
    assert findings == []  # the recover phase (20 s) held
    assert unjudged == ["lat in the baseline and fault phases of 1s: " + SHORT.format(_secs(settle))]


def test_a_phase_just_longer_than_settle_is_judged_on_what_follows_it():
    series = [(13, 3.0), (19, 3.0), (20, 0.5)]
    assert phase_stats("fault", [iso(10), iso(20)], [[T0 + t, v] for t, v in series], LAT, 9.0) == \
        PhaseStats("fault", 3.0, 1.75, 2, False, 1.75)


def test_a_probe_with_no_data_at_all_says_so_not_settle():
    expect = [{"probe": "lat", "phase": "baseline", "holds": True}]
    _, _, unjudged = analyse_scenario(0, scenario([step([(1, None), (15, float("nan"))])], expectations=expect),
                                      0.0, 4.0)
    assert unjudged == ["lat in the baseline, fault and recover phases of 1s: the probe returned no data at all in "
                        "this step — is its window shorter than 2 scrape intervals? (`vobs chaos check --time-scale …` "
                        "says)"]


def test_no_data_reason_tells_no_data_from_samples_outside_the_settled_window():
    nothing = "the probe returned no data at all in this step — is its window shorter than 2 scrape intervals? " \
              "(`vobs chaos check --time-scale …` says)"
    assert _no_data_reason([[T0, None], [T0 + 1, float("nan")]], 3.0) == nothing
    assert _no_data_reason([], 3.0) == nothing
    assert _no_data_reason([[T0, None], [T0 + 1, 0.0]], 3.0) == \
        "no samples after the settle time of 3 s — lengthen the phase or shorten `settle`"


def test_a_breach_against_holds_true_is_violated_with_its_why():
    expect = [{"probe": "lat", "phase": "fault", "holds": True, "why": "it copes"},
              {"probe": "lat", "phase": "baseline", "holds": True}]  # no why
    _, [base, fault], _ = analyse_scenario(0, scenario([step([(5, 1.3), (15, 2.5), (25, 0.5)])], expectations=expect),
                                           0.0, 4.0)
    assert fields(base) == ((0, 0), "s", "1s", "lat", "baseline", True, "< 1 s", "error", 1, "P3", "", "violated")
    assert fields(fault) == ((0, 0), "s", "1s", "lat", "fault", True, "< 1 s", "error", 0, "P1", "it copes",
                             "violated")


def test_a_demanded_breach_that_did_not_come_is_violated_expecting_a_breach():
    expect = [{"probe": "lat", "phase": "fault", "holds": False, "why": "the fault must show"}]
    _, [d], _ = analyse_scenario(0, scenario([step([(5, 0.5), (15, 0.4), (25, 0.5)])], expectations=expect), 0.0, 4.0)
    # held at 0.4 (ratio 0.4: magnitude 2), fault phase: P3, and it was expected to break: a warning
    assert fields(d) == ((0, 0), "s", "1s", "lat", "fault", False, "< 1 s", "warning", 2, "P3", "the fault must show",
                         "violated")
    assert d.summary == "lat held its threshold (< 1 s) in the fault phase of 1s: worst 0.4, expected it to breach"


@pytest.mark.parametrize("accepting", [{"holds": False}, {"breaks": True}])
def test_a_breach_an_expectation_accepted_is_as_expected(accepting):
    expect = [{"probe": "lat", "phase": "fault", "why": "degrades", **accepting}]
    _, [d], _ = analyse_scenario(0, scenario([step([(5, 0.5), (15, 1.6), (25, 0.5)])], expectations=expect), 0.0, 4.0)
    assert fields(d) == ((0, 0), "s", "1s", "lat", "fault", False, "< 1 s", "info", 1, "—", "degrades", "as expected")


def test_a_recovery_over_its_budget_is_an_error_whose_priority_follows_its_ratio():
    probe = {**LAT, "recover_within_seconds": 5}
    # breaks under fault, still over at 22 and 28, back at 32: 12 s, 2.4× the 5 s budget.
    series = [(15, 3), (22, 3), (28, 3), (32, 0.5), (38, 0.5)]
    _, findings, _ = analyse_scenario(1, scenario([step(series, recover_end=40)], probe=probe), 12.0, 4.0)
    [slow] = [d for d in findings if d.coverage == "recovery"]
    assert fields(slow) == ((1, 0), "s", "1s", "lat", "recover", True, "< 1 s", "error", 0, "P0", "", "recovery")
    assert slow.recovery == Recovery("slow", 12.0, 5)
    assert slow.observed.holds is True  # settled past 32 s, the recover phase itself held


def test_a_recovery_budget_of_zero_makes_any_delay_a_finding_of_the_least_magnitude():
    probe = {**LAT, "recover_within_seconds": 0}
    _, findings, _ = analyse_scenario(0, scenario([step([(15, 3), (22, 0.5)])], probe=probe), 0.0, 4.0)
    [slow] = [d for d in findings if d.coverage == "recovery"]
    assert (slow.severity, slow.magnitude, slow.priority, slow.recovery) == ("error", 2, "P2", Recovery("slow", 2.0, 0))


# --- the small functions at their boundaries ----------------------------------------------------

def test_priority_is_capped_at_p4():
    assert priority(2, "baseline", 1) == "P4"  # 2 + 2 + 1 would be P5
    assert priority(2, "baseline") == "P4"
    assert priority(0, "recover") == "P0"
    assert priority(1, "fault", 1) == "P3"


def test_phase_stats_counts_the_sample_on_the_window_start_and_gives_the_mean():
    assert phase_stats("fault", [iso(10), iso(20)], [[T0 + 10, 3.0]], LAT) == PhaseStats("fault", 3.0, 3.0, 1, False,
                                                                                          3.0)
    assert phase_stats("fault", [iso(10), iso(20)], [[T0 + 11, 1.0], [T0 + 12, 2.0], [T0 + 13, 6.0]], LAT) == \
        PhaseStats("fault", 6.0, 3.0, 3, False, 2.0)
    assert phase_stats("fault", [iso(10), iso(20)], [[T0 + 5, 1.0]], LAT) == PhaseStats("fault", None, None, 0, None)


def test_holds_at_each_operators_boundary():
    assert [holds(op, 1.0, 1.0) for op in ("<", "<=", ">", ">=")] == [False, True, False, True]
    assert [holds(op, 0.5, 1.0) for op in ("<", "<=", ">", ">=")] == [True, True, False, False]
    assert [holds(op, 1.5, 1.0) for op in ("<", "<=", ">", ">=")] == [False, False, True, True]


@pytest.mark.parametrize("worst, op, limit, expected", [
    (None, "<", 1.0, 1),  # nothing observed: no ratio
    (5.0, "<", 0.0, 1),   # a zero budget: no ratio
    (3.0, "<", 1.0, 0),   # 3×
    (1.1, "<", 1.0, 2),
    (0.4, ">", 1.0, 0),   # a floor: limit ÷ worst = 2.5
    (0.5, ">", 1.0, 0),   # exactly 2
    (0.9, ">", 1.0, 2),   # 1.11
    (0.0, ">", 1.0, 0),   # nothing left at all: infinitely far
    (0.7, ">=", 1.0, 1),  # 1.43
])
def test_magnitude_is_how_far_past_the_threshold(worst, op, limit, expected):
    assert magnitude_of(worst, {"op": op, "value": limit}) == expected


def test_ratio_magnitude_boundaries():
    assert [_ratio_magnitude(r) for r in (2.0, 1.99, 1.5, 1.25, 1.24, 1.0)] == [0, 1, 1, 1, 2, 2]


def test_severities_are_the_projects_finding_severities():
    """The report said critical, major and minor (and `not run`) where every other vobs output says
    error, warning and info — and called a breach accepted as expected "critical" (Chaos Day trial LOW 2)."""
    assert severity("violated", True) == severity("unexpected", None) == severity("recovery", True) == "error"
    assert severity("violated", False) == "warning"  # a breach demanded that did not come
    assert severity("as expected", False) == "info"


def test_num_and_secs_format():
    assert [num(v) for v in (None, 0.1234, 999, 1000, 1000.4, 12345.6, -2500)] == \
        ["n/a", "0.123", "999", "1,000", "1,000", "12,346", "-2,500"]
    assert (_secs(None), _secs(1.5), _secs(12.0)) == ("n/a", "1.5 s", "12 s")


# --- recovery_of: each state, and the samples on the edges that decide it -----------------------

@pytest.mark.parametrize("series, budget, expected", [
    ([(12, 0.5), (22, 0.5)], 5, Recovery("held", budget=5)),
    ([(5, 3), (12, 0.5), (22, 0.5)], None, Recovery("held")),            # a baseline breach is not the fault's
    ([(12, 0.5), (22, 0.5), (24, 3)], None, Recovery("held")),           # only the first sample after counts
    ([(15, 3), (20, 0.5), (22, 0.5)], None, Recovery("recovered", 2.0)),  # breached under fault, fine at once
    ([(10, 3), (12, 0.5), (22, 0.5)], None, Recovery("recovered", 2.0)),  # a breach on the fault's first second
    ([(12, 0.5), (20, 3), (22, 0.5)], None, Recovery("recovered", 2.0)),  # a breach at the revert itself
    ([(12, 0.5), (20, 0.5), (22, 3), (25, 0.5)], None, Recovery("recovered", 5.0)),  # over after the revert
    ([(15, 3), (25, 3), (30, 0.5)], None, Recovery("recovered", 10.0)),  # back on the phase's last second
    ([(12, None), (15, 3), (22, 0.5)], None, Recovery("recovered", 2.0)),  # null: no data, not a value
    ([(15, 3), (25, 0.5)], 5, Recovery("recovered", 5.0, 5)),            # exactly the budget is in time
    ([(15, 3), (26, 0.5)], 5, Recovery("slow", 6.0, 5)),
])
def test_recovery_states(series, budget, expected):
    probe = LAT if budget is None else {**LAT, "recover_within_seconds": budget}
    assert recovery_of(step(series), probe, 4.0) == expected


def test_a_recover_phase_shorter_than_window_plus_budget_is_unjudged_with_both_numbers():
    probe = {**LAT, "recover_within_seconds": 5}
    assert recovery_of(step([(15, 3), (22, 3)], recover_end=28), probe, 4.0) == Recovery(
        "unjudged", budget=5, why="the recover phase (8 s) is shorter than its window plus its recover_within "
                                  "budget (9 s): lengthen `recover` or use a larger --time-scale")


def test_a_recover_phase_long_enough_without_a_sample_says_so_not_that_it_is_short():
    """A run whose probe answered nothing after the revert said "the recover phase (10 s) is
    shorter than its window (4 s)" (found by the chaos-runner helper)."""
    assert recovery_of(step([(15, 3)]), LAT, 4.0) == Recovery(
        "unjudged", why="no sample came in the 10 s after the revert: the probe's query answered nothing then — "
                        "was the target or its scrape down (see `up`)?")
    assert "is shorter than its window (4 s)" in recovery_of(step([(15, 3)], recover_end=23), LAT, 4.0).why


def test_a_recover_phase_exactly_window_plus_budget_long_is_judged_not_recovered():
    probe = {**LAT, "recover_within_seconds": 2}
    assert recovery_of(step([(15, 3), (22, 3)], recover_end=26), probe, 4.0) == Recovery("not recovered", 6.0, 2)


# --- the degradation curve ----------------------------------------------------------------------

def test_step_levels_prefer_level_seconds_and_read_old_labels_by_the_duration_grammar():
    steps = [{"label": "step one", "level_seconds": 0.25}, {"label": "500ms"}, {"label": "1m30s"},
             {"label": "bogus"}, {"label": "0"}]
    assert step_levels({"steps": steps}) == [0.25, 0.5, 90.0, None, None]


BASELINE = PhaseStats("baseline", 260.0, 200.0, 3, True, 200.0)  # a median of 200 ms before each fault


def _scenario_with(probe, faults: list[PhaseStats], labels: list[str], baseline=BASELINE) -> ScenarioResult:
    steps = [{"label": label, "stats": {probe["id"]: {"fault": f, "baseline": baseline}}}
             for label, f in zip(labels, faults)]
    return ScenarioResult("s", "S", "latency", [probe], steps)


def test_amplification_converts_milliseconds_and_skips_a_zero_level():
    probe = {"id": "ms", "unit": "ms", "threshold": {"op": "<", "value": 800}}
    faults = [PhaseStats("fault", 50.0, 40.0, 3, True, 45.0), PhaseStats("fault", 1500.0, 900.0, 3, False, 1000.0)]
    [curve] = curves(_scenario_with(probe, faults, ["0ms", "1s"]), [0.0, 1.0])
    # (1000 ms - the baseline's 200 ms) ÷ 1 s injected
    assert curve.points == [Point("0ms", 0.0, 50.0, 45.0, True, None, 200.0),
                            Point("1s", 1.0, 1500.0, 1000.0, False, 0.8, 200.0)]
    assert curve.knee is curve.points[1]


def test_amplification_needs_the_baseline_of_the_same_step():
    probe = {"id": "ms", "unit": "ms", "threshold": {"op": "<", "value": 800}}
    faults = [PhaseStats("fault", 1500.0, 900.0, 3, False, 1000.0)] * 2
    no_baseline = PhaseStats("baseline", None, None, 0, None)
    [curve] = curves(_scenario_with(probe, faults, ["1s", "2s"], no_baseline), [1.0, 2.0])
    assert [p.amplification for p in curve.points] == [None, None]


def test_curve_markdown_table_when_every_step_held():
    probe = {"id": "q", "unit": "s", "threshold": {"op": "<", "value": 2}}
    curve = Curve(probe, [Point("100ms", 0.1, 0.5, 0.25, True, 1.5, 0.1), Point("1s", 1.0, None, None, None, None),
                          Point("2s", 2.0, 0.3, 0.2, True, -0.05, 0.3)])
    assert [html.unescape(line) for line in curve_markdown(curve)] == [
        "**q** — budget < 2 s; knee: none (every step held)",
        "",
        "| injected | worst under fault | median under fault | median in the baseline | budget | amplification |",
        "| --- | --- | --- | --- | --- | --- |",
        "| 100ms | 0.5 | 0.25 | 0.1 | holds | 1.5× |",
        "| 1s | n/a | n/a | n/a | no data | — |",
        "| 2s | 0.3 | 0.2 | 0.3 | holds | none: not above the baseline |",
    ]
