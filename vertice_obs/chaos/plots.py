"""Plots of the Chaos Day report: one PNG per probe across every step of a scenario, and one per
degradation curve (`curve.py` computes it; this draws it).

The x axis covers every phase of every step (not just where samples are); step labels sit above
the plotting area, so no threshold value can put one on the dashed threshold line; a probe with
no samples says "no data" and why, instead of leaving empty axes. matplotlib is imported inside
`figure` only (it is heavy, and optional for the rest of vobs).
"""

from __future__ import annotations

import io
import math
from datetime import datetime
from typing import Any

from vertice_obs.chaos.analysis import ScenarioResult, threshold_text
from vertice_obs.chaos.curve import Curve
from vertice_obs.chaos.scrape import window_text
from vertice_obs.guard.text import escape


def plot_png(scenario: ScenarioResult, probe: dict[str, Any], journal_scenario: dict[str, Any],
             window: float | None = None) -> bytes:
    """One probe across all steps of a scenario: the series, fault windows shaded, threshold dashed."""
    fig = figure(scenario, probe, journal_scenario, window)
    from matplotlib import pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def figure(scenario: ScenarioResult, probe: dict[str, Any], journal_scenario: dict[str, Any],
           window: float | None = None):
    """The matplotlib figure `plot_png` draws (the caller closes it)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.4), dpi=100)
    steps = journal_scenario["steps"]
    origin = datetime.fromisoformat(steps[0]["phases"]["baseline"][0]).timestamp() if steps else 0.0
    last = origin
    seen = False
    for step in steps:
        series = step["probes"][probe["id"]]["series"]
        start, end = (datetime.fromisoformat(t).timestamp() for t in step["phases"]["fault"])
        last = max(last, datetime.fromisoformat(step["phases"]["recover"][1]).timestamp())
        ax.axvspan(start - origin, end - origin, color="#e4572e", alpha=0.15)
        # Above the axes (y > 1 in axes coordinates): never on the threshold line, whatever its value.
        ax.text((start + end) / 2 - origin, 1.02, _text(step["label"]), transform=ax.get_xaxis_transform(), ha="center",
                va="bottom", fontsize=8, color="#a33", clip_on=False)
        values = [math.nan if v is None else v for _, v in series]
        seen = seen or any(v == v for v in values)
        if series:
            ax.plot([ts - origin for ts, _ in series], values, color="#1f5f8b", linewidth=1.4)
    ax.axhline(probe["threshold"]["value"], color="#555", linestyle="--", linewidth=1)
    ax.set_xlim(0, max(last - origin, 1.0))
    if not seen:
        ax.text(0.5, 0.5, _text(f"no data: {no_data_reason(probe, window)}"), transform=ax.transAxes, ha="center",
                va="center", fontsize=9, color="#a33", wrap=True)
    ax.set_title(_text(f"{scenario.title}: {probe.get('title', probe['id'])} (threshold {threshold_text(probe)}, "
                       "dashed)"), fontsize=10, pad=16)
    ax.set_xlabel("seconds since the scenario started (fault windows shaded)")
    ax.set_ylabel(_text(probe["unit"]))
    fig.tight_layout()
    return fig


def no_data_reason(probe: dict[str, Any], window: float | None) -> str:
    """Why a probe has no samples at all, as far as the journal can tell."""
    scrape = probe.get("scrape_interval_seconds")
    if window and scrape and window < 2 * scrape:
        return (f"its window ({window_text(window)}) is shorter than 2 scrape intervals "
                f"({window_text(scrape)}), so rate and increase returned nothing")
    if "${window}" in probe.get("query", "") and window:
        return f"Prometheus returned no samples for its query (window {window_text(window)}) in any step"
    return "Prometheus returned no samples for its query in any step"


def curve_png(curve: Curve) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    probe = curve.probe
    fig, ax = plt.subplots(figsize=(8, 3.4), dpi=100)
    xs = [p.level for p in curve.points]
    ax.plot(xs, [float("nan") if p.worst is None else p.worst for p in curve.points], "o-", color="#1f5f8b",
            label="worst")
    ax.plot(xs, [float("nan") if p.median is None else p.median for p in curve.points], "s--", color="#6a9fc4",
            label="median")
    ax.axhline(probe["threshold"]["value"], color="#555", linestyle="--", linewidth=1)
    if curve.knee is not None:
        ax.axvline(curve.knee.level, color="#e4572e", linewidth=1)
        ax.text(curve.knee.level, 1.02, _text(f"knee: {curve.knee.step}"), transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=8, color="#a33", clip_on=False)
    if all(x > 0 for x in xs):  # limits from the levels, not the data: a probe may have none at any step
        ax.set_xscale("log")
        ax.set_xlim(min(xs) / 1.5, max(xs) * 1.5)
    if all(p.worst is None and p.median is None for p in curve.points):
        ax.text(0.5, 0.5, "no data: the probe returned no samples under fault at any step", transform=ax.transAxes,
                ha="center", va="center", fontsize=9, color="#a33", wrap=True)
    ax.set_xticks(xs, [_text(p.step) for p in curve.points])
    ax.set_xlabel("injected latency (fault phase)")
    ax.set_ylabel(_text(probe["unit"]))
    ax.set_title(_text(f"{probe.get('title', probe['id'])} under fault, per step (budget dashed)"), fontsize=10, pad=16)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _text(text: object) -> str:
    """Journal text as a plot shows it: control characters and bidi overrides as visible escapes
    (the font has no glyph for them), `$` as a dollar, not the start of matplotlib's math."""
    return escape(text, one_line=True).replace("$", r"\$")
