"""Hostile durations (issue 15: one grammar, PromQL's): in a flag and in a Chaos Day file, each
refused with one located line, exit 2, nothing written — never a traceback, never a Rust panic
from the parser underneath (`-1`, `inf`, `1e400` reach it as float seconds and panic)."""

from __future__ import annotations

from pathlib import Path

from hostile.harness import Case, Sandbox, cases_param, chaos_run_file, check


def lookback(value: str):
    return lambda box: ["validate", "--offline", "--lookback", value]


def chaos_file(field: str, value: str):
    """`vobs chaos check` on a file whose `field` (hold, baseline, settle, a step) is `value`."""
    def setup(box: Sandbox):
        text = chaos_run_file("sample_level")
        text = {"hold": text.replace("hold: 1s", f"hold: {value}"),
                "baseline": text.replace("baseline: 1s", f"baseline: {value}"),
                "settle": text.replace("recover: 1s", f"recover: 1s\nsettle: {value}"),
                "step": text.replace("steps: [100ms]", f"steps: [100ms, {value}]")}[field]
        (box.project / "day.yaml").write_text(text, encoding="utf-8")
        return ["chaos", "check", "day.yaml"]
    return setup


FLAG = "Invalid value for '--lookback'"
UNIT = "whole numbers, each with a unit"
ORDER = "units largest first, each once"
CASES = [
    Case("flag-out-of-order", lookback("30m1h"), 2, FLAG, ORDER),
    Case("flag-repeated-unit", lookback("1h1h"), 2, FLAG, ORDER),
    Case("flag-bare-number", lookback("5"), 2, FLAG, UNIT),
    Case("flag-negative", lookback("-1"), 2, FLAG, UNIT),
    Case("flag-infinity", lookback("inf"), 2, FLAG, UNIT),
    Case("flag-huge-float", lookback("1e400"), 2, FLAG, UNIT),
    Case("flag-fraction", lookback("1.5h"), 2, FLAG, UNIT),
    Case("flag-zero", lookback("0s"), 2, FLAG, "is zero"),
    Case("flag-overflowing-unit", lookback("4294967296ms"), 2, FLAG, ORDER),
    Case("flag-a-thousand-years", lookback("1001y"), 2, FLAG, "longer than 1000 years"),
    Case("flag-very-long", lookback("1" * 10_000 + "s"), 2, FLAG, "longer than 64 characters"),
    Case("flag-control-characters", lookback("1h\x1b[2J"), 2, FLAG, "\\x1b"),
    Case("flag-fullwidth-digit", lookback("１h"), 2, FLAG, UNIT),
    Case("chaos-hold-out-of-order", chaos_file("hold", "30m1h"), 2, "day.yaml:13:", ORDER),
    Case("chaos-hold-zero", chaos_file("hold", "0s"), 2, "day.yaml:13:", "is zero"),
    Case("chaos-hold-past-a-week", chaos_file("hold", "1w1ms"), 2, "day.yaml:13:", "longer than 7 days"),
    Case("chaos-baseline-overflow", chaos_file("baseline", "99999999999y"), 2, "day.yaml:5:", ORDER),
    Case("chaos-settle-bare-float", chaos_file("settle", "'1.5'"), 2, "day.yaml:7:", "must be a duration like"),
    Case("chaos-step-negative", chaos_file("step", "'-1'"), 2, "day.yaml:12:", "must be a duration like"),
    Case("chaos-step-a-number", chaos_file("step", "5"), 2, "day.yaml:12:", "5 is not of type 'string'"),
]


@cases_param(CASES)
def test_durations(case: Case, tmp_path: Path):
    check(case, tmp_path)
