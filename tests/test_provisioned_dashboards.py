"""A dashboard Grafana holds from a provisioning file (trial 22, M2): Grafana refuses to save it through
the API (`400 Cannot save provisioned dashboard`, `meta.provisioned: true`), so diff and publish must say
so — not call it drifted, not advise `--force` or running publish again (which can never work: a CI job
failed forever) — and publish must never send its save. Against the stand-in's model of provisioning
(`GrafanaStandIn.provision`), on the oldest and newest Grafana vobs supports."""

from __future__ import annotations

import copy
import json
from importlib import resources

import jsonschema
import pytest
from grafana_standin import GrafanaStandIn
from sample_project import make_project
from standin_cli import vobs

VERSIONS = ["9.5.21", "12.0.2"]
FILE = "platform/sample-a.json"
WHY = (f"provisioned from a file in Grafana ({FILE}): Grafana refuses to save it through the API, --force too — "
       "change it in that file, or remove it from provisioning, or give the code's dashboard another uid")


def schema(name: str) -> dict:
    return json.loads(resources.files("vertice_obs.schemas").joinpath("output", f"{name}.schema.json").read_text())


def saves_of(grafana: GrafanaStandIn, uid: str) -> list:
    return [r for r in grafana.requests if r.method == "POST" and r.path == "/api/dashboards/db"
            and isinstance(r.body, dict) and (r.body.get("dashboard") or {}).get("uid") == uid]


@pytest.fixture(params=VERSIONS)
def grafana(request):
    with GrafanaStandIn(version=request.param) as standin:
        yield standin
        standin.assert_no_violations()


def test_the_stand_in_refuses_a_provisioned_dashboard_s_save_as_grafana_does(tmp_path, grafana):
    """What the fix relies on, held here: the meta says provisioned, with the file; a save answers 400;
    Grafana 12's resource list marks it managed by file provisioning."""
    import niquests

    grafana.provision({"uid": "prov", "title": "Provisioned", "panels": []}, FILE)
    auth = {"Authorization": "Bearer glsa_standin_token"}
    meta = niquests.get(f"{grafana.url}/api/dashboards/uid/prov", headers=auth).json()["meta"]
    assert (meta["provisioned"], meta["provisionedExternalId"]) == (True, FILE)
    saved = niquests.post(f"{grafana.url}/api/dashboards/db", headers=auth, json={
        "dashboard": {"uid": "prov", "title": "Mine", "version": 1}, "folderUid": "", "overwrite": False})
    assert (saved.status_code, saved.json()["message"]) == (400, "Cannot save provisioned dashboard")
    if grafana.major_minor >= (12, 0):
        listed = niquests.get(f"{grafana.url}/apis/dashboard.grafana.app/v0alpha1/namespaces/default/dashboards",
                              headers=auth).json()["items"]
        assert listed[0]["metadata"]["annotations"]["grafana.app/managedBy"] == "classic-file-provisioning"
        assert listed[0]["metadata"]["annotations"]["grafana.app/sourcePath"] == FILE


def test_a_provisioned_dashboard_is_said_provisioned_and_never_saved_even_with_force(tmp_path, grafana):
    root = make_project(tmp_path)
    grafana.provision({"uid": "sample-a", "title": "Provisioned by hand", "panels": []}, FILE)

    text = vobs(root, grafana, "diff")
    assert text.exit_code == 1, text.output
    lines = text.stdout.splitlines()
    row = next(i for i, line in enumerate(lines) if "sample-a" in line)
    assert lines[row].split()[:3] == ["x", "sample-a", "provisioned"], text.stdout
    assert lines[row + 1].strip() == f"{WHY} (publish skips it: skipped-provisioned)"
    other = next(line for line in lines if "sample-b" in line)  # the titles line up (review 131 L7)
    assert lines[row].index("Sample A") == other.index("Sample B"), text.stdout
    assert "drifted" not in text.stdout and "--force to overwrite" not in text.stdout
    assert "1 provisioned" in lines[-1] and "owned" not in lines[-1]

    as_json = vobs(root, grafana, "diff", "--format", "json")
    jsonschema.validate(out := json.loads(as_json.stdout), schema("diff"))
    mine = next(d for d in out["dashboards"] if d["uid"] == "sample-a")
    assert (mine["status"], mine["drifted"], mine["provisioned"]) == ("owned", False, True)
    assert "provisioned" not in next(d for d in out["dashboards"] if d["uid"] == "sample-b")

    comment = vobs(root, grafana, "diff", "--format", "markdown").stdout
    assert "| ⚠️ provisioned |" in comment and "drifted" not in comment

    planned = vobs(root, grafana, "publish", "--dry-run", "--format", "json")
    assert planned.exit_code == 3, planned.output
    jsonschema.validate(plan := json.loads(planned.stdout), schema("publish"))
    assert {d["uid"]: (d["status"], d.get("provisioned")) for d in plan["dashboards"]} == {
        "sample-a": ("skipped-owned", True), "sample-b": ("create", None)}

    for args in ((), ("--force",)):  # --force cannot save it either: it is not sent
        done = vobs(root, grafana, "publish", *args)
        assert done.exit_code == 3, done.output
        assert f"skipped-provisioned  {WHY}" in done.stdout.replace("   ", "  "), done.stdout
        error = done.stderr.strip().splitlines()[-1]
        assert error == ("vobs: error: 1 dashboard(s) not published: sample-a (skipped-provisioned); provisioned ones "
                         "are Grafana's from a file, which no API save may change: change that file, or remove them "
                         "from provisioning, or give the code's another uid"), done.stderr
        assert "again" not in done.stderr and "--force" not in done.stderr
    assert saves_of(grafana, "sample-a") == [] and saves_of(grafana, "sample-b")
    assert grafana.dashboards["sample-a"]["model"]["title"] == "Provisioned by hand"

    again = vobs(root, grafana, "publish", "--format", "json")
    jsonschema.validate(result := json.loads(again.stdout), schema("publish"))
    assert [(d["status"], d.get("provisioned"), d["version"]) for d in result["dashboards"]
            if d["uid"] == "sample-a"] == [("skipped-owned", True, None)]
    summary = vobs(root, grafana, "publish", "--format", "markdown").stdout
    assert "skipped-provisioned" in summary and "again" not in summary and "drifted" not in summary


def test_a_provisioned_dashboard_the_same_as_the_code_is_unchanged_not_adopted(tmp_path, grafana):
    """The code's dashboard, later provisioned from a file as it is: nothing differs, and adopting it
    (a save with vobs' record) is what Grafana refuses — so it is unchanged, and nothing is sent."""
    root = make_project(tmp_path)
    assert vobs(root, grafana, "publish").exit_code == 0
    entry = grafana.dashboards["sample-a"]
    grafana.provision(copy.deepcopy(entry["model"]), FILE, entry["folderUid"])
    before = len(grafana.writes())
    diff = vobs(root, grafana, "diff")
    assert diff.exit_code == 0, diff.output
    done = vobs(root, grafana, "publish")
    assert done.exit_code == 0, done.output
    assert len(grafana.writes()) == before, [(r.method, r.path) for r in grafana.writes()[before:]]
