"""Switching checks off (issue 11): per run (`--disable`), per dashboard and per panel (`.vobs-lint.yaml`),
and the lints wired into `vobs validate` (text, JSON, SARIF) and `vobs audit`. Hostile config files
are rows of `tests/hostile/test_lint_hostile.py`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from vertice_obs.cli import cli
from vertice_obs.finding import Finding, Location, Severity
from vertice_obs.metrics.lint_config import Exclusion, LintPolicy, load_policy

REPO = Path(__file__).resolve().parent.parent


def panel(title, id, expr="sum(up)", **extra):
    return {"type": "timeseries", "title": title, "id": id, "datasource": "$datasource", "description": "d",
            "fieldConfig": {"defaults": {"unit": "s"}}, "targets": [{"refId": "A", "expr": expr}], **extra}


def model(uid, title, *panels, variables=()):
    listing = [{"name": "datasource", "type": "datasource", "query": "prometheus"}, *variables]
    return {"uid": uid, "title": title, "panels": list(panels), "templating": {"list": listing}}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # PATHS are relative to the working directory, -C names the project


def project(tmp_path: Path, files: dict[str, object]) -> Path:
    (tmp_path / "narratives").mkdir()
    shutil.copy(REPO / "tests/data/mini-catalog.yaml", tmp_path / "narratives/metrics.yaml")
    for rel, content in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    return tmp_path


def findings(root: Path, *args: str) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(cli, ["-C", str(root), "validate", *args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, [f for f in json.loads(result.stdout)["findings"] if not f["check"].startswith("metric/")]


def lint_ids(found: list[dict]) -> list[tuple]:
    return sorted((f["check"], f["location"].get("file"), f["location"].get("panel")) for f in found)


FOREIGN = {
    "dash/a.json": model("a", "Alpha", panel("Rate", 1, "rate(x_total[5m])"), panel("Twin", 1)),
    "dash/b.json": model("a", "Beta", panel("Rate", 1, "rate(x_total[5m])")),
    "dash/sub/c.json": model("c", "Gamma", panel("Rate", 1, "rate(x_total[5m])"),
                             variables=[{"name": "idle", "type": "custom", "query": "a"}]),
}


def test_lints_are_reported_by_validate_with_their_lines_and_fail_on_errors(tmp_path):
    root = project(tmp_path, FOREIGN)
    code, found = findings(root, "dash")
    assert code == 1  # the duplicate uid is an error
    by_check = {}
    for f in found:
        by_check.setdefault(f["check"], []).append(f)
    dup = by_check["dashboard/duplicate-uid"]
    assert [(f["location"]["file"], f["location"]["line"]) for f in dup] == [("dash/b.json", 2)]
    twin = by_check["panel/duplicate-id"][0]
    lines = (root / "dash/a.json").read_text().splitlines()
    assert twin["location"]["panel"] == "Twin" and '"id": 1' in lines[twin["location"]["line"] - 1]
    assert {f["location"]["file"] for f in by_check["promql/rate-interval"]} == {"dash/a.json", "dash/b.json",
                                                                                   "dash/sub/c.json"}
    assert by_check["variable/unused"][0]["location"]["target"] == "variable idle"
    assert by_check["promql/job-matcher"][0]["severity"] == "info"


def test_sarif_and_text_carry_the_lints(tmp_path):
    root = project(tmp_path, FOREIGN)
    result = CliRunner().invoke(cli, ["-C", str(root), "validate", "dash", "--format", "sarif"])
    run = json.loads(result.stdout)["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "dashboard-linter" in rules["promql/rate-interval"]["fullDescription"]["text"]
    dup = next(r for r in run["results"] if r["ruleId"] == "dashboard/duplicate-uid")
    assert dup["level"] == "error" and dup["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    text = CliRunner().invoke(cli, ["-C", str(root), "validate", "dash"]).output
    assert "dash/b.json:2:10 → dashboard a: error: uid 'a' is also the uid of dash/a.json" in text
    assert "dashboard lints: 1 error, 5 warnings, 8 info" in text.splitlines()[-1]


def test_disable_switches_a_check_off_for_the_run(tmp_path):
    root = project(tmp_path, FOREIGN)
    code, found = findings(root, "dash", "--disable", "dashboard/duplicate-uid", "--disable", "promql/rate-interval")
    assert code == 0
    assert not {"dashboard/duplicate-uid", "promql/rate-interval"} & {f["check"] for f in found}
    assert "panel/duplicate-id" in {f["check"] for f in found}


def test_disable_of_an_unknown_check_is_a_usage_error_naming_close_ids(tmp_path):
    root = project(tmp_path, FOREIGN)
    result = CliRunner().invoke(cli, ["-C", str(root), "validate", "dash", "--disable", "variable/unsued"])
    assert result.exit_code == 2
    assert result.stderr.strip() == ("vobs: error: --disable: unknown check 'variable/unsued' "
                                     "(did you mean variable/unused, variable/undefined, variable/not-a-selector?)")
    result = CliRunner().invoke(cli, ["-C", str(root), "audit", "dash", "--disable", "zzz"])
    assert result.exit_code == 2 and "did you mean" not in result.stderr and "`vobs checks` lists them" in result.stderr


CONFIGS = [
    # (id, config file → text, what stays of (check, file, panel) among the rate-interval findings)
    ("everywhere", {".vobs-lint.yaml": "exclusions:\n  promql/rate-interval:\n"}, []),
    ("by-uid", {".vobs-lint.yaml": "exclusions:\n  promql/rate-interval:\n    entries:\n      - dashboard: c\n"},
     ["dash/a.json", "dash/b.json"]),
    ("by-title", {".vobs-lint.yaml": "exclusions:\n  promql/rate-interval:\n    reason: r\n    entries:\n"
                                     "      - dashboard: Beta\n        reason: why\n"},
     ["dash/a.json", "dash/sub/c.json"]),
    ("by-file-glob", {".vobs-lint.yaml": "exclusions:\n  promql/rate-interval:\n    entries:\n"
                                         "      - file: 'dash/[ab].json'\n"}, ["dash/sub/c.json"]),
    ("by-panel-title", {".vobs-lint.yaml": "exclusions:\n  promql/rate-interval:\n    entries:\n      - panel: Rate\n"},
     []),
    ("by-panel-id-and-target", {".vobs-lint.yaml": "exclusions:\n  promql/rate-interval:\n    entries:\n"
                                                   "      - {panel: 1, target: A, dashboard: a}\n"},
     ["dash/sub/c.json"]),
    ("other-panel", {".vobs-lint.yaml": "exclusions:\n  promql/rate-interval:\n    entries:\n      - panel: 2\n"},
     ["dash/a.json", "dash/b.json", "dash/sub/c.json"]),
    ("folder-file-governs-its-folder", {"dash/sub/.vobs-lint.yaml": "exclusions:\n  promql/rate-interval:\n"},
     ["dash/a.json", "dash/b.json"]),
    ("folder-glob-is-relative", {"dash/.vobs-lint.yaml": "exclusions:\n  promql/rate-interval:\n    entries:\n"
                                                         "      - file: 'sub/*'\n"}, ["dash/a.json", "dash/b.json"]),
    ("empty-file", {".vobs-lint.yaml": ""}, ["dash/a.json", "dash/b.json", "dash/sub/c.json"]),
]


@pytest.mark.parametrize("id,files,left", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_config_file_switches_checks_off_per_dashboard_and_panel(tmp_path, id, files, left):
    root = project(tmp_path, {**FOREIGN, **files})
    _, found = findings(root, "dash")
    assert sorted(f["location"]["file"] for f in found if f["check"] == "promql/rate-interval") == left
    assert "panel/duplicate-id" in {f["check"] for f in found}  # other checks stay on


@pytest.mark.parametrize("id,files,left", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_what_a_config_file_switched_off_is_counted_in_the_summary(tmp_path, id, files, left):
    """Findings hidden by an exclusion were not said anywhere: a reader could not tell a clean run from a
    silenced one. The text summary and JSON's `excluded` count them; `--disable`d checks (named by the
    user on the command line) are not counted."""
    root = project(tmp_path, {**FOREIGN, **files})
    excluded = 3 - len(left)  # three rate-interval findings, one per file
    result = CliRunner().invoke(cli, ["-C", str(root), "validate", "dash", "--format", "json"])
    assert json.loads(result.stdout)["excluded"] == excluded
    summary = CliRunner().invoke(cli, ["-C", str(root), "validate", "dash"]).stdout.splitlines()[-1]
    said = f"; {excluded} finding{'s' if excluded != 1 else ''} excluded by .vobs-lint.yaml"
    assert summary.endswith(said) if excluded else "excluded" not in summary, summary
    disabled = CliRunner().invoke(cli, ["-C", str(root), "validate", "dash", "--format", "json",
                                        "--disable", "promql/rate-interval"])
    assert json.loads(disabled.stdout)["excluded"] == 0


def test_a_config_file_in_a_parent_of_the_paths_governs_them(tmp_path):
    root = project(tmp_path, {**FOREIGN, "dash/.vobs-lint.yaml": "exclusions:\n  promql/rate-interval:\n"})
    _, found = findings(root, "dash/sub")
    assert "promql/rate-interval" not in {f["check"] for f in found}


def test_policy_matches_findings_by_location():
    f = Finding("variable/unused", Severity.WARNING, "m", Location(file="x/y/d.json", dashboard="u", panel="P",
                                                                   panel_id=3, target="A"))
    titles = {"x/y/d.json": "Title"}
    keeps = lambda *exclusions: LintPolicy(exclusions=exclusions).keeps(f, titles)  # noqa: E731
    assert not keeps(Exclusion("variable/unused", "x", file="y/*.json", dashboard="Title", panel=3, target="A"))
    assert keeps(Exclusion("variable/unused", "x/z"))
    assert keeps(Exclusion("variable/unused", "", panel="3"))  # a title "3" is not the id 3
    assert keeps(Exclusion("panel/unit", ""))
    assert not LintPolicy(disabled=frozenset({"variable/unused"})).keeps(f, titles)


def test_audit_reports_lint_warnings_but_not_information(tmp_path):
    root = project(tmp_path, FOREIGN)
    result = CliRunner().invoke(cli, ["-C", str(root), "audit", "dash", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # errors open the audit ("problems"), warnings are other findings
    checks = {f["check"] for f in report["problems"] + report["other_findings"]}
    assert {"dashboard/duplicate-uid", "promql/rate-interval", "variable/unused"} <= checks
    assert not {"promql/job-matcher", "panel/description"} & checks


def test_audit_counts_what_a_config_file_switched_off_in_every_format(tmp_path):
    """A silenced audit read like a clean one (trial 12): every format says how many findings the
    file switched off; the JSON carries `excluded`, valid against the shipped schema."""
    from importlib import resources

    from jsonschema import Draft202012Validator

    root = project(tmp_path, {**FOREIGN, ".vobs-lint.yaml": "exclusions:\n  promql/rate-interval:\n"})
    said = "Switched off by .vobs-lint.yaml: 3 findings, not in this report"
    run = lambda *args: CliRunner().invoke(cli, ["-C", str(root), "audit", "dash", *args])  # noqa: E731
    report = json.loads(run("--format", "json").stdout)
    schema = json.loads(resources.files("vertice_obs.schemas").joinpath("output", "audit.schema.json").read_text())
    Draft202012Validator(schema).validate(report)
    assert report["excluded"] == 3
    assert said in run().stdout.splitlines() and f"## {said}" in run("--format", "markdown").stdout
    assert f"<p id=excluded>{said}</p>" in run("--format", "html").stdout
    (root / ".vobs-lint.yaml").unlink()
    assert json.loads(run("--format", "json").stdout)["excluded"] == 0 and "Switched off" not in run().stdout


def test_vobs_checks_lists_every_lint():
    out = CliRunner().invoke(cli, ["checks", "--format", "json"]).stdout
    ids = {row["id"] for row in json.loads(out)["checks"]}
    assert {"dashboard/duplicate-uid", "panel/duplicate-id", "variable/unused", "variable/undefined",
            "datasource/not-variable", "promql/rate-interval", "panel/no-targets", "panel/title",
            "promql/job-matcher", "promql/instance-matcher", "metric/counter-without-rate"} <= ids


def test_the_repository_exports_have_no_lint_warnings():
    result = CliRunner().invoke(cli, ["-C", str(REPO), "validate", "--format", "json"])
    assert result.exit_code == 0
    assert not [f for f in json.loads(result.stdout)["findings"] if f["severity"] != "info"]


def test_load_policy_finds_no_file_and_switches_nothing_off(tmp_path):
    assert load_policy([tmp_path], tmp_path, str) == LintPolicy()


def test_disable_suggests_a_check_by_its_last_part(tmp_path):
    root = project(tmp_path, FOREIGN)
    result = CliRunner().invoke(cli, ["-C", str(root), "validate", "dash", "--disable", "unused"])
    assert result.exit_code == 2 and "(did you mean variable/unused?)" in result.stderr


def test_every_problem_of_every_config_file_is_listed_in_one_run(tmp_path):
    """A new-user trial: an unknown check id (`promql/rate-intervall:`) hid an entry's misspelt key
    (`dashbord:`) until it was fixed — the check ids were checked first, raising at the first, and the
    schema and the entries' own rules stopped at theirs. Each problem is one line, all in one run,
    in file order; a problem of another file too."""
    root = project(tmp_path, {**FOREIGN, ".vobs-lint.yaml": (
        "exclusions:\n  promql/rate-intervall:\n    entries:\n      - dashbord: a\n"
        "  variable/unused:\n    entries:\n      - reason: why\n      - file: '[x'\n  Bad Id:\n"),
        "dash/.vobs-lint.yaml": "exclusions:\n  nope/nope:\n"})
    result = CliRunner().invoke(cli, ["-C", str(root), "validate", "dash"])
    assert result.exit_code == 2, result.output
    assert [line.removeprefix("vobs: error: ") for line in result.stderr.strip().splitlines()] == [
        ".vobs-lint.yaml:2: unknown check 'promql/rate-intervall' (did you mean promql/rate-interval, "
        "promql/holt-winters-removed?)",
        ".vobs-lint.yaml:4: unknown key 'dashbord' in exclusions.promql/rate-intervall.entries[0] (did you mean "
        "'dashboard'? allowed: dashboard, file, panel, reason, target)",
        ".vobs-lint.yaml:7: entry names none of: file, dashboard, panel, target (say where the check is off, or "
        "drop `entries` to switch it off everywhere)",
        ".vobs-lint.yaml:8: file '[x' has a '[' that is never closed (write [[] for a literal '[')",
        ".vobs-lint.yaml:9: unknown check 'Bad Id' (`vobs checks` lists them)",
        "dash/.vobs-lint.yaml:2: unknown check 'nope/nope' (`vobs checks` lists them)",
    ]


BARE_PANELS = '''
from vertice_obs import panels as p
dashboard = p.dashboard("sample-a", "A", description="d", environment_metric="m",
                        panels=[p.stat("Bare", "m", description="", unit=""),
                                p.stat("Also bare", "m", description="", unit="")])
'''


def _built(tmp_path: Path, config: str | None, *args: str):
    from sample_project import make_project

    make_project(tmp_path, dashboards={"a.py": BARE_PANELS})
    narrative = (tmp_path / "narratives/sample.yaml").read_text()
    (tmp_path / "narratives/sample.yaml").write_text(narrative.split("  - dashboard: sample-b")[0])
    if config is not None:
        (tmp_path / ".vobs-lint.yaml").write_text(config)
    return CliRunner().invoke(cli, ["-C", str(tmp_path), "build", *args])


def test_the_lint_file_governs_builds_house_style_warnings_too(tmp_path):
    """One file says what is off everywhere: `vobs build`'s warnings on our own modules obey it as
    `vobs validate` does, by dashboard uid or title and panel title, in text and JSON."""
    config = ("exclusions:\n  panel/description:\n    reason: a stat says it all\n    entries:\n"
              "      - dashboard: A\n        panel: Bare\n  panel/unit:\n")
    before = _built(tmp_path / "before", None)
    assert before.exit_code == 0 and "panel 'Bare' (#2): warning: panel has no description" in before.stderr
    result = _built(tmp_path / "after", config)
    assert result.exit_code == 0, result.output
    assert "panel 'Bare' (#2): warning: panel has no description" not in result.stderr
    assert "panel 'Also bare' (#3): warning: panel has no description" in result.stderr  # another panel: still on
    assert "[panel/unit]" in before.stderr and "[panel/unit]" not in result.stderr  # off everywhere
    # what the file switched off is counted, never silent, as validate and audit count it: the
    # Bare panel's description and the three panels' units (the dashboard's own and its two stats)
    assert result.stdout.rstrip().endswith("; 3 findings excluded by .vobs-lint.yaml"), result.stdout
    assert "excluded" not in before.stdout
    checked = _built(tmp_path / "after", config, "--check")
    assert checked.exit_code == 0 and checked.stdout.rstrip().endswith(
        "is up to date (1 dashboard, 1 narrative); 3 findings excluded by .vobs-lint.yaml"), checked.stdout
    machine = json.loads(_built(tmp_path / "after", config, "--check", "--format", "json").stdout)
    shown = machine["findings"]
    assert {(f["check"], f["location"].get("panel")) for f in shown if f["check"].startswith("panel/")} == \
        {("panel/description", "Also bare")}
    assert machine["excluded"] == 3
    assert json.loads(_built(tmp_path / "before", None, "--check", "--format", "json").stdout)["excluded"] == 0


def test_a_broken_lint_file_stops_the_build_before_anything_is_written(tmp_path):
    result = _built(tmp_path, "exclusions:\n  panel/descripton:\n")
    assert result.exit_code == 2
    assert ".vobs-lint.yaml:2" in result.stderr and "panel/description" in result.stderr
    assert not (tmp_path / "exports").exists()


def test_a_schema_error_quotes_the_value_as_the_file_writes_it(tmp_path):
    """`reason: yes` is read by YAML as true: the error said `True is not of type 'string'` — a
    value the user never wrote (found by a new-user trial). It quotes the file's `yes`, and says
    what YAML made of it; `~` likewise, and a key YAML reads as a boolean."""
    root = project(tmp_path, {**FOREIGN, "dash/.vobs-lint.yaml": (
        "exclusions:\n  promql/rate-interval:\n    reason: yes\n    entries:\n      - file: '*.json'\n"
        "        panel: ~\n        on: x\n")})
    result = CliRunner().invoke(cli, ["-C", str(root), "validate", "--offline", "dash"])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "vobs: error: dash/.vobs-lint.yaml:3: yes (YAML reads it as true) is not of type 'string' in "
        "exclusions.promql/rate-interval.reason",
        "vobs: error: dash/.vobs-lint.yaml:6: ~ (YAML reads it as null) is not of type 'string', 'integer' in "
        "exclusions.promql/rate-interval.entries[0].panel",
        "vobs: error: dash/.vobs-lint.yaml:7: unknown key on (YAML reads it as true) in "
        "exclusions.promql/rate-interval.entries[0] (allowed: dashboard, file, panel, reason, target)"], result.stderr


def test_a_lint_file_met_in_a_folder_that_links_out_of_it_is_not_read(tmp_path):
    """A hostile trial: dashboards' JSON met in a folder is not read through a symlink leading out of
    it (`guard.paths.json_files`), but a `.vobs-lint.yaml` there was — a folder handed over could
    switch checks off with a file from anywhere. The same rule now: skipped, said (`input/skipped`),
    and a link that stays inside the folder is read as before."""
    off = "exclusions:\n  promql/rate-interval:\n"
    root = project(tmp_path, {**FOREIGN, "outside.yaml": off, "dash/common.yaml": off})
    (root / "dash/sub/.vobs-lint.yaml").symlink_to("../../outside.yaml")
    _, found = findings(root, "dash")
    assert sorted(f["location"]["file"] for f in found if f["check"] == "promql/rate-interval") == [
        "dash/a.json", "dash/b.json", "dash/sub/c.json"]  # nothing switched off by the file outside
    assert [(f["location"]["file"], f["message"]) for f in found if f["check"] == "input/skipped"] == [
        ("dash/sub/.vobs-lint.yaml", "a symlink leading out of the folder: not read (copy the file in to use it)")]
    (root / "dash/sub/.vobs-lint.yaml").unlink()
    (root / "dash/sub/.vobs-lint.yaml").symlink_to("../common.yaml")  # inside `dash`: read
    _, found = findings(root, "dash")
    assert sorted(f["location"]["file"] for f in found if f["check"] == "promql/rate-interval") == [
        "dash/a.json", "dash/b.json"]
    assert "input/skipped" not in {f["check"] for f in found}


def test_naming_one_file_of_the_folder_does_not_read_the_lint_file_that_links_out(tmp_path):
    """A review: naming `dash/sub/c.json` instead of `dash/sub` read the outward link (a named
    file's folder was not held to the rule), and the file from outside switched the check off."""
    off = "exclusions:\n  promql/rate-interval:\n"
    root = project(tmp_path, {**FOREIGN, "outside.yaml": off})
    (root / "dash/sub/.vobs-lint.yaml").symlink_to("../../outside.yaml")
    for named in ("dash/sub", "dash/sub/c.json"):
        _, found = findings(root, named)
        assert [f["location"]["file"] for f in found if f["check"] == "promql/rate-interval"] == [
            "dash/sub/c.json"], named
        assert [f["location"]["file"] for f in found if f["check"] == "input/skipped"] == [
            "dash/sub/.vobs-lint.yaml"], named


def test_build_does_not_read_a_lint_file_among_the_modules_that_links_out(tmp_path):
    """The same rule for `vobs build`: the modules' folder is walked for lint files, and one that
    links out of it is skipped and said, its exclusions not applied."""
    (tmp_path / "elsewhere.yaml").write_text("exclusions:\n  panel/unit:\n")
    (tmp_path / "p" / "dashboards").mkdir(parents=True)
    (tmp_path / "p" / "dashboards" / ".vobs-lint.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    result = _built(tmp_path / "p", None, "--check", "--format", "json")
    shown = json.loads(result.stdout)["findings"]
    assert "panel/unit" in {f["check"] for f in shown}  # not switched off by the file outside
    assert [(f["check"], f["location"]["file"]) for f in shown if f["check"] == "input/skipped"] == [
        ("input/skipped", "dashboards/.vobs-lint.yaml")]
