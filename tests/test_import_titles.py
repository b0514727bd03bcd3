"""`vobs import` never writes a project `vobs build` refuses for its titles (trial 17, M1): Grafana
before 11.3 keeps one dashboard of a title per folder, so the build refuses two of a title in one
narrative's folder — and import, which knows every title and the folder up front, exited 0 having
written exactly that (oliver006/redis_exporter ships two dashboards titled "Redis Dashboard for
Prometheus Redis Exporter 1.x"; two same-titled dashboards of Grafana 12's General folder, pulled,
did the same). It now refuses before writing anything, one line per clash naming both files, by
the build's own rule (`build.plan.FolderTitles`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vertice_obs.cli import cli

REDIS = "Redis Dashboard for Prometheus Redis Exporter 1.x"
RULE = ("Grafana before 11.3 keeps one dashboard of a title per folder and refuses the second save (412 "
        "name-exists) — give one another title, or import it into a narrative of another folder")


def vobs(root: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(root), *args])


def dashboard(root: Path, name: str, uid: str, title: str) -> str:
    panel = {"id": 1, "type": "timeseries", "title": "Commands", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
             "targets": [{"expr": "rate(redis_commands_processed_total[5m])", "refId": "A"}]}
    (root / name).write_text(json.dumps({"uid": uid, "title": title, "panels": [panel]}), encoding="utf-8")
    return name


def files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_two_dashboards_of_one_title_into_one_narrative_write_nothing(tmp_path: Path):
    """The trial's case, in a new project: exit 2, the clash on one line, and not a file written."""
    dashboard(tmp_path, "redis_dashboard.json", "e008bc3f", REDIS)
    dashboard(tmp_path, "redis-mixin-overview.json", "bRd48yKMdd", REDIS)
    dashboard(tmp_path, "kafka.json", "kafka", "Kafka Exporter Overview")
    before = files(tmp_path)
    done = vobs(tmp_path, "import", str(tmp_path), "--narrative", "trial")
    assert done.exit_code == 2, done.output
    assert done.stderr.splitlines() == [
        f"vobs: error: redis_dashboard.json: dashboard 'e008bc3f' has the title '{REDIS}' of dashboard 'bRd48yKMdd' "
        f"(redis-mixin-overview.json), both in folder 'trial': {RULE}",
        "vobs: error: nothing was written: 1 of 3 dashboards refused (redis_dashboard.json); an import writes all of "
        "them or none — fix it, or import the others without it"]
    assert files(tmp_path) == before


def test_every_clash_is_a_line_and_titles_compare_as_grafana_compares_them(tmp_path: Path):
    """`Redis: Overview!` and `redis overview` are one title to Grafana (its slug): the build's rule,
    not a second copy of it that would let one through."""
    for name, uid, title in (("a.json", "a", "Redis: Overview!"), ("b.json", "b", "redis overview"),
                             ("c.json", "c", "Kafka"), ("d.json", "d", " kafka ")):
        dashboard(tmp_path, name, uid, title)
    done = vobs(tmp_path, "import", "--narrative", "n", *(str(tmp_path / f) for f in ("a.json", "b.json", "c.json",
                                                                                       "d.json")))
    assert done.exit_code == 2, done.output
    lines = done.stderr.splitlines()
    assert [line.split(": dashboard ")[0] for line in lines[:2]] == ["vobs: error: b.json", "vobs: error: d.json"]
    assert "of dashboard 'a' (a.json), both in folder 'n'" in lines[0] and "of dashboard 'c' (c.json)" in lines[1]
    assert lines[2].startswith("vobs: error: nothing was written: 2 of 4 dashboards refused (b.json, d.json)")
    assert not (tmp_path / "dashboards").exists() and not (tmp_path / "narratives").exists()


def test_a_title_a_dashboard_of_the_narrative_has_already_is_caught(tmp_path: Path):
    """The narrative's folder already holds a dashboard of the title (imported earlier): the second
    import is refused and the narrative keeps its one chapter; into another narrative (folder) it is
    imported, and the build takes the project."""
    dashboard(tmp_path, "redis_dashboard.json", "e008bc3f", REDIS)
    dashboard(tmp_path, "redis-mixin-overview.json", "bRd48yKMdd", REDIS)
    assert vobs(tmp_path, "import", str(tmp_path / "redis_dashboard.json"), "--narrative", "trial").exit_code == 0
    narrative = (tmp_path / "narratives" / "trial.yaml").read_text(encoding="utf-8")
    done = vobs(tmp_path, "import", str(tmp_path / "redis-mixin-overview.json"), "--narrative", "trial")
    assert done.exit_code == 2, done.output
    assert done.stderr.splitlines() == [
        f"vobs: error: redis-mixin-overview.json: dashboard 'bRd48yKMdd' has the title '{REDIS}' of dashboard "
        f"'e008bc3f' (dashboards/redis_dashboard_for_prometheus_redis_exporter_1_x.py), both in folder 'trial': {RULE}"]
    assert (tmp_path / "narratives" / "trial.yaml").read_text(encoding="utf-8") == narrative
    assert [p.name for p in (tmp_path / "dashboards").glob("*.py")] == ["redis_dashboard_for_prometheus_redis_exporter_1_x.py"]
    # Importing it again (--force) is no clash with itself.
    assert vobs(tmp_path, "import", str(tmp_path / "redis_dashboard.json"), "--narrative", "trial",
                "--force").exit_code == 0
    assert vobs(tmp_path, "import", str(tmp_path / "redis-mixin-overview.json"), "--narrative", "mixin").exit_code == 0
    built = vobs(tmp_path, "build")
    assert built.exit_code == 0, built.output


def test_another_narrative_of_the_same_folder_counts_and_so_does_a_title_only_the_build_knew(tmp_path: Path):
    """Narratives `a` and `b` share the folder 'Cache'. `a`'s dashboard is hand-written, its title
    computed (no literal to read): the title its last build rendered (the manifest) is used."""
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "narratives").mkdir()
    for uid, title in (("own", "NAME + ' Dashboard for Prometheus Redis Exporter 1.x'"), ("other", "'Other'")):
        (tmp_path / "dashboards" / f"{uid}.py").write_text(
            f"from vertice_obs.importer import house as h\n\nNAME = 'Redis'\n\n"
            f"dashboard = h.dashboard({uid!r}, {title}, panels=[])\n", encoding="utf-8")
    for narrative, uid in (("a", "own"), ("b", "other")):
        (tmp_path / "narratives" / f"{narrative}.yaml").write_text(
            f"id: {narrative}\ntitle: {narrative.upper()}\nfolder: Cache\nowner: me\nsummary: s\nchapters:\n"
            f"  - dashboard: {uid}\n    title: T\n    story: S.\n", encoding="utf-8")
    assert vobs(tmp_path, "build").exit_code == 0
    dashboard(tmp_path, "redis.json", "e008bc3f", REDIS)
    done = vobs(tmp_path, "import", str(tmp_path / "redis.json"), "--narrative", "b")
    assert done.exit_code == 2, done.output
    assert done.stderr == (f"vobs: error: redis.json: dashboard 'e008bc3f' has the title '{REDIS}' of dashboard 'own' "
                           f"(dashboards/own.py), both in folder 'Cache': {RULE}\n")
    assert not (tmp_path / "dashboards" / "redis_dashboard_for_prometheus_redis_exporter_1_x.py").exists()


@pytest.mark.parametrize("folder_uid, shown", [("", "pulled-all"), ("cache-folder", "cache-folder")])
def test_a_pull_of_two_same_titled_dashboards_of_one_folder_is_caught(tmp_path: Path, folder_uid: str, shown: str):
    """`vobs pull --all` of Grafana 12, which keeps two dashboards of a title in a folder: the new
    narrative adopts their folder (none for General: the narrative's own, named by its id)."""
    pulled = tmp_path / "pulled"
    pulled.mkdir()
    dashboard(pulled, "e008bc3f.json", "e008bc3f", REDIS)
    dashboard(pulled, "bRd48yKMdd.json", "bRd48yKMdd", REDIS)
    (pulled / "inventory.json").write_text(json.dumps({"dashboards": [
        {"uid": uid, "folder": "Cache" if folder_uid else "", "folder_uid": folder_uid}
        for uid in ("e008bc3f", "bRd48yKMdd")]}))
    done = vobs(tmp_path, "import", str(pulled), "--narrative", "pulled-all")
    assert done.exit_code == 2, done.output
    assert done.stderr.splitlines()[0] == (
        f"vobs: error: pulled/e008bc3f.json: dashboard 'e008bc3f' has the title '{REDIS}' of dashboard 'bRd48yKMdd' "
        f"(pulled/bRd48yKMdd.json), both in folder '{shown}': {RULE}")
    assert files(tmp_path) == ["pulled", "pulled/bRd48yKMdd.json", "pulled/e008bc3f.json", "pulled/inventory.json"]
