"""A probe value that is a histogram quantile is an estimate, and the report says so.

`histogram_quantile` finds the bucket the quantile falls in and interpolates linearly between its
bounds, assuming the observations are spread evenly inside it — so a p95 of 1.95 s from buckets of
1 s and 2 s means "between 1 and 2 s", not 1.95 s to three digits. The runner records the bucket
bounds (`le`) of such a probe's histogram (`buckets` in the journal's probe, read with the scrape
intervals before the run), and every value of it is shown as `≈1.95 (1–2)`: the estimate and the
bounds it lies between. A quantile in the last bucket (`+Inf`) is answered as the highest finite
bound: `2 or more`. Without the bounds (a journal from before them, a quantile inside arithmetic)
the value is still marked `≈`. Pure: journal probes in, text out.
"""

from __future__ import annotations

from typing import Any

MARK = "≈"
NOTE = ("≈: a quantile estimated by histogram_quantile, which interpolates within a histogram bucket — in "
        "brackets, the bucket bounds the true value lies between")


def num(value: float | None) -> str:
    """A measured number as the report writes it: three significant digits, thousands grouped."""
    if value is None:
        return "n/a"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def is_estimate(probe: dict[str, Any]) -> bool:
    """Does the probe's query estimate a quantile from histogram buckets?"""
    return "histogram_quantile" in str(probe.get("query", ""))


def bucket_of(probe: dict[str, Any], value: float | None) -> tuple[float, float | None] | None:
    """(lower, upper) bounds of the bucket `value` was interpolated in; upper None: at the highest
    finite bound, so in the `+Inf` bucket or at the top of the last finite one. None: not known."""
    bounds = probe.get("buckets")
    if value is None or value != value or not is_estimate(probe) or not isinstance(bounds, list) or not bounds:
        return None
    if value >= bounds[-1]:
        return bounds[-1], None
    upper = next(b for b in bounds if b >= value)
    return max((b for b in bounds if b < value), default=0.0 if bounds[0] > 0 else bounds[0]), upper


def shown(probe: dict[str, Any], value: float | None) -> str:
    """A probe's value as the report writes it: `1.95`, or for an estimate `≈1.95 (1–2)`,
    `≈1.95` (bounds unknown), `10 or more` (past the highest bucket)."""
    if value is None or not is_estimate(probe):
        return num(value)
    bucket = bucket_of(probe, value)
    if bucket is None:
        return f"{MARK}{num(value)}"
    lower, upper = bucket
    return f"{num(lower)} or more" if upper is None else f"{MARK}{num(value)} ({num(lower)}–{num(upper)})"


def added(probe: dict[str, Any], fault: float, baseline: float) -> tuple[float, float] | None:
    """The range (lowest, highest) of `fault - baseline` that the two values' buckets allow; None:
    not estimates, or a bound unknown (the +Inf bucket has no upper one)."""
    a, b = bucket_of(probe, fault), bucket_of(probe, baseline)
    if a is None or b is None or a[1] is None or b[1] is None:
        return None
    return a[0] - b[1], a[1] - b[0]
