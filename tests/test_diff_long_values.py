"""The text diff bounds long values as the Markdown comment does (trial 22 L9: a 10,000-character
title change was one 10,132-character line): a title at `TITLE_LIMIT`, a change line at
`CHANGE_LIMIT`, cut with `…` by the one cut (`guard.text.bounded`) the Markdown uses."""

from __future__ import annotations

import pytest
from grafana_standin import GrafanaStandIn
from standin_cli import vobs

from vertice_obs.grafana.markdown import CHANGE_LIMIT, TITLE_LIMIT
from vertice_obs.guard.markdown import md
from vertice_obs.guard.text import bounded


@pytest.fixture()
def grafana():
    with GrafanaStandIn(version="12.0.2") as standin:
        yield standin
        standin.assert_no_violations()


def test_a_huge_title_change_is_cut_in_the_text_diff_as_in_markdown(project, grafana):
    assert vobs(project, grafana, "publish").exit_code == 0
    uid = sorted(grafana.dashboards)[0]
    grafana.edit_in_ui(uid, lambda model: model.update(title="T" * 10_000))
    done = vobs(project, grafana, "diff", "--uid", uid)
    assert done.exit_code == 1, done.output
    lines = done.stdout.splitlines()
    change = next(line for line in lines if "title changed" in line)
    assert change == "      " + bounded(change.strip(), CHANGE_LIMIT) and len(change) == 6 + CHANGE_LIMIT, change
    assert change.endswith("…") and max(len(line) for line in lines) <= 6 + CHANGE_LIMIT, [len(x) for x in lines]
    markdown = vobs(project, grafana, "diff", "--uid", uid, "--format", "markdown").stdout
    assert md(change.strip()[:-1], None) in markdown  # the same cut as the Markdown's


def test_bounded_is_the_markdown_cut():
    long = "a\nb" * 400
    assert bounded(long, TITLE_LIMIT) == md(long, TITLE_LIMIT) and len(bounded(long, TITLE_LIMIT)) == TITLE_LIMIT
    assert bounded("short", TITLE_LIMIT) == "short" and bounded(long, None) == long.replace("\n", "\\n")
