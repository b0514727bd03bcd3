"""`vobs import` as a user runs it (issue 17): public dashboards in, modules and a narrative out,
`vobs build` green with the TODO stories reported; --explain, --format json, --force, appending to
an existing narrative without losing its comments, and --uid from the spec-checked Grafana stand-in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
PUBLIC = REPO / "tests" / "data" / "public"
V3 = PUBLIC / "swagger-stats dashboard v3.json"
OPERATION = PUBLIC / "swagger-stats API Operation dashboard.json"


def vobs(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("GRAFANA_", "PROMETHEUS_", "VOBS_"))}
    full["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "vertice_obs", *args], cwd=cwd, env=full, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for folder in ("dashboards", "narratives"):
        (tmp_path / folder).mkdir()
    shutil.copy(V3, tmp_path / "v3.json")
    shutil.copy(OPERATION, tmp_path / "operation.json")
    return tmp_path


def test_import_then_build_renders_the_dashboards_with_todo_stories(project: Path):
    done = vobs(project, "import", "v3.json", "operation.json", "--narrative", "services", "--explain",
                "--chapter-title", "The API at a glance")
    assert done.returncode == 0, done.stderr
    assert "v3.json → dashboards/swagger_stats_dashboard_v3.py (uid IcqsUmcGz)" in done.stdout
    assert "2 chapters in the new narrative narratives/services.yaml: write each story" in done.stdout
    assert "  - graph → timeseries (6 panels)" in done.stdout and "  - legacy rows[] → row panels (3 rows, 0 shown as a row panel" in done.stdout
    narrative = (project / "narratives" / "services.yaml").read_text()
    assert 'title: "The API at a glance"' in narrative and narrative.count("story: |\n      TODO") == 2
    built = vobs(project, "build")
    assert built.returncode == 0, built.stderr
    todo = [line for line in (built.stdout + built.stderr).splitlines() if line.endswith("[narrative/story-todo]")]
    assert [line.split(" → ")[0] for line in todo] == ["narratives/services.yaml:7", "narratives/services.yaml:11"]
    own = [line for line in (built.stdout + built.stderr).splitlines() if line.endswith("[narrative/todo]")]
    assert own == ["narratives/services.yaml:3: warning: narrative 'services': its owner is still a TODO [narrative/todo]",
                   "narratives/services.yaml:4: warning: narrative 'services': its summary is still a TODO "
                   "[narrative/todo]"]
    exported = json.loads((project / "exports" / "services" / "IcqsUmcGz.json").read_text())
    original = json.loads(V3.read_text())
    assert [p["title"] for p in exported["panels"][1:]] == [p["title"] for p in original["panels"]]
    # Writing the story ends the warning.
    (project / "narratives" / "services.yaml").write_text(
        narrative.replace("TODO: tell", "Tell").replace('owner: "TODO"', "owner: team-api")
        .replace("TODO: who is", "Who is"))
    rebuilt = vobs(project, "build")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "[narrative/story-todo]" not in rebuilt.stdout + rebuilt.stderr
    assert "[narrative/todo]" not in rebuilt.stdout + rebuilt.stderr


def test_an_existing_module_is_refused_without_force_and_replaced_with_it(project: Path):
    assert vobs(project, "import", "v3.json").returncode == 0
    module = project / "dashboards" / "swagger_stats_dashboard_v3.py"
    module.write_text(module.read_text() + "# edited\n")
    again = vobs(project, "import", "v3.json")
    assert again.returncode == 2 and again.stderr.strip() == (
        "vobs: error: v3.json: dashboards/swagger_stats_dashboard_v3.py exists already: pass --force to overwrite it")
    assert module.read_text().endswith("# edited\n")
    assert vobs(project, "import", "v3.json", "--force").returncode == 0
    assert not module.read_text().endswith("# edited\n")


def test_a_uid_defined_by_another_module_is_a_collision(project: Path):
    (project / "dashboards" / "mine.py").write_text(
        "from vertice_obs import panels as p\n\ndashboard = p.dashboard('IcqsUmcGz', 'Mine', description='d', "
        "environment_metric='up', panels=[])\n")
    done = vobs(project, "import", "v3.json")
    assert done.returncode == 2 and "dashboard uid 'IcqsUmcGz' is already defined in dashboards/mine.py" in done.stderr
    assert not (project / "dashboards" / "swagger_stats_dashboard_v3.py").exists()
    # --replace (the name for --force) replaces THAT module: one module per uid, never two.
    assert vobs(project, "import", "v3.json", "--replace").returncode == 0
    assert not (project / "dashboards" / "swagger_stats_dashboard_v3.py").exists()
    assert "'IcqsUmcGz'" in (project / "dashboards" / "mine.py").read_text()
    assert "'Mine'" not in (project / "dashboards" / "mine.py").read_text()


def test_json_output_and_a_pulled_folder(project: Path):
    pulled = project / "pulled"
    pulled.mkdir()
    shutil.copy(V3, pulled / "IcqsUmcGz.json")
    (pulled / "inventory.json").write_text('{"dashboards": []}')
    done = vobs(project, "import", "pulled", "--format", "json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["imported"][0]["uid"] == "IcqsUmcGz" and out["imported"][0]["module"] == "dashboards/swagger_stats_dashboard_v3.py"
    assert "schemaVersion 26 → 39" in out["imported"][0]["migrations"] and out["narrative"] is None


def test_a_folder_uid_in_an_inventory_that_is_no_uid_is_never_written_into_the_narrative(project: Path):
    """`inventory.json` is a file anyone may edit (or a hostile pull folder handed over): a
    `folder_uid` that is no Grafana uid was written into the new narrative as it stood, which the
    next `vobs build` refused. It is left out, said as a note, and the narrative builds."""
    pulled = project / "pulled"
    pulled.mkdir()
    shutil.copy(V3, pulled / "IcqsUmcGz.json")
    (pulled / "inventory.json").write_text(json.dumps({"dashboards": [
        {"uid": "IcqsUmcGz", "file": "pulled/IcqsUmcGz.json", "folder": "Team", "folder_uid": "../../api/admin\u001b[2J"}]}))
    done = vobs(project, "import", "pulled", "--narrative", "services")
    assert done.returncode == 0, done.stderr
    assert "pulled/inventory.json: the folder_uid of 'IcqsUmcGz', '../../api/admin\\x1b[2J', is no Grafana uid: " \
           "its Grafana folder is not known" in done.stderr
    narrative = (project / "narratives" / "services.yaml").read_text()
    assert "folder" not in narrative and "api/admin" not in narrative
    built = vobs(project, "build")
    assert built.returncode == 0, built.stderr


def test_chapters_are_appended_to_an_existing_narrative_keeping_its_comments(project: Path):
    existing = ("# who reads this: the API team\nid: services\ntitle: Services\nowner: team-api\n"
                "summary: APIs.\nchapters:\n    - dashboard: other\n      title: Other  # kept\n"
                "      story: Already written.\n")
    (project / "narratives" / "services.yaml").write_text(existing)
    done = vobs(project, "import", "v3.json", "--narrative", "services")
    assert done.returncode == 0, done.stderr
    assert "1 chapter appended to narratives/services.yaml: write each story" in done.stdout
    text = (project / "narratives" / "services.yaml").read_text()
    assert text.startswith(existing) and '    - dashboard: "IcqsUmcGz"\n      title: "swagger-stats dashboard v3"' in text
    # A second import of the same uid (with --force) adds no second chapter.
    assert vobs(project, "import", "v3.json", "--narrative", "services", "--force").returncode == 0
    assert (project / "narratives" / "services.yaml").read_text() == text


def test_chapter_titles_are_written_as_typed_and_only_what_is_invisible_is_escaped(project: Path):
    """`title: "Platform \\u2014 DB overview"` was what a reader of the narrative saw: every non-ASCII
    character escaped. Text is now written as typed (UTF-8), and only controls, line separators and
    bidi or other invisible format characters are escapes, so the file shows what it holds."""
    import yaml

    title = 'Platform — DB overview ドーパミン 🚀 \u202eevil\u200f \x1b[2J\x85 \u2028 "q" \\ \ufeff'
    panel = {"type": "text", "title": "t", "gridPos": {"h": 2, "w": 24, "x": 0, "y": 0}}
    (project / "d.json").write_text(json.dumps({"uid": "dbo", "title": title, "panels": [panel]}))
    done = vobs(project, "import", "d.json", "--narrative", "platform", "--chapter-title", "Café — ☕ and more")
    assert done.returncode == 0, done.stderr
    assert vobs(project, "import", "d.json", "--narrative", "other", "--force").returncode == 0
    lines = (project / "narratives" / "platform.yaml").read_text(encoding="utf-8").splitlines()
    assert '    title: "Café — ☕ and more"' in lines
    lines = (project / "narratives" / "other.yaml").read_text(encoding="utf-8").splitlines()
    assert ('    title: "Platform — DB overview ドーパミン 🚀 \\u202eevil\\u200f \\u001b[2J\\u0085 \\u2028 \\"q\\" '
            '\\\\ \\ufeff"') in lines
    assert yaml.safe_load((project / "narratives" / "other.yaml").read_text())["chapters"][0]["title"] == title


def test_import_by_uid_from_grafana(project: Path):
    from grafana_standin import GrafanaStandIn

    model = json.loads(V3.read_text())
    model.pop("id")
    with GrafanaStandIn() as grafana:
        saved = requests.post(f"{grafana.url}/api/dashboards/db", json={"dashboard": model, "overwrite": True},
                              headers={"Authorization": "Bearer glsa_standin_token"}, timeout=10)
        assert saved.status_code == 200, saved.text
        done = vobs(project, "import", "--uid", "IcqsUmcGz", env={"GRAFANA_URL": grafana.url,
                                                                  "GRAFANA_TOKEN": "glsa_standin_token"})
        grafana.assert_no_violations()
    assert done.returncode == 0, done.stderr
    assert "grafana:IcqsUmcGz → dashboards/swagger_stats_dashboard_v3.py" in done.stdout
    direct = project / "direct"
    (direct / "dashboards").mkdir(parents=True)
    (direct / "narratives").mkdir()
    assert vobs(direct, "import", str(V3)).returncode == 0
    body = lambda text: text.split("from vertice_obs.importer", 1)[1]  # noqa: E731 (the docstring names the source)
    assert body((project / "dashboards" / "swagger_stats_dashboard_v3.py").read_text()) == \
           body((direct / "dashboards" / "swagger_stats_dashboard_v3.py").read_text())


def test_a_dashboard_vobs_published_joins_its_new_narrative_without_its_old_one(project: Path):
    """`vobs pull` then `vobs import` moves a dashboard between projects: what its old narrative added
    (story panel, chapter links to dashboards of that project, `narrative:` tag, the managed tag) is
    set aside, said in --explain, and the new narrative adds its own — one story, no stale links."""
    export = REPO / "exports" / "esgt" / "maximus-esgt-coherence.json"  # chapter 2 of 2: two chapter links
    original = json.loads(export.read_text())
    shutil.copy(export, project / "pulled.json")
    done = vobs(project, "import", "pulled.json", "--narrative", "team", "--explain")
    assert done.returncode == 0, done.stderr
    assert ("  - a dashboard vobs rendered: set aside what its narrative added (1 story panel; 2 chapter links; "
            "tags narrative:esgt, vertice-obs); the narrative it joins here adds its own") in done.stdout, done.stdout
    assert vobs(project, "build").returncode == 0
    built = json.loads((project / "exports" / "team" / "maximus-esgt-coherence.json").read_text())
    stories = [p["title"] for p in built["panels"] if p.get("description", "").startswith("The story of this chapter")]
    assert stories == [f"team · 1/1: {original['title']}"], stories
    assert [p["title"] for p in built["panels"][1:]] == [p["title"] for p in original["panels"][1:]]
    assert not [link for link in built.get("links", []) if "chapter" in link.get("tooltip", "")]
    assert "narrative:esgt" not in built["tags"] and "narrative:team" in built["tags"]


def test_a_save_api_body_is_imported_as_validate_reads_it(project: Path):
    """Many projects ship dashboards as Grafana's save body, `{"dashboard": …, "folderId": 0,
    "overwrite": true}` (no `meta`): validate read them and import refused them as no dashboard."""
    body = {"dashboard": json.loads(V3.read_text()), "folderId": 0, "overwrite": True}
    (project / "shipped").mkdir()
    (project / "shipped" / "body.json").write_text(json.dumps(body))
    done = vobs(project, "import", "shipped", "--narrative", "services")
    assert done.returncode == 0, done.stderr
    assert "shipped/body.json → dashboards/swagger_stats_dashboard_v3.py (uid IcqsUmcGz)" in done.stdout, done.stdout
    checked = vobs(project, "validate", "shipped", "--offline", "--format", "json")
    assert json.loads(checked.stdout)["dashboards"] == 1


def test_import_from_inside_a_project_names_the_project_and_writes_nothing(project: Path):
    """Every other command refuses a subfolder of the project; import made a second project there."""
    inside = project / "narratives"
    shutil.copy(project / "v3.json", inside / "v3.json")
    done = vobs(inside, "import", "v3.json", "--narrative", "services")
    assert done.returncode == 2
    assert done.stderr.strip() == (f"vobs: error: the project looks to be {project.resolve()}: run vobs import there, "
                                   f"or give -C {project.resolve()} (-C . starts a new project in this folder)")
    assert sorted(p.name for p in inside.iterdir()) == ["v3.json"]
    assert vobs(inside, "-C", ".", "import", "v3.json", "--narrative", "services").returncode == 0  # meant: done
    assert (inside / "dashboards").is_dir() and (inside / "narratives" / "services.yaml").is_file()


def test_a_new_narrative_build_would_refuse_is_not_written(tmp_path: Path):
    """`--narrative general` in an empty folder wrote narratives/general.yaml, whose default folder
    'general' every Grafana refuses, and `vobs build` then refused the project (exit 0, then 2). The
    new narrative is read as build reads it first: refused, exit 2, nothing written."""
    narrative = "general"
    done = vobs(tmp_path, "import", str(V3), "--narrative", narrative)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(f"vobs: error: --narrative {narrative}: narratives/{narrative}.yaml would be refused: ")
    assert "Grafana keeps for its root folder" in done.stderr and done.stderr.rstrip().endswith("nothing was written")
    assert list(tmp_path.iterdir()) == []  # no module, no narrative
    assert vobs(tmp_path, "import", str(V3), "--narrative", "swagger").returncode == 0
    assert vobs(tmp_path, "build").returncode == 0
