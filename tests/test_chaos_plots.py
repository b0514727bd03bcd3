"""The report's plots: an empty plot says "no data" and why, the x axis covers every phase, and
step labels stay off the threshold line whatever its value."""

from __future__ import annotations

import pytest
from matplotlib import pyplot as plt
from test_chaos_report import SPIKES, journal

from vertice_obs.chaos.plots import figure
from vertice_obs.chaos.report import analyse


def draw(data, probe):
    report = analyse(data)
    return figure(report.scenarios[0], probe, data["scenarios"][0], data.get("window_seconds"))


def texts(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def test_an_empty_plot_says_no_data_and_why():
    probe = {**SPIKES, "query": "sum(increase(maximus_dopamine_spike_events_total[${window}]))",
             "scrape_interval_seconds": 5}
    data = journal([(t, None) for t in range(0, 31, 2)], probe=probe, expectations=[], window=4.5)
    fig = draw(data, probe)
    assert ("no data: its window (4500ms) is shorter than 2 scrape intervals (5s), so rate and increase returned "
            "nothing") in texts(fig)
    plt.close(fig)


def test_a_plot_with_data_has_no_no_data_note_and_covers_every_phase():
    # Samples stop at t=12, but the recover phase of the step ends at t=40: the axis goes there.
    data = journal([(0, 2), (6, 3), (12, 0)], probe=SPIKES, expectations=[], recover_end=40)
    fig = draw(data, SPIKES)
    assert not any(t.startswith("no data") for t in texts(fig))
    assert fig.axes[0].get_xlim() == (0, 40)
    plt.close(fig)


@pytest.mark.parametrize("value", [0, 0.5, 1e6])
def test_step_labels_sit_above_the_axes_never_on_the_threshold_line(value):
    probe = {**SPIKES, "threshold": {"op": ">", "value": value}}
    data = journal([(0, value), (15, value * 2 + 1), (30, value)], probe=probe, expectations=[])
    fig = draw(data, probe)
    [label] = [t for t in fig.axes[0].texts if t.get_text() == "1s"]
    assert label.get_transform() == fig.axes[0].get_xaxis_transform()
    assert label.get_position()[1] > 1  # in axes coordinates: above the plotting area, where no line is drawn
    plt.close(fig)


def test_step_labels_from_the_journal_are_text_not_matplotlib_math_or_controls():
    """A journal's step label was drawn as written: `$…$` set as matplotlib math, a control character
    as a missing glyph — every other text of the plot goes through its one escape (Chaos Day trial LOW 6)."""
    data = journal([(0, 2), (15, 3), (30, 2)], probe=SPIKES, expectations=[])
    data["scenarios"][0]["steps"][0]["label"] = "$x^2$ \x1b[31m"
    fig = draw(data, SPIKES)
    assert "\\$x^2\\$ \\x1b[31m" in texts(fig), texts(fig)
    plt.close(fig)
