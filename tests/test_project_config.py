"""Configuration precedence: flags, then environment, then vobs.yaml, then [tool.vobs]."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vertice_obs.errors import InputError
from vertice_obs.project import load_project


def write(root, pyproject=None, vobs=None):
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject)
    if vobs is not None:
        (root / "vobs.yaml").write_text(vobs)


def test_defaults_follow_the_layout(tmp_path):
    project = load_project(tmp_path, environ={})
    assert project.dashboards_dir == tmp_path / "dashboards"
    assert project.catalog == tmp_path / "narratives" / "metrics.yaml"
    assert project.grafana_url is None and project.prometheus_url is None


def test_precedence_flag_over_env_over_vobs_yaml_over_pyproject(tmp_path):
    write(tmp_path, pyproject='[tool.vobs]\nprometheus_url = "http://py:9090"\ngrafana_url = "http://py:3000"\n'
                              'exports_dir = "out"\n',
          vobs="prometheus_url: http://yaml:9090\ngrafana_url: http://yaml:3000\n")
    assert load_project(tmp_path, environ={}).prometheus_url == "http://yaml:9090"
    assert load_project(tmp_path, environ={}).exports_dir == tmp_path / "out"
    env = {"PROMETHEUS_URL": "http://env:9090", "GRAFANA_TOKEN": "glsa_secret"}
    project = load_project(tmp_path, environ=env)
    assert project.prometheus_url == "http://env:9090" and project.grafana_url == "http://yaml:3000"
    assert project.grafana_token == "glsa_secret"
    assert "glsa_secret" not in repr(project)
    flagged = load_project(tmp_path, {"prometheus_url": "http://flag:9090"}, environ=env)
    assert flagged.prometheus_url == "http://flag:9090"


@pytest.mark.parametrize("pyproject,vobs,message", [
    (None, "grafana_token: abc\n", "vobs.yaml:1:1: grafana_token must not be stored in a file"),
    (None, "url: x\nprometheus: y\n", "vobs.yaml:1:1: unknown setting 'url'"),
    ('[tool.vobs]\ncolour = "red"\n', None, "pyproject.toml [tool.vobs]: unknown setting 'colour'"),
    ("[tool.vobs\n", None, "pyproject.toml: invalid TOML"),
    (None, "- a\n", "vobs.yaml:1:1: vobs.yaml must be a mapping of settings"),
    # a wrong type is quoted as the file writes it, not as Python's type name (`not bool`)
    (None, "prometheus_url: yes\n", "vobs.yaml:1:1: prometheus_url must be a string, not yes (YAML reads it as true)"),
    (None, "grafana_org_id: [1, 2]\n", "vobs.yaml:1:1: grafana_org_id must be a number, not [1, 2]"),
    (None, "environments:\n  prod:\n    grafana_url: 0x1F\n",
     "vobs.yaml:3:5: environments.prod.grafana_url must be a string, not 0x1F (YAML reads it as 31)"),
    ('[tool.vobs]\nprometheus_url = true\n', None, "pyproject.toml [tool.vobs]: prometheus_url must be a string, not true"),
    # trial 16: an org id Grafana cannot have was sent, and advised as "a token made in organisation -1"
    (None, "grafana_org_id: -1\n", "vobs.yaml:1:1: grafana_org_id must be a number from 1, not -1"),
    (None, "grafana_org_id: 0\n", "vobs.yaml:1:1: grafana_org_id must be a number from 1, not 0"),
    (None, "grafana_org_id: 99999999999999999999\n",
     "vobs.yaml:1:1: grafana_org_id must be a number from 1, not 99999999999999999999"),
    # a Grafana URL is advised with Grafana's port, not Prometheus'
    (None, "grafana_url: grafana.example:3000\n", "vobs.yaml:1:1: grafana_url: 'grafana.example:3000' is "
     "not an http:// or https:// URL (add the scheme, e.g. http://host:3000)"),
])
def test_bad_configuration_is_one_located_error(tmp_path, pyproject, vobs, message):
    write(tmp_path, pyproject, vobs)
    with pytest.raises(InputError) as info:
        load_project(tmp_path, environ={})
    assert str(info.value).startswith(message)


def test_a_relative_root_joins_the_default_catalog_once(tmp_path, monkeypatch):
    """`vobs -C relative/path …` once looked for relative/path/relative/path/narratives/metrics.yaml."""
    from pathlib import Path

    from vertice_obs.project import load_project

    monkeypatch.chdir(tmp_path)
    project = load_project("rel/obs", environ={})
    assert project.catalog == Path("rel/obs/narratives/metrics.yaml")
    assert load_project("rel/obs", {"narratives_dir": "stories"}, environ={}).catalog == Path(
        "rel/obs/stories/metrics.yaml")


def test_a_dashboards_dir_that_is_not_there_is_named_not_blamed_on_the_narratives(tmp_path):
    """`dashboards_dir: dashbaords` read as no modules, so every chapter named an unknown uid."""
    from click.testing import CliRunner
    from sample_project import make_project

    from vertice_obs.cli import cli

    root = make_project(tmp_path / "p")
    (root / "vobs.yaml").write_text("exports_dir: exports\ndashboards_dir: dashbaords\n")
    for command in (["build"], ["build", "--check"], ["build", "--progress"], ["list"]):
        result = CliRunner().invoke(cli, ["-C", str(root), *command])
        assert result.exit_code == 2, (command, result.output)
        assert result.output.strip() == ("vobs: error: vobs.yaml:2:1: dashboards_dir: no folder at dashbaords (fix the "
                                         "setting, or leave it out for dashboards/)")
    (root / "vobs.yaml").write_text("narratives_dir: narrative\n")
    assert CliRunner().invoke(cli, ["-C", str(root), "build"]).output.strip() == (
        "vobs: error: vobs.yaml:1:1: narratives_dir: no folder at narrative (fix the setting, or leave it out for "
        "narratives/)")


READ_KEYS = ("dashboards_dir", "narratives_dir", "catalog")


@pytest.mark.parametrize("key", READ_KEYS)
@pytest.mark.parametrize("how", ["relative", "absolute", "symlink", "pyproject"])
def test_a_path_to_read_outside_the_project_is_refused(tmp_path, key, how):
    """A configuration (from a pull request, say) must not have vobs read files from anywhere into
    exports and Grafana: outside the project is refused, as it is for the folders vobs writes."""
    root, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    value = {"relative": "../elsewhere", "absolute": str(elsewhere), "symlink": "linked"}.get(how, "../elsewhere")
    if how == "symlink":
        (root / "linked").symlink_to(elsewhere)
    if how == "pyproject":
        write(root, pyproject=f'[tool.vobs]\n{key} = "{value}"\n')
    else:
        write(root, vobs=f"{key}: '{value}'\n")
    with pytest.raises(InputError) as info:
        load_project(root, environ={})
    where = "pyproject.toml [tool.vobs]" if how == "pyproject" else "vobs.yaml:1:1"
    assert str(info.value) == (f"{where}: {key} {value!r} leads outside the project (to {elsewhere.resolve()}): "
                               "a project file may name only paths inside the project")


@pytest.mark.parametrize("key", READ_KEYS)
def test_a_path_to_read_inside_the_project_is_kept_and_a_flag_may_point_anywhere(tmp_path, key):
    root = tmp_path / "project"
    (root / "real").mkdir(parents=True)
    (root / "linked").symlink_to(root / "real")
    for value in ("stories", "sub/../stories", str(root / "stories"), "linked"):
        write(root, vobs=f"{key}: '{value}'\n")
        assert getattr(load_project(root, environ={}), key) == root / value
    flagged = load_project(tmp_path / "elsewhere", {key: str(tmp_path / "x")}, environ={})
    assert getattr(flagged, key) == tmp_path / "x"


MISTAKES = ("dashboard_dir: d\n"                     # 1: a typo
            "grafana_token: glsa_abc\n"              # 2: a secret in a file
            "prometheus_url: ftp://p\n"              # 3: not http(s)
            "environments:\n"
            "  prod:\n"
            "    grafana_urll: http://p:3000\n"      # 6: a typo in an environment
            "    org_id: two\n"                      # 7: not a number
            "  staging: http://s:3000\n")            # 8: not a mapping
EVERY_MISTAKE = [
    "vobs.yaml:1:1: unknown setting 'dashboard_dir', did you mean 'dashboards_dir'?",
    "vobs.yaml:2:1: grafana_token must not be stored in a file",
    "vobs.yaml:3:1: prometheus_url: 'ftp://p' is not an http:// or https:// URL",
    "vobs.yaml:6:5: environments.prod: unknown setting 'grafana_urll', did you mean 'grafana_url'?",
    "vobs.yaml:7:5: environments.prod.org_id must be a number from 1, not 'two'",
    "vobs.yaml:8:3: environments.staging must be a mapping",
]


def test_every_mistake_in_vobs_yaml_is_said_in_one_run(tmp_path):
    """A file with six mistakes takes one run, not six: each at its file:line:col, in the file's order."""
    write(tmp_path, pyproject='[tool.vobs]\ncolour = "red"\n', vobs=MISTAKES)
    with pytest.raises(InputError) as info:
        load_project(tmp_path, environ={})
    said = [str(e) for e in (info.value, *info.value.also)]
    assert said[0].startswith("pyproject.toml [tool.vobs]: unknown setting 'colour'")  # both files, in one run
    assert len(said) == 1 + len(EVERY_MISTAKE) and all("\n" not in line for line in said)
    for line, expected in zip(said[1:], EVERY_MISTAKE):
        assert line.startswith(expected), line


def test_the_cli_prints_every_mistake_one_line_each(tmp_path):
    from click.testing import CliRunner

    from vertice_obs.cli import cli

    write(tmp_path, vobs=MISTAKES)
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert [line.split(": ")[2] for line in lines] == [m.split(": ", 1)[0] for m in EVERY_MISTAKE], lines
    assert all(line.startswith("vobs: error: vobs.yaml:") for line in lines)


_SETTINGS = st.sampled_from(["dashboards_dir", "dashboard_dir", "catalog", "grafana_url", "prometheus_url",
                             "grafana_org_id", "grafana_token", "environments", "colour"])
_VALUES = st.one_of(st.sampled_from(["d", "''", "http://h:3000", "ftp://h", "two", "2", "[a]", "null",
                                     "'http://u:pw@h'", "{prod: {org_id: x}}", "{prod: {grafana_urll: x}}", "{'../x': {}}",
                                     "{a-b: {}, a_b: {}}", "../../etc"]), st.text(max_size=8))


READER = r"vobs\.yaml(:\d+)?: (invalid YAML|not UTF-8|duplicate key|mapping keys|YAML merge|value .* cannot be read)"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_SETTINGS, _VALUES), max_size=8), st.one_of(st.none(), st.text(max_size=40)))
def test_any_vobs_yaml_is_a_project_or_located_errors(tmp_path, pairs, raw):
    """Whatever vobs.yaml holds: a project, or errors — one line each, at vobs.yaml:line:col (line
    only for what stops the YAML reader: it reads no further) — never another exception."""
    text = raw if raw is not None else "".join(f"{key}: {value}\n" for key, value in pairs)
    (tmp_path / "vobs.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_project(tmp_path, environ={})
    except InputError as exc:
        for each in (exc, *exc.also):
            line = str(each)
            assert "\n" not in line and line.startswith("vobs.yaml:"), line
            # a setting's problem at its line and column; one that stops the YAML reader, at its line
            assert re.match(r"vobs\.yaml:\d+:\d+: ", line) or re.match(READER, line), line


# Several wrong path settings at once (a README trial met them one run at a time): each row is a
# vobs.yaml, the files beside it, a command, and every error that one run must say, at its line.
PATH_MISTAKES = [
    ("three-read-settings-build",
     "exports_dir: exports\ndashboards_dir: dashbords\nnarratives_dir: notes.txt\ncatalog: narratives/metric.yaml\n",
     ["build"],
     ["vobs.yaml:2:1: dashboards_dir: no folder at dashbords (fix the setting, or leave it out for dashboards/)",
      "vobs.yaml:3:1: narratives_dir: no folder at notes.txt (fix the setting, or leave it out for narratives/)",
      "vobs.yaml:4:1: catalog: no metric catalog at narratives/metric.yaml (a file of metrics: fix the setting, "
      "or leave it out for narratives/metrics.yaml)"]),
    ("three-read-settings-validate",
     "catalog: narratives/metric.yaml\nnarratives_dir: notes.txt\ndashboards_dir: dashbords\n",
     ["validate", "--offline"],
     ["vobs.yaml:1:1: catalog: no metric catalog at narratives/metric.yaml",
      "vobs.yaml:2:1: narratives_dir: no folder at notes.txt",
      "vobs.yaml:3:1: dashboards_dir: no folder at dashbords"]),
    ("a-catalog-that-is-a-folder-diff",
     "catalog: narratives\nnarratives_dir: narrative\n",
     ["diff"],
     ["vobs.yaml:1:1: catalog: no metric catalog at narratives",
      "vobs.yaml:2:1: narratives_dir: no folder at narrative"]),
    ("one-refused-outside-two-missing",
     "dashboards_dir: ../elsewhere\nnarratives_dir: stories\ncatalog: narratives/metric.yaml\n",
     ["build"],
     ["vobs.yaml:1:1: dashboards_dir '../elsewhere' leads outside the project",
      "vobs.yaml:2:1: narratives_dir: no folder at stories",
      "vobs.yaml:3:1: catalog: no metric catalog at narratives/metric.yaml"]),
    ("a-typo-beside-them",
     "dashboard_dir: d\ncatalog: metrics.yaml\nnarratives_dir: notes.txt\n",
     ["audit", "--offline"],
     ["vobs.yaml:1:1: unknown setting 'dashboard_dir', did you mean 'dashboards_dir'?",
      "vobs.yaml:2:1: catalog: no metric catalog at metrics.yaml",
      "vobs.yaml:3:1: narratives_dir: no folder at notes.txt"]),
    ("exports-written-outside-build",
     "exports_dir: ../elsewhere/exports\ndashboards_dir: dashbords\n",
     ["build"],
     ["vobs.yaml:1:1: exports_dir '../elsewhere/exports' is outside the project",
      "vobs.yaml:2:1: dashboards_dir: no folder at dashbords"]),
    ("provisioning-written-outside-publish",
     "narratives_dir: narrative\nprovisioning_dir: ../elsewhere/prov\ncatalog: metrics.yaml\n",
     ["publish"],
     ["vobs.yaml:1:1: narratives_dir: no folder at narrative",
      "vobs.yaml:2:1: provisioning_dir '../elsewhere/prov' is outside the project",
      "vobs.yaml:3:1: catalog: no metric catalog at metrics.yaml"]),
]


def _tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("vobs,command,expected", [row[1:] for row in PATH_MISTAKES], ids=[r[0] for r in PATH_MISTAKES])
def test_every_wrong_path_setting_is_said_in_one_run(tmp_path, vobs, command, expected):
    """Each wrong path setting — a folder or catalog not there, a file where a folder is wanted, a
    folder outside the project — is one `vobs.yaml:LINE:COL` line of the same run, exit 2, nothing written."""
    from click.testing import CliRunner
    from sample_project import make_project

    from vertice_obs.cli import cli

    root = make_project(tmp_path / "p")
    (root / "notes.txt").write_text("a file, not a folder\n")
    (root / "vobs.yaml").write_text(vobs)
    before = _tree(tmp_path)
    env = {"GRAFANA_URL": "", "GRAFANA_TOKEN": "", "PROMETHEUS_URL": "", "GRAFANA_ORG_ID": "", "VOBS_ENV": ""}
    result = CliRunner().invoke(cli, ["-C", str(root), *command], env=env)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == len(expected), lines
    for line, wanted in zip(lines, expected):
        assert line.startswith(f"vobs: error: {wanted}"), (line, wanted)
    assert _tree(tmp_path) == before  # nothing written
