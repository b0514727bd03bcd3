"""The CLI as users meet it: help that teaches, `list` for people and machines, clean failures."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sample_project import make_project

from vertice_obs.checks import CHECKS
from vertice_obs.cli import cli

REPO = Path(__file__).resolve().parents[1]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_every_command_has_teaching_help():
    top = invoke("--help")
    assert top.exit_code == 0 and "Exit codes" in top.output
    for name, command in cli.commands.items():
        result = invoke(name, "--help")
        assert result.exit_code == 0, name
        assert command.help and len(command.help.split()) >= 8, f"{name} --help does not explain itself"
    assert "Examples:" in invoke("build", "--help").output


def test_list_shows_narratives_chapters_dashboards_panels(tmp_path):
    make_project(tmp_path)
    result = invoke("-C", str(tmp_path), "list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("sample  The sample story  (folder Samples/Story, owner team-sample)")
    assert "  1. The beginning → sample-a (dashboards/a.py)" in lines
    assert any(line.split() == ["#2", "timeseries", "Event", "rate"] for line in lines)
    assert any(line.split() == ["#5", "gauge", "Gauge"] for line in lines)  # inside the collapsed row


def test_list_json_is_machine_readable(tmp_path):
    make_project(tmp_path)
    result = invoke("-C", str(tmp_path), "list", "--format", "json")
    tree = json.loads(result.stdout)["narratives"]
    assert [n["id"] for n in tree] == ["sample"]
    chapter = tree[0]["chapters"][0]
    assert chapter["dashboard"]["uid"] == "sample-a"
    assert chapter["dashboard"]["export"] == "exports/sample/sample-a.json"
    rate = next(p for p in chapter["dashboard"]["panels"] if p["title"] == "Event rate")
    assert rate["queries"] == ['sum(rate(sample_events_total{environment=~"$environment"}[$__rate_interval]))']


def test_checks_lists_every_registered_check():
    result = invoke("checks", "--format", "json")
    rows = json.loads(result.stdout)["checks"]
    assert {r["id"] for r in rows} == set(CHECKS)
    assert all(r["doc"] and r["severity"] in {"info", "warning", "error"} for r in rows)


def test_style_findings_name_the_panel(tmp_path):
    module = '''
from vertice_obs import panels as p
dashboard = p.dashboard("sample-a", "A", description="d", environment_metric="m",
                        panels=[p.stat("Bare", "m", description="", unit="")])
'''
    make_project(tmp_path, dashboards={"a.py": module})
    narrative = (tmp_path / "narratives/sample.yaml").read_text()
    (tmp_path / "narratives/sample.yaml").write_text(narrative.split("  - dashboard: sample-b")[0])
    result = invoke("-C", str(tmp_path), "build")
    assert result.exit_code == 0
    assert ("dashboards/a.py:3:33 → dashboard sample-a → panel 'Bare' (#2): warning: panel has no description: "
            "say what to look for and why it matters [panel/description]") in result.stderr
    assert "panel 'Bare' (#2): warning: numeric panel has no unit" in result.stderr


@pytest.mark.parametrize("args,line", [
    (["-C", "/nonexistent/project", "build"], "vobs: error: Invalid value for '-C' / '--root': Directory "
                                              "'/nonexistent/project' does not exist (see 'vobs --help')"),
    (["build", "--format", "yaml"], "vobs: error: Invalid value for '--format': 'yaml' is not one of 'text', 'json' "
                                    "(see 'vobs build --help')"),
    (["chaos", "run"], "vobs: error: Missing argument 'RUN_FILE' (see 'vobs chaos run --help')"),
    (["nope"], "vobs: error: No such command 'nope' (see 'vobs --help')"),
])
def test_usage_errors_are_one_line_exit_2(args, line):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr == line + "\n" and result.stdout == ""


def test_missing_narratives_directory_is_one_line(tmp_path):
    result = invoke("-C", str(tmp_path), "build")
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"vobs: error: narratives directory not found: {tmp_path}/narratives — run "
                                     "vobs from the project's root (it holds narratives/ and dashboards/), or give -C ROOT")


def test_run_from_a_subfolder_names_the_project_above(tmp_path):
    root = make_project(tmp_path / "p")
    result = invoke("-C", str(root / "dashboards"), "build")
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"vobs: error: narratives directory not found: {root}/dashboards/narratives — "
                                     f"the project looks to be {root}: run vobs there, or give -C {root}")


@pytest.mark.parametrize("raised, line", [
    (PermissionError(13, "Permission denied", "/srv/exports/a.json"), "vobs: error: /srv/exports/a.json: permission denied"),
    (OSError(28, "No space left on device", "/srv/x"), "vobs: error: /srv/x: no space left on device"),
    (UnicodeDecodeError("utf-8", b"ab\xff", 2, 3, "invalid"),
     "vobs: error: input is not UTF-8 text (byte 0xff at offset 2)"),
    (RecursionError("maximum recursion depth exceeded"), "vobs: error: input is nested too deeply to process"),
    (MemoryError(), "vobs: error: input is too large to process (out of memory)"),
    (ValueError("a bug \x1b[2J with http://u:hunter2@h"), "vobs: internal error: ValueError: a bug \\x1b[2J with "
                                                          "http://<redacted>@h (set VOBS_DEBUG=1 for the traceback)"),
])
def test_bad_input_exceptions_are_one_line_naming_the_cause(monkeypatch, raised, line):
    import vertice_obs.cli.build as build_cli

    def boom(*_a, **_k):
        raise raised

    monkeypatch.setattr(build_cli, "project_of", boom)
    result = invoke("build")
    assert result.exit_code == 2 and result.stderr == line + "\n"


def test_a_dangling_symlink_is_shown_where_it_stands_not_by_its_target(tmp_path):
    """Paths are shown relative to the project, a symlink by its own name: an absolute argument
    once showed every file relative but a dangling link absolute (it has no target to resolve)."""
    root = make_project(tmp_path / "p")
    folder = root / "handed-over"
    folder.mkdir()
    (folder / "gone.json").symlink_to(folder / "nowhere.json")  # inside the folder: read, and fails
    (folder / "bad.json").write_text("{")
    result = CliRunner().invoke(cli, ["-C", str(root), "validate", str(folder)])
    assert result.exit_code == 1, result.output
    shown = [line.split(":")[0] for line in result.output.splitlines() if "file/invalid" in line]
    assert shown == ["handed-over/bad.json", "handed-over/gone.json"]


def test_one_file_under_two_names_is_one_dashboard(tmp_path):
    """A file named twice, a folder and a file in it, `a/../a/x.json`, a symlink beside its
    target: read once — its uid is not a duplicate of itself (found by a new-user trial)."""
    root = make_project(tmp_path / "p")
    assert CliRunner().invoke(cli, ["-C", str(root), "build"]).exit_code == 0
    exports = root / "exports" / "sample"
    one = exports / "sample-a.json"
    (exports / "alias.json").symlink_to(one)
    for names in ([one, one], [exports, one], [one, exports / ".." / "sample" / "sample-a.json"], [exports]):
        result = CliRunner().invoke(cli, ["-C", str(root), "validate", "--offline", "--format", "json",
                                          *map(str, names)])
        document = json.loads(result.stdout)
        assert not [f for f in document["findings"] if f["check"] == "dashboard/duplicate-uid"], names
        assert document["dashboards"] == (1 if exports not in names else 2), names
        assert result.exit_code == 0, result.output


def test_a_symlinked_folder_is_said_not_followed(tmp_path):
    """A folder reached through a symlink is not entered (a link out of the tree, or a loop) — and
    the run says so, rather than pass green over dashboards it never read."""
    root = make_project(tmp_path / "p")
    assert CliRunner().invoke(cli, ["-C", str(root), "build"]).exit_code == 0
    handed = root / "handed-over"
    handed.mkdir()
    (handed / "common").symlink_to(root / "exports" / "sample", target_is_directory=True)
    alone = CliRunner().invoke(cli, ["-C", str(root), "validate", "--offline", str(handed)])
    assert alone.exit_code == 2 and alone.stderr.endswith(
        "handed-over (handed-over/common: a symlinked folder: not followed (name it to check it))\n"), alone.stderr
    (handed / "own.json").write_text((root / "exports" / "sample" / "sample-b.json").read_text())
    result = CliRunner().invoke(cli, ["-C", str(root), "validate", "--offline", str(handed)])
    assert result.exit_code == 0, result.output
    assert ("handed-over/common: warning: a symlinked folder: not followed (name it to check it) [input/skipped]"
            in result.output)
    named = CliRunner().invoke(cli, ["-C", str(root), "validate", "--offline", str(handed / "common")])
    assert named.exit_code == 0 and "2 dashboards" in named.output, named.output


@pytest.mark.parametrize("command", ["validate", "audit"])
def test_a_file_symlink_out_of_the_folder_is_skipped_and_one_named_is_read(tmp_path, command):
    """One policy for symlinks met in a folder (found by a new-user trial): a symlinked file whose
    target is outside the folder given is `input/skipped` and never read — as a symlinked folder is —
    while a link inside pointing inside is read, and a link named on the command line is read."""
    root = make_project(tmp_path / "p")
    assert CliRunner().invoke(cli, ["-C", str(root), "build"]).exit_code == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = {"uid": "outside", "title": "Outside", "panels": [
        {"id": 1, "type": "timeseries", "title": "leak", "targets": [{"refId": "A", "expr": "secret_metric_total"}]}]}
    (outside / "secret.json").write_text(json.dumps(secret))
    handed = root / "handed-over"
    (handed / "sub").mkdir(parents=True)
    (handed / "own.json").write_text((root / "exports" / "sample" / "sample-b.json").read_text())
    (handed / "link.json").symlink_to(outside / "secret.json")
    (handed / "sub" / "up.json").symlink_to(Path("..") / ".." / ".." / "outside" / "secret.json")
    (handed / "sub" / "alias.json").symlink_to(Path("..") / "own.json")  # inside → inside: read (once)
    result = CliRunner().invoke(cli, ["-C", str(root), command, "--format", "json", str(handed)])
    document = json.loads(result.stdout)
    findings = document["findings"] if command == "validate" else document["problems"]
    skipped = sorted((f["location"]["file"], f["message"]) for f in findings if f["check"] == "input/skipped")
    assert skipped == [(f"handed-over/{name}", "a symlink leading out of the folder: not read (name it to check it)")
                       for name in ("link.json", "sub/up.json")], findings
    assert "secret_metric_total" not in result.stdout and "Outside" not in result.stdout
    if command == "validate":
        assert document["dashboards"] == 1, document
    named = CliRunner().invoke(cli, ["-C", str(root), "validate", "--offline", "--format", "json",
                                     str(handed / "link.json")])
    assert json.loads(named.stdout)["dashboards"] == 1 and "secret_metric_total" in named.stdout, named.output


@pytest.mark.parametrize("no_color", ["", "1"])
def test_no_color_is_obeyed_on_a_terminal(tmp_path, no_color):
    """https://no-color.org: with NO_COLOR set, `vobs diff --unified` on a terminal writes no escape
    sequence; without it, the hunks are coloured (run under a pseudo-terminal by script(1))."""
    root = make_project(tmp_path / "p")
    assert CliRunner().invoke(cli, ["-C", str(root), "publish"]).exit_code == 0  # the provisioning folder
    module = root / "dashboards" / "a.py"
    module.write_text(module.read_text().replace('"Event rate"', '"Event rate now"'))
    command = f"{shlex.quote(sys.executable)} -m vertice_obs -C {shlex.quote(str(root))} diff --unified"
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": no_color, "TERM": "xterm"}
    done = subprocess.run(["script", "-qec", command, "/dev/null"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr  # differences
    assert "+++ code/sample-a.json" in done.stdout
    assert ("\x1b[" in done.stdout) == (not no_color), done.stdout


def test_a_named_file_that_is_no_dashboard_is_said(tmp_path):
    """Named on the command line, a JSON file that is no dashboard is a warning, not silence; met in a
    folder (a rules file beside the exports) it is passed over quietly."""
    root = make_project(tmp_path / "p")
    assert CliRunner().invoke(cli, ["-C", str(root), "build"]).exit_code == 0
    (root / "other.json").write_text('{"groups": []}')
    dashboard = root / "exports" / "sample" / "sample-a.json"
    both = CliRunner().invoke(cli, ["-C", str(root), "validate", "--offline", str(root / "other.json"), str(dashboard)])
    assert both.exit_code == 0, both.output
    assert ("other.json: warning: not a Grafana dashboard (no panels, rows or templating): skipped [input/skipped]"
            in both.output)
    alone = CliRunner().invoke(cli, ["-C", str(root), "validate", "--offline", str(root / "other.json")])
    assert alone.exit_code == 2 and alone.stderr.endswith(
        "(other.json: not a Grafana dashboard (no panels, rows or templating): skipped)\n"), alone.stderr
    (root / "exports" / "sample" / "rules.json").write_text('{"groups": []}')
    folder = CliRunner().invoke(cli, ["-C", str(root), "validate", "--offline", str(root / "exports")])
    assert folder.exit_code == 0 and "input/skipped" not in folder.output, folder.output


def test_chaos_run_help_says_prometheus_is_required_and_what_timeout_refuses():
    """Trial 18: `chaos run --help` promised "else the offline metric catalog" (the shared option's
    words), but a Chaos Day refuses to run without a Prometheus; --timeout's up-front refusal was in
    the README only."""
    from click.testing import CliRunner

    from vertice_obs.cli import cli

    shown = " ".join(CliRunner().invoke(cli, ["chaos", "run", "--help"]).output.split())
    assert "offline metric catalog" not in shown and "required: a Chaos Day measures in Prometheus" in shown
    assert "A plan longer than it is refused before anything runs" in shown
