"""A small, complete vertice-obs project written into a temp dir: the fixture for build/CLI tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

DASHBOARD_A = '''
from vertice_obs import panels as p

dashboard = p.dashboard(
    "sample-a", "Sample A", description="First sample dashboard.", environment_metric="sample_level",
    panels=[
        p.timeseries("Event rate", ['sum(rate(sample_events_total{environment=~"$environment"}[$__rate_interval]))'],
                     description="Events per second.", unit="ops"),
        p.stat("Level", 'sample_level{environment=~"$environment"}', description="Current level.", unit="percentunit"),
        p.row("Details", [p.gauge("Gauge", "sample_level", description="Level as a gauge.", unit="percentunit")],
              collapsed=True),
    ],
)
'''

DASHBOARD_B = '''
from vertice_obs import panels as p

dashboard = p.dashboard(
    "sample-b", "Sample B", description="Second sample dashboard.", environment_metric="sample_level",
    panels=[
        p.heatmap("Latency", 'sum by (le) (rate(sample_seconds_bucket[$__rate_interval]))',
                  description="Latency distribution.", unit="s"),
        p.table("Table", ["sample_level"], description="Levels by instance.", unit="percentunit"),
    ],
)
'''

NARRATIVE = '''
id: sample
title: The sample story
owner: team-sample
summary: |
  A story in two chapters.
folder: Samples/Story
tags: [sample]
chapters:
  - dashboard: sample-a
    title: The beginning
    story: |
      Notice the **event rate**.
  - dashboard: sample-b
    title: The end
    story: Latency tells the rest.
'''


def make_project(root: Path, dashboards: dict[str, str] | None = None,
                 narratives: dict[str, str] | None = None) -> Path:
    """Write the sample project (or the given files) under `root`; returns `root`."""
    dashboards = {"a.py": DASHBOARD_A, "b.py": DASHBOARD_B} if dashboards is None else dashboards
    narratives = {"sample.yaml": NARRATIVE} if narratives is None else narratives
    for folder, files in (("dashboards", dashboards), ("narratives", narratives)):
        (root / folder).mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (root / folder / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root
