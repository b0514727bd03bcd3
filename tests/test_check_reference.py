"""The checks' reference page (docs/checks.md) and the links to it: SARIF `helpUri`, `vobs checks`.

The page is the registry's own words: a check added, renamed or re-documented without the page
written again fails here. Heading ids are GitHub's (its slugger, checked on examples written out by
hand here, not computed by the code under test), unique, and every link lands on one.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from click.testing import CliRunner
from markdown_it import MarkdownIt

from vertice_obs.checks import CHECKS
from vertice_obs.checks.reference import DOCS_URL, anchor, help_uri, reference_markdown
from vertice_obs.cli import cli
from vertice_obs.finding import Finding, Location, Severity
from vertice_obs.output import findings_sarif

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "checks.md"


def _github_ids(markdown: str) -> list[str]:
    """The id GitHub gives each heading, from the rendered heading text (GitHub's rule: lower case,
    drop all but letters, digits, `_`, `-` and spaces, spaces to `-`), written out independently."""
    tokens = MarkdownIt().parse(markdown)
    ids = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            text = "".join(child.content for child in tokens[i + 1].children)
            ids.append("".join(ch for ch in text.lower() if ch.isalnum() or ch in "_- ").replace(" ", "-"))
    return ids


def test_the_page_in_the_repository_is_what_the_registry_says():
    assert PAGE.read_text(encoding="utf-8") == reference_markdown(), \
        "docs/checks.md is stale: run `vobs checks --format markdown > docs/checks.md`"


def test_every_check_has_one_heading_and_github_ids_are_unique():
    ids = _github_ids(PAGE.read_text(encoding="utf-8"))
    assert len(ids) == len(set(ids)), "GitHub would suffix a repeated heading id: a link would land on the first"
    for check_id in CHECKS:
        assert anchor(check_id) in ids, check_id


def test_anchor_is_githubs_heading_id():
    assert anchor("metric/present") == "metricpresent"
    assert anchor("promql/rate-interval") == "promqlrate-interval"
    assert anchor("variable/option-no-data") == "variableoption-no-data"


def test_the_page_is_plain_markdown_no_html():
    tokens = MarkdownIt().parse(PAGE.read_text(encoding="utf-8"))
    inline = [child for t in tokens for child in (t.children or [])]
    assert not [t for t in tokens + inline if t.type.startswith("html")]


def test_the_docs_url_is_under_the_projects_homepage():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert DOCS_URL == project["urls"]["Homepage"] + "/blob/main/docs/checks.md"


def test_sarif_rules_link_to_their_heading_and_unknown_ids_link_nowhere():
    findings = [Finding("metric/missing", Severity.WARNING, "m is missing", Location(file="d.json", line=3, column=5)),
                Finding("future/check", Severity.WARNING, "from another vobs", Location(file="d.json", line=4))]
    rules = {r["id"]: r for r in json.loads(findings_sarif(findings, "0"))["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["metric/missing"]["helpUri"] == f"{DOCS_URL}#metricmissing"
    assert "helpUri" not in rules["future/check"]
    assert help_uri("future/check") is None


def test_vobs_checks_json_and_markdown():
    rows = json.loads(CliRunner().invoke(cli, ["checks", "--format", "json"]).stdout)["checks"]
    assert {r["id"]: r["help_uri"] for r in rows} == {c: f"{DOCS_URL}#{anchor(c)}" for c in CHECKS}
    result = CliRunner().invoke(cli, ["checks", "--format", "markdown"])
    assert result.exit_code == 0 and result.stdout == reference_markdown()
