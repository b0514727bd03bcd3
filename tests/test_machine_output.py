"""`--format json` is a contract (README "Machine output"): every command that offers it prints ONE
object, whatever its flags, with the envelope `command` + `schema_version`, every object's keys
sorted, and a JSON Schema (draft 2020-12) shipped in `vertice_obs/schemas/output/` that its real
output — run through the CLI, offline, against a real Prometheus or the spec-checked Grafana
stand-in — matches with no key to spare (`additionalProperties: false`: drift fails here).

The commands are found by walking the click group for a `--format` offering `json`, so a new
command cannot escape: it fails `test_every_json_command_has_a_version_a_schema_and_a_run` until it
has all three."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Callable

import click
import pytest
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn
from jsonschema import Draft202012Validator
from sample_project import make_project

from vertice_obs.cli import cli
from vertice_obs.output import OUTPUT_VERSIONS

REPO = Path(__file__).resolve().parent.parent
PUBLIC = REPO / "tests" / "data" / "public"
TOKEN = "glsa_standin_token"
SCHEMAS = resources.files("vertice_obs.schemas").joinpath("output")


def json_commands(group: click.Group = cli, prefix: str = "") -> list[str]:
    """Every command (`chaos check` for a subcommand) with a `--format` option offering json."""
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += json_commands(command, f"{prefix}{name} ")
        elif any("--format" in getattr(p, "opts", ()) and "json" in getattr(p.type, "choices", ())
                 for p in command.params):
            found.append(prefix + name)
    return found


def schema_of(command: str) -> dict:
    return json.loads(SCHEMAS.joinpath(f"{command.replace(' ', '-')}.schema.json").read_text(encoding="utf-8"))


def vobs(*args: str, env: dict | None = None, codes=(0,)) -> str:
    done = CliRunner().invoke(cli, [*args], env=env or {})
    assert done.exit_code in codes, (args, done.exit_code, done.output, done.exception)
    return done.stdout


# --- one run per shape, each variant of flags that once changed the shape -------------------------


def run_build(tmp: Path, _request) -> list[str]:
    root = make_project(tmp / "p")
    first = vobs("-C", str(root), "build", "--format", "json")
    (root / "exports" / "notes.txt").write_text("someone else's")  # left alone, with a finding
    (root / "exports" / "sample" / "sample-a.json").write_text("{}")  # stale
    checked = vobs("-C", str(root), "build", "--check", "--format", "json", codes=(1,))
    (root / "dashboards" / "b.py").write_text("1 / 0\n")  # a failed build: `failed`, one keeping its export
    (root / "dashboards" / "new.py").write_text("1 / 0\n")
    failed = vobs("-C", str(root), "build", "--format", "json", codes=(2,))
    assert json.loads(failed)["failed"] == [{"file": "dashboards/b.py", "kept": ["exports/sample/sample-b.json"]},
                                            {"file": "dashboards/new.py", "kept": []}]
    return [first, checked, failed]


def run_list(tmp: Path, _request) -> list[str]:
    root = make_project(tmp / "p")
    return [vobs("-C", str(root), "list", "--format", "json"),
            vobs("-C", str(root), "list", "--no-panels", "--format", "json")]


def run_checks(_tmp: Path, _request) -> list[str]:
    return [vobs("checks", "--format", "json")]


def run_validate(_tmp: Path, request) -> list[str]:
    prometheus = request.getfixturevalue("prometheus")
    return [vobs("-C", str(REPO), "validate", str(PUBLIC), "--offline", "--format", "json", codes=(0, 1)),
            vobs("-C", str(REPO), "validate", "--prometheus-url", prometheus.url, "--format", "json", codes=(0, 1))]


def run_audit(_tmp: Path, _request) -> list[str]:
    return [vobs("-C", str(REPO), "audit", str(PUBLIC), "--format", "json")]


def run_chaos_check(_tmp: Path, request) -> list[str]:
    prometheus = request.getfixturevalue("prometheus")
    run = str(REPO / "chaos" / "chaos-day-1.yaml")
    return [vobs("-C", str(REPO), "chaos", "check", run, "--format", "json"),
            vobs("-C", str(REPO), "chaos", "check", run, "--prometheus-url", prometheus.url, "--format", "json",
                 codes=(0, 1))]


def run_import(tmp: Path, _request) -> list[str]:
    root = make_project(tmp / "p")
    shutil.copy(PUBLIC / "swagger-stats dashboard v3.json", root / "v3.json")
    return [vobs("-C", str(root), "import", str(root / "v3.json"), "--narrative", "services", "--format", "json")]


def _grafana_runs(tmp: Path, command: str) -> list[str]:
    root = make_project(tmp / "p")
    with GrafanaStandIn(version="11.4.0") as grafana:
        env = {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN}
        out = {"diff": [vobs("-C", str(root), "diff", "--format", "json", env=env, codes=(1,))],
               "publish": [vobs("-C", str(root), "publish", "--dry-run", "--format", "json", env=env),
                           vobs("-C", str(root), "publish", "--format", "json", env=env)]}
        out["diff"].append(vobs("-C", str(root), "diff", "--format", "json", env=env))  # unchanged
        grafana.assert_no_violations()
    return out[command]


RUNS: dict[str, Callable[[Path, object], list[str]]] = {
    "audit": run_audit, "build": run_build, "chaos check": run_chaos_check, "checks": run_checks,
    "diff": lambda tmp, _r: _grafana_runs(tmp, "diff"), "import": run_import, "list": run_list,
    "publish": lambda tmp, _r: _grafana_runs(tmp, "publish"), "validate": run_validate,
}


def test_every_json_command_has_a_version_a_schema_and_a_run():
    commands = json_commands()
    assert len(commands) >= 9  # the walk found them (build, list, checks, validate, audit, …)
    assert sorted(OUTPUT_VERSIONS) == sorted(RUNS) == commands
    shipped = sorted(p.name for p in SCHEMAS.iterdir() if p.name.endswith(".json"))
    assert shipped == sorted(f"{c.replace(' ', '-')}.schema.json" for c in commands)
    for command in commands:
        schema = schema_of(command)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["additionalProperties"] is False
        assert schema["properties"]["command"] == {"const": command}
        assert schema["properties"]["schema_version"] == {"const": OUTPUT_VERSIONS[command]}


def test_every_schema_has_a_unique_stable_id():
    """Each JSON Schema vobs ships (inputs and outputs) names itself: `$id` is its file in the
    repository pyproject.toml names as Source, so it is unique, stable while the file is, and a
    schema pulled out of the package (an editor's `$schema:`, a registry) still says what it is."""
    import tomllib

    source = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]["Source"]
    files = sorted((REPO / "vertice_obs" / "schemas").rglob("*.schema.json"))
    assert len(files) >= 13  # inputs (narrative, catalog, lint, chaos) and every command's output
    ids = {}
    for path in files:
        schema = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        ids[path.relative_to(REPO).as_posix()] = schema.get("$id")
    assert ids == {rel: f"{source}/raw/main/{rel}" for rel in ids}
    assert len(set(ids.values())) == len(ids)


def _sorted_object(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    assert keys == sorted(keys), f"keys not sorted: {keys}"
    return dict(pairs)


@pytest.mark.parametrize("command", json_commands())
def test_real_output_is_one_versioned_sorted_object_matching_its_schema(command, tmp_path, request):
    validator = Draft202012Validator(schema_of(command))
    outputs = RUNS[command](tmp_path, request)
    shapes = set()
    for text in outputs:
        document = json.loads(text, object_pairs_hook=_sorted_object)
        assert isinstance(document, dict)
        assert (document["command"], document["schema_version"]) == (command, OUTPUT_VERSIONS[command])
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
        shapes.add(frozenset(document) - {"notes"})
    assert len(shapes) == 1, f"one shape whatever the flags, got {shapes}"


def test_findings_and_playlists_reach_the_schema_checked_output(tmp_path, request):
    """The runs above are not vacuous: the parts whose shape matters most are there to check."""
    validate = json.loads(RUNS["validate"](tmp_path / "v", request)[0])
    assert validate["findings"] and {"line", "column"} <= set(validate["findings"][0]["location"])
    dry, done = (json.loads(t) for t in RUNS["publish"](tmp_path / "p", request))
    assert (dry["dry_run"], done["dry_run"]) == (True, False)
    assert dry["folders"] and done["dashboards"] and done["playlists"] and dry["playlists"]
    assert {d["status"] for d in done["dashboards"]} == {"created"} and done["dashboards"][0]["version"] >= 1
    added, unchanged = (json.loads(t) for t in RUNS["diff"](tmp_path / "d", request))
    assert {d["status"] for d in added["dashboards"] + added["playlists"]} == {"added"}
    for document in (dry, done, added, unchanged):  # the optional destination is there, and checked
        assert document["destination"]["kind"] == "grafana"
        assert document["destination"]["url"].startswith("http://127.0.0.1:")
    assert {d["status"] for d in unchanged["dashboards"] + unchanged["playlists"]} == {"unchanged"}


@pytest.mark.parametrize("case", ["build-invalid-narrative", "validate-unreachable", "chaos-check-invalid-file"])
def test_a_command_stopped_before_its_result_prints_nothing_on_stdout_and_one_line_on_stderr(tmp_path, case):
    """README "Machine output": exit 2 with no result is no JSON at all, never a half object."""
    make_project(tmp_path)
    if case == "build-invalid-narrative":
        (tmp_path / "narratives" / "sample.yaml").write_text("id: sample\ntitle: T\nstroy: x\n")
        args = ["build", "--format", "json"]
    elif case == "validate-unreachable":
        args = ["validate", "--prometheus-url", "http://127.0.0.1:9", "--format", "json"]
    else:
        (tmp_path / "chaos.yaml").write_text("id: x\nscenarios: 3\n")
        args = ["chaos", "check", str(tmp_path / "chaos.yaml"), "--format", "json"]
    if case != "build-invalid-narrative":
        assert CliRunner().invoke(cli, ["-C", str(tmp_path), "build"]).exit_code == 0
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), *args])
    assert result.exit_code == 2, result.output
    if case == "validate-unreachable":  # a result all the same: nothing was available, and it says so
        assert json.loads(result.stdout)["available"] is False
        return
    assert result.stdout == ""
    lines = result.stderr.splitlines()  # one line per problem found in the same pass (a file's schema errors)
    assert lines and all(line.startswith("vobs: error: ") for line in lines), result.stderr
