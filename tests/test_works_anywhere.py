"""Works anywhere, on folders nobody here wrote (issue 11): outside a project, with or without a
catalog; one bad file does not stop the run; a server that cannot answer is said once, first."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

REPO = Path(__file__).resolve().parent.parent
CATALOG = REPO / "narratives" / "metrics.yaml"


def vobs(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The CLI as a user runs it, in `cwd` (no project there unless the test makes one)."""
    return subprocess.run([sys.executable, "-m", "vertice_obs", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def dashboard(uid: str, *exprs: str) -> str:
    return json.dumps({"uid": uid, "title": uid.title(), "panels": [
        {"id": i, "type": "timeseries", "title": f"P{i}", "targets": [{"refId": "A", "expr": e}]}
        for i, e in enumerate(exprs, 1)]}, indent=2)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    """Someone else's dashboards: two good files (one querying a metric no catalog has), one broken."""
    dash = tmp_path / "work" / "dash"
    dash.mkdir(parents=True)
    (dash / "a.json").write_text(dashboard("a", "rate(maximus_dopamine_spike_events_total[5m])"))
    (dash / "b.json").write_text(dashboard("b", "sum(rate(x[5m]", "maximus_dopamine_level"))
    (dash / "c.json").write_text('{"uid": "c",\n  "panels": [,]}\n')
    return tmp_path / "work"


def test_outside_a_project_without_a_catalog_the_source_free_checks_run(folder):
    done = vobs("validate", "dash", cwd=folder)
    assert done.returncode == 1, done.stderr  # the parse error and the broken file are errors
    lines = done.stdout.splitlines()
    found = [line.rsplit("[", 1)[1] for line in lines if line.endswith("]")]
    assert [c for c in found if c.startswith(("promql/parse", "file/", "metric/"))] == ["promql/parse]",
                                                                                      "file/invalid]"]
    assert "dash/c.json:2:14: error: invalid JSON" in done.stdout
    assert lines[-1].endswith("metric existence not checked: no Prometheus (--prometheus-url, PROMETHEUS_URL) "
                              "and no metric catalog (--catalog)")
    assert "(1 file unreadable)" in lines[-1] and done.stdout.count("not checked") == 1
    assert done.stderr == ""


def test_one_bad_file_does_not_hide_the_findings_of_the_others(folder):
    done = vobs("validate", "dash", "--catalog", str(CATALOG), "--format", "json", cwd=folder)
    report = json.loads(done.stdout)
    by_file = {}
    for f in report["findings"]:
        if not f["check"].startswith(("metric/", "promql/parse", "file/")):
            continue  # the lints have their own tests
        by_file.setdefault(f["location"]["file"], []).append(f["check"])
    assert by_file["dash/a.json"] == ["metric/present"]
    assert sorted(by_file["dash/b.json"]) == ["metric/present", "promql/parse"]
    assert by_file["dash/c.json"] == ["file/invalid"]
    assert report["dashboards"] == 2 and report["unreadable"] == 1 and report["checked"] is True
    assert done.returncode == 1  # the worst finding is an error


def test_a_clean_folder_outside_a_project_exits_0(tmp_path):
    (tmp_path / "d.json").write_text(dashboard("d", "up"))
    done = vobs("validate", ".", cwd=tmp_path)
    assert done.returncode == 0 and "metric existence not checked" in done.stdout


def test_a_catalog_that_is_not_there_is_one_line(folder):
    done = vobs("validate", "dash", "--catalog", "nope.yaml", cwd=folder)
    assert done.returncode == 2 and done.stderr == "vobs: error: no metric catalog at nope.yaml (--catalog)\n"
    assert done.stdout == ""


def test_dash_c_with_a_relative_path_finds_the_project_catalog(tmp_path):
    project = tmp_path / "projects" / "obs"
    (project / "narratives").mkdir(parents=True)
    (project / "narratives" / "metrics.yaml").write_text(CATALOG.read_text())
    (project / "exports").mkdir()
    (project / "exports" / "d.json").write_text(dashboard("d", "maximus_dopamine_level"))
    for args in (["-C", "projects/obs", "validate"], ["-C", "projects/obs", "validate", "projects/obs/exports"]):
        done = vobs(*args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "against the metric catalog narratives/metrics.yaml: 1 present" in done.stdout.splitlines()[-1]


def test_an_unreachable_prometheus_is_said_once_before_anything_else(folder):
    from prometheus_harness import free_port

    url = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run(f"{sys.executable} -m vertice_obs validate dash --prometheus-url {url} 2>&1", shell=True,
                          cwd=folder, capture_output=True, text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert lines[0] == (f"vobs: error: Prometheus at {url} is unreachable: connection refused at {url[7:]}: "
                        "metric existence is unknown")
    assert sum("unreachable" in line for line in lines) == 1 and "metric/unknown" not in done.stdout
    assert "[promql/parse]" in done.stdout and "[file/invalid]" in done.stdout  # the source-free checks ran
    assert done.returncode == 2


def test_audit_fails_fast_when_prometheus_is_unreachable(folder):
    from prometheus_harness import free_port

    done = vobs("audit", "dash", "--prometheus-url", f"http://127.0.0.1:{free_port()}", cwd=folder)
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.splitlines()) == 1


VALIDATE_SCHEMA = json.loads(resources.files("vertice_obs.schemas").joinpath("output", "validate.schema.json")
                             .read_text(encoding="utf-8"))  # the shipped shape (tests/test_machine_output.py)


@pytest.mark.parametrize("extra", [[], ["--catalog", str(CATALOG)]])
def test_the_json_output_keeps_its_versioned_shape(folder, extra):
    done = vobs("validate", "dash", "--format", "json", *extra, cwd=folder)
    jsonschema.validate(json.loads(done.stdout), VALIDATE_SCHEMA)


def test_audit_outside_a_project_without_a_source_says_existence_was_not_checked(folder):
    done = vobs("audit", "dash", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == ("Metric audit against no metric source (metric existence not checked: "
                                           "no --prometheus-url, no --catalog)")
    assert "dash/c.json:2:14: error: invalid JSON" in done.stdout and "promql/parse" in done.stdout
    # not "Present, nothing to fix: 0 of 0 metrics queried" (a new-user trial): none was checked, two are queried
    said = "Metric presence not checked (no Prometheus, no catalog): 2 metrics queried"
    assert done.stdout.splitlines()[-1].startswith(said) and "Present" not in done.stdout
    page = vobs("audit", "dash", "--format", "html", cwd=folder).stdout
    assert f"<summary>{said}" in page and "Present" not in page


def test_validate_audit_and_chaos_check_from_a_project_subfolder_name_the_project(tmp_path, monkeypatch):
    """Run in dashboards/, build and diff said where the project is; validate said only that
    dashboards/exports does not exist, and chaos check that there was no catalog."""
    from click.testing import CliRunner
    from sample_project import make_project

    from vertice_obs.cli import cli

    root = make_project(tmp_path / "p")
    monkeypatch.chdir(root / "dashboards")
    env = {"PROMETHEUS_URL": "", "GRAFANA_URL": "", "VOBS_ENV": ""}
    hint = f" — the project looks to be {root.resolve()}: run vobs there, or give -C {root.resolve()}"
    for command in (["validate"], ["audit"]):
        result = CliRunner().invoke(cli, command, env=env)
        assert result.exit_code == 2 and result.output.strip().endswith(hint), (command, result.output)
    run = Path(__file__).resolve().parent.parent / "chaos" / "chaos-day-1.yaml"  # the repository's Chaos Day
    result = CliRunner().invoke(cli, ["chaos", "check", str(run)], env=env)
    assert result.exit_code == 2 and result.output.strip().endswith(hint), result.output


def test_validate_and_audit_in_a_project_not_built_yet_say_to_build_first(tmp_path):
    """A new user's first `vobs validate`: 'no such file or directory: …/exports' alone."""
    from click.testing import CliRunner
    from sample_project import make_project

    from vertice_obs.cli import cli

    root = make_project(tmp_path / "p")
    env = {"PROMETHEUS_URL": "", "GRAFANA_URL": "", "VOBS_ENV": ""}
    hint = " — run `vobs build` first: it renders the dashboards into exports/"
    for command in (["validate", "--offline"], ["audit"]):
        result = CliRunner().invoke(cli, ["-C", str(root), *command], env=env)
        assert result.exit_code == 2, result.output
        assert result.output.strip() == f"vobs: error: no such file or directory: {root / 'exports'}{hint}"
    (root / "exports").mkdir()  # a folder with nothing built in it
    result = CliRunner().invoke(cli, ["-C", str(root), "validate", "--offline"], env=env)
    assert result.output.strip() == f"vobs: error: no dashboard JSON found in {root / 'exports'}{hint}"
    (root / "narratives").rename(root / "elsewhere")  # no project here: nothing to build, no advice to
    assert "vobs build" not in CliRunner().invoke(cli, ["-C", str(root), "validate"], env=env).output
    (root / "exports").rmdir()
    for command in ("validate", "audit"):  # outside any project: say what to give instead
        result = CliRunner().invoke(cli, ["-C", str(root), command], env=env)
        assert result.exit_code == 2 and result.output.strip() == (
            f"vobs: error: no such file or directory: {root / 'exports'} — not a vobs project (no narratives/ "
            "here): give the folder or files of Grafana dashboard JSON to check, e.g. `dashboards/`"), result.output
    # paths named on the command line are the user's own: no advice about exports/
    result = CliRunner().invoke(cli, ["-C", str(root), "validate", str(root / "dashboards")], env=env)
    assert "no dashboard JSON found" in result.output and "vobs build" not in result.output


def test_a_build_that_rendered_nothing_is_said_so_not_told_to_build(tmp_path):
    """A new-user trial: `vobs build` in a fresh project (no chapter yet) rendered 0 dashboards, then
    `vobs validate` said "run `vobs build` first", which they had just done."""
    from click.testing import CliRunner

    from vertice_obs.cli import cli

    (tmp_path / "narratives").mkdir()
    (tmp_path / "dashboards").mkdir()
    env = {"PROMETHEUS_URL": "", "GRAFANA_URL": "", "VOBS_ENV": ""}
    assert CliRunner().invoke(cli, ["-C", str(tmp_path), "build"], env=env).exit_code == 0
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "validate", "--offline"], env=env)
    assert result.exit_code == 2 and result.output.strip() == (
        f"vobs: error: no dashboard JSON found in {tmp_path / 'exports'} — the last `vobs build` rendered no "
        "dashboard into exports/: add a dashboard module to dashboards/ and a chapter naming it"), result.output


def test_a_yaml_dashboard_named_on_the_command_line_is_said_to_be_yaml(tmp_path: Path):
    """A dashboard kept as YAML (grizzly, a Kubernetes resource) named on the command line got a bare
    `invalid JSON: Expecting value` (trial 11): the error says it reads as YAML and how to convert it,
    by its content, not its name (trial 12): JSON with a typo in a `.yaml` gets no YAML advice."""
    files = {"d.yaml": "uid: x\ntitle: X\npanels: []\n", "k.json": "# exported\n---\nkind: Dashboard\n",
             "l.yml": "- a\n", "typo.yaml": '{"title": "x", "panels": [}', "e.json": "uid x\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    done = vobs("validate", *files, "--offline", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    hint = ("invalid JSON: Expecting value (it reads as YAML: vobs reads Grafana's dashboard JSON; convert it first, "
            "e.g. `yq -o json`) [file/invalid]")
    for name in ("d.yaml", "k.json", "l.yml"):
        assert any(line.startswith(f"{name}:") and line.endswith(hint) for line in lines), (name, done.stdout)
    assert "typo.yaml:1:27: error: invalid JSON: Expecting value [file/invalid]" in lines
    assert "e.json:1:1: error: invalid JSON: Expecting value [file/invalid]" in lines


def test_audit_offline_ignores_the_configured_prometheus_as_validate_does(folder: Path):
    """`vobs audit --offline` was `No such option` (trial 12) while `validate --offline` existed: with
    PROMETHEUS_URL pointing at nothing, the audit runs against the catalog; with --prometheus-url too,
    a usage error."""
    import os

    env = {**os.environ, "PROMETHEUS_URL": "http://127.0.0.1:9"}
    done = subprocess.run([sys.executable, "-m", "vertice_obs", "audit", "dash", "--offline", "--catalog", str(CATALOG)],
                          cwd=folder, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Metric audit against the metric catalog {CATALOG}"), done.stdout
    clash = vobs("audit", "dash", "--offline", "--prometheus-url", "http://127.0.0.1:9", cwd=folder)
    assert clash.returncode == 2 and "--offline and --prometheus-url contradict each other" in clash.stderr
