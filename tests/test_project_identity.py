"""Two vobs projects on one Grafana: `project: ID` in vobs.yaml tags what a project publishes
`vertice-obs:ID`, and `vobs diff` calls orphaned only its own dashboards — against one stand-in,
as two teams' repositories share a Grafana."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from grafana_standin import GrafanaStandIn
from sample_project import DASHBOARD_A, DASHBOARD_B, NARRATIVE, make_project
from standin_cli import vobs

from vertice_obs.build.render import OURS, UNOWNED, ownership
from vertice_obs.errors import InputError
from vertice_obs.project import load_project


def team(root: Path, name: str | None, prefix: str) -> Path:
    """The sample project with its uids `<prefix>-a`, `<prefix>-b`; `project: <name>` unless None."""
    rename = {"sample-a": f"{prefix}-a", "sample-b": f"{prefix}-b", "id: sample": f"id: {prefix}",
              "Samples/Story": f"Teams/{prefix}", "The sample story": f"The {prefix} story"}

    def renamed(text: str) -> str:
        for old, new in rename.items():
            text = text.replace(old, new)
        return text

    make_project(root, {"a.py": renamed(DASHBOARD_A), "b.py": renamed(DASHBOARD_B)},
                 {f"{prefix}.yaml": renamed(NARRATIVE)})
    if name is not None:
        (root / "vobs.yaml").write_text(f"project: {name}\n", encoding="utf-8")
    return root


def drop_b(root: Path, prefix: str) -> None:
    """The project deletes its second dashboard: in Grafana it is now this project's orphan."""
    (root / "dashboards" / "b.py").unlink()
    narrative = root / "narratives" / f"{prefix}.yaml"
    narrative.write_text(narrative.read_text().split(f"  - dashboard: {prefix}-b")[0], encoding="utf-8")


@pytest.fixture()
def grafana():
    with GrafanaStandIn(version="11.4.0") as standin:
        yield standin
        standin.assert_no_violations()


def test_a_second_project_does_not_see_the_first_one_s_dashboards_as_orphaned(tmp_path, grafana):
    """A new-user trial: a second project on the same Grafana reported every dashboard of the first
    as orphaned (exit 1), since every vobs dashboard carried the same tag and nothing else."""
    alpha, beta = team(tmp_path / "alpha", "alpha", "alpha"), team(tmp_path / "beta", "beta", "beta")
    for root in (alpha, beta):
        assert vobs(root, grafana, "publish").exit_code == 0
    assert grafana.dashboards["alpha-a"]["model"]["tags"] == ["narrative:alpha", "sample", "vertice-obs",
                                                             "vertice-obs:alpha"]
    for root in (alpha, beta):
        clean = vobs(root, grafana, "diff")
        assert clean.exit_code == 0, clean.output
        assert "0 orphaned" in clean.stdout and clean.stderr == ""
    drop_b(alpha, "alpha")
    mine = vobs(alpha, grafana, "diff", "--format", "json")
    assert mine.exit_code == 1
    assert [(d["uid"], d["status"], d["changes"]) for d in json.loads(mine.stdout)["dashboards"]
            if d["status"] == "orphaned"] == [
        ("alpha-b", "orphaned", ["in Grafana with this project's tag vertice-obs:alpha, but no longer in code"])]
    assert vobs(beta, grafana, "diff").exit_code == 0  # alpha's orphan is not beta's


def test_dashboards_published_before_project_ids_are_unowned_not_orphaned(tmp_path, grafana):
    """A dashboard that carries only the old tag (published by a vobs before `project:`) may be this
    project's or another's: a project with an id names it in a note and in `unowned` (JSON), not as
    an orphan, and exits 0; publishing from its own project then tags it. A project without an id
    keeps the old rule for it (orphaned), and never calls another project's tagged dashboard its own."""
    legacy = team(tmp_path / "legacy", None, "legacy")
    assert vobs(legacy, grafana, "publish").exit_code == 0
    assert "vertice-obs" in grafana.dashboards["legacy-a"]["model"]["tags"]
    beta = team(tmp_path / "beta", "beta", "beta")
    assert vobs(beta, grafana, "publish").exit_code == 0

    seen = vobs(beta, grafana, "diff", "--format", "json")
    assert seen.exit_code == 0, seen.output
    assert json.loads(seen.stdout)["unowned"] == [{"uid": "legacy-a", "title": "Sample A"},
                                                  {"uid": "legacy-b", "title": "Sample B"}]
    assert seen.stderr.strip() == (
        f"vobs: note: 2 dashboards in Grafana at {grafana.url} carry only the tag vertice-obs (published before "
        "project ids): not counted as this project's orphans — legacy-a, legacy-b; publishing from its project "
        "tags each with its owner")

    drop_b(legacy, "legacy")
    old_rule = vobs(legacy, grafana, "diff", "--format", "json")
    assert [d["uid"] for d in json.loads(old_rule.stdout)["dashboards"] if d["status"] == "orphaned"] == ["legacy-b"]

    (legacy / "vobs.yaml").write_text("project: legacy\n", encoding="utf-8")  # the old project takes an id
    assert vobs(legacy, grafana, "publish").exit_code == 0
    assert "vertice-obs:legacy" in grafana.dashboards["legacy-a"]["model"]["tags"]
    after = vobs(beta, grafana, "diff")
    assert after.exit_code == 0 and "legacy-a" not in after.stderr and "legacy-b" in after.stderr


@pytest.mark.parametrize("tags, project_id, whose", [
    (["vertice-obs", "vertice-obs:alpha"], "alpha", OURS),
    (["vertice-obs", "vertice-obs:alpha"], "beta", None),
    (["vertice-obs", "vertice-obs:alpha"], None, None),
    (["vertice-obs"], "beta", UNOWNED),
    (["vertice-obs"], None, OURS),
    (["mine"], None, None),
    ("vertice-obs", None, None),  # not a list: nobody's
])
def test_ownership_by_tags(tags, project_id, whose):
    assert ownership(tags, project_id) == whose


@pytest.mark.parametrize("value", ["Alpha", "a b", "-a", "", "x" * 51, 3])
def test_a_project_id_that_is_no_tag_is_refused_at_its_line(tmp_path, value):
    (tmp_path / "vobs.yaml").write_text(f"project: {json.dumps(value)}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^vobs.yaml:1:\d+: project .*must be"):
        load_project(tmp_path)


@pytest.mark.parametrize("name", ["beta", None])
def test_publish_refuses_a_uid_another_project_owns_unless_forced(tmp_path, grafana, name):
    """A new-user trial: a second project whose dashboard had the uid of the first one's overwrote it
    without a word (it was not drifted: vobs had published it). Now publish skips it, naming the
    owner — the dry run foresees it, both exit 3 as for a drifted one — and `--force` takes it over."""
    alpha = team(tmp_path / "alpha", "alpha", "alpha")
    assert vobs(alpha, grafana, "publish").exit_code == 0
    theirs = json.loads(json.dumps(grafana.dashboards["alpha-a"]["model"]))
    beta = team(tmp_path / "beta", name, "beta")
    for path in (beta / "dashboards" / "a.py", beta / "narratives" / "beta.yaml"):
        path.write_text(path.read_text().replace("beta-a", "alpha-a"), encoding="utf-8")

    planned = vobs(beta, grafana, "publish", "--dry-run", "--format", "json")
    assert planned.exit_code == 3, planned.output
    rows = {d["uid"]: d for d in json.loads(planned.stdout)["dashboards"]}
    assert rows["alpha-a"]["status"] == "skipped-owned" and rows["beta-b"]["status"] == "create"
    assert rows["alpha-a"]["detail"].startswith("project 'alpha''s dashboard (tagged vertice-obs:alpha)")
    assert "alpha-a (skipped-owned)" in planned.stderr
    assert "drifted" not in planned.stderr  # a review: the drift advice was given for an owned one

    done = vobs(beta, grafana, "publish")
    assert done.exit_code == 3, done.output
    assert "skipped-owned" in done.stdout and "project 'alpha'" in done.stdout
    assert done.stderr.strip().endswith("1 dashboard(s) not published: alpha-a (skipped-owned); another project's "
                                        "(skipped-owned) need another uid, or --force to take them over"), done.stderr
    assert grafana.dashboards["alpha-a"]["model"] == theirs  # not a byte of alpha's dashboard changed
    assert "beta-b" in grafana.dashboards
    again = vobs(beta, grafana, "publish", "--format", "json")
    assert again.exit_code == 3
    schema = resources.files("vertice_obs.schemas").joinpath("output", "publish.schema.json").read_text()
    jsonschema.validate(out := json.loads(again.stdout), json.loads(schema))
    assert [d["status"] for d in out["dashboards"] if d["uid"] == "alpha-a"] == ["skipped-owned"]

    forced = vobs(beta, grafana, "publish", "--force")
    assert forced.exit_code == 0, forced.output
    assert "taking it over from project 'alpha'" in forced.stdout
    tags = grafana.dashboards["alpha-a"]["model"]["tags"]
    assert "vertice-obs:alpha" not in tags and (name is None or f"vertice-obs:{name}" in tags)
    assert list((beta / ".vobs" / "backups").glob("*/alpha-a.json"))  # alpha's version is backed up


def test_diff_says_another_project_s_dashboard_is_owned_as_publish_will_skip_it(tmp_path, grafana):
    """A review: `vobs diff` called a uid another project owns (which publish skips, `skipped-owned`,
    without --force) plainly `changed`, as if publishing would apply it. Now it is `owned` in every
    format, with publish's advice first, then what --force would change."""
    alpha = team(tmp_path / "alpha", "alpha", "alpha")
    assert vobs(alpha, grafana, "publish").exit_code == 0
    beta = team(tmp_path / "beta", "beta", "beta")
    for path in (beta / "dashboards" / "a.py", beta / "narratives" / "beta.yaml"):
        path.write_text(path.read_text().replace("beta-a", "alpha-a"), encoding="utf-8")
    advice = ("project 'alpha''s dashboard (tagged vertice-obs:alpha): publish skips it without --force "
              "(skipped-owned) — give this one another uid, or --force to take it over")

    text = vobs(beta, grafana, "diff")
    assert text.exit_code == 1, text.output
    lines = text.stdout.splitlines()
    row = next(i for i, line in enumerate(lines) if "alpha-a" in line)
    assert lines[row].split()[:3] == ["x", "alpha-a", "owned"] and lines[row + 1].strip() == advice
    assert "1 owned" in lines[-1] and "0 changed" in lines[-1]

    as_json = vobs(beta, grafana, "diff", "--format", "json")
    schema = resources.files("vertice_obs.schemas").joinpath("output", "diff.schema.json").read_text()
    jsonschema.validate(out := json.loads(as_json.stdout), json.loads(schema))
    mine = next(d for d in out["dashboards"] if d["uid"] == "alpha-a")
    assert (mine["status"], mine["drifted"], mine["changes"][0]) == ("owned", False, advice)
    assert len(mine["changes"]) > 1  # and what --force would change

    comment = vobs(beta, grafana, "diff", "--format", "markdown").stdout
    assert "| Sample A <code>alpha-a</code> | Teams/beta | ⚠️ owned |" in comment
    assert "another project's (owned) need another uid, or `--force` to take them over." in comment
    assert "drifted" not in comment

    planned = vobs(beta, grafana, "publish", "--dry-run", "--format", "json")  # what diff said publish does
    assert {d["uid"]: d["status"] for d in json.loads(planned.stdout)["dashboards"]}["alpha-a"] == "skipped-owned"


def test_the_markdown_summary_gives_only_the_advice_for_another_project_s_dashboard(tmp_path, grafana):
    """A review: the step summary of a publish whose only unpublished dashboard was `skipped-owned`
    advised running it again and reviewing drifted ones — neither helps. It now gives the advice the
    text line gives, from the same source."""
    alpha = team(tmp_path / "alpha", "alpha", "alpha")
    assert vobs(alpha, grafana, "publish").exit_code == 0
    beta = team(tmp_path / "beta", "beta", "beta")
    for path in (beta / "dashboards" / "a.py", beta / "narratives" / "beta.yaml"):
        path.write_text(path.read_text().replace("beta-a", "alpha-a"), encoding="utf-8")
    summary = vobs(beta, grafana, "publish", "--format", "markdown")
    assert summary.exit_code == 3, summary.output
    assert ("**1 dashboard not published.** Another project's (skipped-owned) need another uid, or `--force` to "
            "take them over.") in summary.stdout.splitlines()
    assert "again" not in summary.stdout and "drifted" not in summary.stdout


def test_two_projects_narratives_of_one_id_do_not_take_each_other_s_playlist(tmp_path, grafana):
    """A new-user trial: two projects, each with a narrative `api` of the same title, on one Grafana.
    The second publish found the first's playlist by its records (any project's) and updated it —
    and each publish flipped it back. Only a project's own records name its playlist; one found by
    name that another project recorded is that project's: not written without --force, said so."""
    alpha, beta = team(tmp_path / "alpha", "alpha", "alpha"), team(tmp_path / "beta", "beta", "beta")
    for root, prefix in ((alpha, "alpha"), (beta, "beta")):
        path = root / "narratives" / f"{prefix}.yaml"
        path.write_text(path.read_text().replace(f"id: {prefix}", "id: api")
                        .replace(f"The {prefix} story", "The API story"))
        path.rename(root / "narratives" / "api.yaml")
    assert vobs(alpha, grafana, "publish").exit_code == 0
    [(uid, mine)] = [(u, p) for u, p in grafana.playlists.items() if p["name"] == "The API story"]
    before = [i["value"] for i in mine["items"]]
    assert before == ["alpha-a", "alpha-b"]
    second = vobs(beta, grafana, "publish", "--format", "json")
    assert second.exit_code == 3, second.output
    [row] = json.loads(second.stdout)["playlists"]
    assert row["status"] == "skipped-drift", row
    assert row["detail"].startswith("another vobs project's playlist (recorded with the tag vertice-obs:alpha)"), row
    assert [i["value"] for i in grafana.playlists[uid]["items"]] == before  # alpha's playlist is alpha's
    assert vobs(alpha, grafana, "diff").exit_code == 0  # and alpha sees nothing to change


@pytest.mark.parametrize("version", ["10.4.19", "11.4.0"])
def test_a_narrative_whose_dashboards_are_all_another_project_s_makes_no_folder(tmp_path, version):
    """An outside-user trial (Grafana 10.4): a narrative whose every dashboard was `skipped-owned` still
    had its folder made — an empty folder of this project's beside the other's dashboards. A folder is
    made only when a dashboard is written into it: not by publish, not planned by its dry run or diff."""
    with GrafanaStandIn(version=version) as grafana:
        alpha = team(tmp_path / "alpha", "alpha", "alpha")
        assert vobs(alpha, grafana, "publish").exit_code == 0
        beta = team(tmp_path / "beta", "beta", "beta")
        for path in [*(beta / "dashboards").glob("*.py"), beta / "narratives" / "beta.yaml"]:
            path.write_text(path.read_text().replace("beta-a", "alpha-a").replace("beta-b", "alpha-b"))
        before = dict(grafana.folders)
        planned = vobs(beta, grafana, "publish", "--dry-run", "--format", "json")
        assert planned.exit_code == 3, planned.output
        out = json.loads(planned.stdout)
        assert out["folders"] == [] and {d["status"] for d in out["dashboards"]} == {"skipped-owned"}
        assert "folder" not in vobs(beta, grafana, "publish", "--dry-run").stdout.split("alpha-a")[0]
        done = vobs(beta, grafana, "publish")
        assert done.exit_code == 3, done.output
        assert grafana.folders == before  # no folder of beta's
        assert "created folder" not in done.stdout
        diff = vobs(beta, grafana, "diff")
        assert "publish would stop" not in diff.output, diff.output
        grafana.assert_no_violations()


@pytest.mark.parametrize("version", ["9.5.21", "12.0.2"])
def test_a_save_as_copy_of_ours_is_not_called_an_orphan_nor_advised_for_deletion(tmp_path, version):
    """Trial 22 (M3): Grafana's "Save as" keeps the tags and gives the copy a new uid and a history of its
    own (version 1, the copier's message). Another team's copy of one of ours was "this project's … no
    longer in code", with advice to delete it. Only a dashboard vobs is known to have saved (a version
    with its publish message) is an orphan; a tagged one it never saved is named in a note, with no
    delete advice, and changes no exit code."""
    import copy

    with GrafanaStandIn(version=version) as grafana:
        alpha = team(tmp_path / "alpha", "alpha", "alpha")
        assert vobs(alpha, grafana, "publish").exit_code == 0
        model = copy.deepcopy(grafana.dashboards["alpha-a"]["model"])
        model.pop("id")
        grafana._store({**model, "uid": "teamb-copy", "title": "Sample A Copy"}, "", "", "bob")
        note = (f"vobs: note: 1 dashboard in Grafana at {grafana.url} not in code is tagged as this project's but not "
                "known to vobs: no version of it was saved by vobs (a copy made in Grafana with Save as keeps the "
                "tags; or Grafana pruned old versions) — not counted as orphaned: check whose it is before deleting "
                "— teamb-copy")
        clean = vobs(alpha, grafana, "diff", "--format", "json")
        assert clean.exit_code == 0, clean.output  # no difference: nothing proves it this project's
        assert json.loads(clean.stdout)["unrecorded"] == [{"uid": "teamb-copy", "title": "Sample A Copy"}]
        assert clean.stderr.strip() == note
        jsonschema.validate(json.loads(clean.stdout), json.loads(
            resources.files("vertice_obs.schemas.output").joinpath("diff.schema.json").read_text()))

        drop_b(alpha, "alpha")  # a true orphan beside it: published by vobs, still named with the advice
        diff = vobs(alpha, grafana, "diff")
        assert diff.exit_code == 1, diff.output
        assert "alpha-b" in diff.stdout and "teamb-copy" not in diff.stdout and "1 orphaned" in diff.stdout
        for args in (("--dry-run",), ()):
            published = vobs(alpha, grafana, "publish", *args)
            assert published.exit_code == 0, published.output
            assert "teamb-copy" not in published.stdout, published.stdout
            assert "orphaned: 1 dashboard of this project's left in Grafana" in published.stderr + published.stdout
            assert note in published.stderr.splitlines(), published.stderr
        out = vobs(alpha, grafana, "publish", "--dry-run", "--format", "json")
        shape = json.loads(out.stdout)
        assert [o["uid"] for o in shape["orphans"]] == ["alpha-b"]
        assert shape["unrecorded"] == [{"uid": "teamb-copy", "title": "Sample A Copy"}]
        schema = json.loads(resources.files("vertice_obs.schemas.output").joinpath("publish.schema.json").read_text())
        jsonschema.validate(shape, schema)
        grafana.assert_no_violations()


def test_the_markdown_of_diff_and_publish_names_the_save_as_copies_as_the_note_does(tmp_path, grafana):
    """`--format markdown` (the pull-request comment, the step summary) did not mention the dashboards tagged as this
    project's that vobs never saved: the note went to stderr only, which a reviewer of the comment never reads. It is a
    `> [!NOTE]` block in the note's words, listing at most five (then `…`), each title and uid through the one escape."""
    import copy

    alpha = team(tmp_path / "alpha", "alpha", "alpha")
    assert vobs(alpha, grafana, "publish").exit_code == 0
    model = copy.deepcopy(grafana.dashboards["alpha-a"]["model"])
    model.pop("id")
    for i in range(6):
        grafana._store({**model, "uid": f"teamb-copy-{i}", "title": f"Copy {i} | <img src=x> @team"}, "", "", "bob")
    for args in (("diff",), ("publish", "--dry-run"), ("publish",)):
        done = vobs(alpha, grafana, *args, "--format", "markdown")
        assert done.exit_code == 0, done.output
        [note] = [line for line in done.stdout.splitlines() if "not known to vobs" in line]
        assert note.startswith("> 6 dashboards in Grafana at http:\u2060//127.0.0.1:") and note.endswith(", …"), note
        assert done.stdout.splitlines()[done.stdout.splitlines().index(note) - 1] == "> [!NOTE]", done.stdout
        assert note.count("<code>teamb-copy-") == 5 and "before deleting — Copy " in note, note
        assert "Copy 0 \\| &lt;img src=x> @\u2060team <code>teamb-copy-0</code>" in note, note
        assert "<img" not in note and "| <" not in note, note
        assert "not counted as orphaned" in note and "delete each" not in note, note
