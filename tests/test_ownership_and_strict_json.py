"""Issue 18, ownership and robust data: the strict JSON writer and located reader, the manifest's
record of what vobs wrote, and NaN samples from a real Prometheus in the chaos journal."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sample_project import DASHBOARD_A, DASHBOARD_B, make_project

from vertice_obs.build.exports import MANIFEST, ExportsDir
from vertice_obs.build.render import to_json_text
from vertice_obs.cli import cli
from vertice_obs.errors import InputError
from vertice_obs.guard.text import strict_json
from vertice_obs.jsonpos.strict import parse_json


def strict_load(text: str):
    def refuse(name: str):
        raise AssertionError(f"{name} written")
    return json.loads(text, parse_constant=refuse)


# --- the one strict writer -----------------------------------------------------------------------------

def test_non_finite_numbers_become_null_with_a_note():
    notes: list[str] = []
    text = strict_json({"a": math.nan, "b": [math.inf, -math.inf, 1.5], "c/d": {"e": 10 ** 400}}, notes=notes)
    assert strict_load(text) == {"a": None, "b": [None, None, 1.5], "c/d": {"e": None}}
    assert notes == ["/a: NaN written as null (JSON has no NaN or Infinity)",
                     "/b/0: Infinity written as null (JSON has no NaN or Infinity)",
                     "/b/1: -Infinity written as null (JSON has no NaN or Infinity)",
                     "/c~1d/e: an integer of 1329 bits written as null (too large for JSON readers)"]


def test_notes_key_stores_the_notes_in_the_document_and_surrogates_become_replacement_characters():
    data = strict_load(strict_json({"t": "x\ud800", "v": math.nan}, notes_key="notes"))
    assert data["t"] == "x\ufffd" and data["v"] is None
    assert [n.split(":")[0] for n in data["notes"]] == ["/t", "/v"]
    assert "notes" not in strict_load(strict_json({"v": 1.0}, notes_key="notes"))


@given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                    max_leaves=20))
def test_anything_json_shaped_is_written_as_strict_utf8_json(value):
    text = strict_json(value)
    text.encode("utf-8")  # no lone surrogate survives
    strict_load(text)


def test_exports_are_strict_and_a_non_finite_value_is_a_finding(tmp_path):
    notes: list[str] = []
    assert strict_load(to_json_text({"max": math.inf}, notes)) == {"max": None} and notes
    make_project(tmp_path, dashboards={"a.py": DASHBOARD_A.replace(
        'description="First sample dashboard."', 'description="First sample \\ud800 dashboard."'),
        "b.py": DASHBOARD_B})
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert "/description: a lone surrogate written as U+FFFD (not Unicode text) [export/non-finite]" in result.stderr
    strict_load((tmp_path / "exports/sample/sample-a.json").read_text(encoding="utf-8"))


# --- the located reader --------------------------------------------------------------------------------

@pytest.mark.parametrize("text,line,message", [
    ('{"a":\n NaN}', 2, "NaN is not JSON"),
    ('{"a":\n\n -Infinity}', 3, "-Infinity is not JSON"),
    ('[1,\n 1e999]', 2, "too large for a 64-bit float"),
    ('[1,\n ' + "9" * 400 + "]", 2, "too large for a 64-bit float"),
    ('{"ok": "\\\\ud800",\n "bad": "\\ud800"}', 2, "lone surrogate"),
])
def test_strict_reading_locates_what_grafana_would_refuse(text, line, message):
    with pytest.raises(InputError) as caught:
        parse_json(text, "x.json")
    assert caught.value.line == line and message in caught.value.message
    notes: list = []
    parse_json(text, "x.json", notes)
    assert notes and notes[0][0] == line


def test_lenient_reading_replaces_lone_surrogates_and_keeps_pairs_and_bom():
    notes: list = []
    assert parse_json('\ufeff{"a": "\\ud83d\\ude00", "b": "\\udfff"}', "x.json", notes) == {"a": "😀", "b": "\ufffd"}
    assert [(line, column) for line, column, _ in notes] == [(1, 1), (1, 28)]  # the byte-order mark, the lone surrogate
    with pytest.raises(InputError, match="more than 4,300 digits"):
        parse_json("9" * 5000, "x.json", [])


# --- ownership ------------------------------------------------------------------------------------------

def test_a_dashboard_starting_with_a_byte_order_mark_is_read_and_warned_at_1_1(tmp_path):
    """Grafana's Go JSON readers (file provisioning, the HTTP API) refuse a leading BOM ("invalid
    character 'ï' looking for beginning of value"); vobs read it without a word (found by a new-user
    trial). It is read still — every other finding the same, at the same place — with one
    `input/json` warning at 1:1."""
    root = make_project(tmp_path / "p")
    assert CliRunner().invoke(cli, ["-C", str(root), "build"]).exit_code == 0
    plain = (root / "exports" / "sample" / "sample-a.json").read_bytes()
    (root / "d").mkdir()
    (root / "d" / "a.json").write_bytes(plain)
    (root / "d" / "bom.json").write_bytes(b"\xef\xbb\xbf" + plain)

    def findings(name: str) -> list[tuple]:
        done = CliRunner().invoke(cli, ["-C", str(root), "validate", "--offline", "--format", "json", "-v",
                                        str(root / "d" / name)])
        assert json.loads(done.stdout)["dashboards"] == 1, done.output
        return [(f["check"], f["message"], f["location"].get("line"), f["location"].get("column"), f["severity"])
                for f in json.loads(done.stdout)["findings"]]

    without, bom = findings("a.json"), findings("bom.json")
    assert bom[0] == ("input/json", "starts with a byte-order mark, which Grafana's JSON reader refuses (save it "
                      "as UTF-8 without BOM)", 1, 1, "warning"), bom
    assert bom[1:] == without and without
    text = CliRunner().invoke(cli, ["-C", str(root), "validate", "--offline", str(root / "d" / "bom.json")]).output
    assert "d/bom.json:1:1: warning: starts with a byte-order mark" in text, text


def test_the_manifest_lists_every_file_vobs_wrote_with_its_hash(tmp_path):
    make_project(tmp_path)
    (tmp_path / "rules").mkdir()
    CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    manifest = json.loads((tmp_path / "exports" / MANIFEST).read_text())
    on_disk = {p.relative_to(tmp_path / "exports").as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
               for p in (tmp_path / "exports").rglob("*") if p.is_file() and p.name != MANIFEST}
    assert manifest["files"] == on_disk and len(on_disk) == 2


def test_an_incomplete_build_records_what_it_wrote_so_a_later_build_may_replace_it(tmp_path):
    make_project(tmp_path)
    run = lambda: CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])  # noqa: E731
    assert run().exit_code == 0
    b = (tmp_path / "dashboards/b.py").read_text()
    (tmp_path / "dashboards/b.py").write_text("raise RuntimeError('boom')\n")
    (tmp_path / "dashboards/a.py").write_text(DASHBOARD_A.replace("First sample dashboard.", "Second."))
    assert run().exit_code == 2
    (tmp_path / "dashboards/b.py").write_text(b)
    (tmp_path / "dashboards/a.py").write_text(DASHBOARD_A.replace("First sample dashboard.", "Third."))
    result = run()
    assert result.exit_code == 0, result.output
    assert "Third." in (tmp_path / "exports/sample/sample-a.json").read_text() and "left alone" not in result.output


def test_check_lists_a_file_build_would_leave_alone_as_stale(tmp_path):
    make_project(tmp_path)
    CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    target = tmp_path / "exports/sample/sample-a.json"
    target.write_text(target.read_text().replace("Sample A", "Edited"))
    (tmp_path / "dashboards/a.py").write_text(DASHBOARD_A.replace("First sample dashboard.", "New."))
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build", "--check", "--format", "json"])
    payload = strict_load(result.stdout)
    assert result.exit_code == 1
    assert payload["left_alone"] == [{"path": "exports/sample/sample-a.json", "planned": True,
                                      "reason": "changed since vobs wrote it (hand-edited?): left alone"}]
    # the advice is what works: `vobs build` alone would leave that file and stop
    text = CliRunner().invoke(cli, ["-C", str(tmp_path), "build", "--check"])
    assert text.exit_code == 1 and "  left     exports/sample/sample-a.json" in text.output
    assert text.stdout.strip().splitlines()[-1] == ("move away (or restore) the 1 file marked `left` — not what vobs "
                                                    "wrote there —, then run `vobs build` and commit exports/")


def test_manifests_before_the_files_record_still_own_their_dashboards(tmp_path):
    exports = tmp_path / "exports"
    (exports / "n").mkdir(parents=True)
    (exports / "n/x.json").write_text("{}\n")
    digest = hashlib.sha256(b"{}\n").hexdigest()
    (exports / MANIFEST).write_text(json.dumps({"generator": "vertice-obs",
                                                "dashboards": {"x": {"file": "n/x.json", "sha256": digest}}}))
    survey = ExportsDir(exports).survey({MANIFEST: "{}\n"})
    assert [(c.kind, c.path) for c in survey.changes] == [("changed", MANIFEST), ("extra", "n/x.json")]


# --- NaN from a real Prometheus, through the chaos journal -----------------------------------------------

def test_nan_and_inf_samples_from_prometheus_are_written_as_null_with_a_note(prometheus, tmp_path):
    from vertice_obs.chaos.report import read_journal, write_report
    from vertice_obs.chaos.runner import Journal, Sampler
    from vertice_obs.chaos.scenario import Probe, Threshold

    sampler = Sampler(prometheus.url)
    end = datetime.now(timezone.utc)
    probe = Probe(id="p", title="P", query="vector(0) / 0", unit="ratio", threshold=Threshold("<", 1.0), line=1)
    nan = sampler.series(probe, end - timedelta(seconds=20), end)
    inf = sampler.series(Probe(id="q", title="Q", query="vector(1) / 0", unit="ratio",
                               threshold=Threshold("<", 1.0), line=1), end - timedelta(seconds=20), end)
    assert nan and all(math.isnan(v) for _, v in nan) and all(v == math.inf for _, v in inf)

    journal = Journal(tmp_path / "j.json", {"run": {"id": "r", "title": "R", "owner": "o", "file": "f"},
                                            "scenarios": [], "series": nan + inf})
    journal.save()
    data = strict_load((tmp_path / "j.json").read_text())
    assert all(value is None for _, value in data["series"])
    assert len(data["notes"]) == len(nan) + len(inf) and "NaN written as null" in data["notes"][0]
    assert read_journal(tmp_path / "j.json", "j.json")["series"] == data["series"]
    write_report(read_journal(tmp_path / "j.json", "j.json"), tmp_path / "out")


def test_a_journal_with_null_samples_reports_them_as_no_data(tmp_path):
    from vertice_obs.chaos.report import analyse

    t = ["2026-01-01T00:00:00+00:00", "2026-01-01T00:00:10+00:00", "2026-01-01T00:00:20+00:00",
         "2026-01-01T00:00:30+00:00"]
    journal = {"run": {"id": "d", "title": "D", "file": "f", "owner": "o"}, "settle_seconds": 0,
               "scenarios": [{"id": "s", "title": "S", "kind": "latency",
                              "probes": [{"id": "p", "title": "P", "query": "q", "unit": "ratio",
                                          "threshold": {"op": "<", "value": 0.5}}],
                              "expectations": [{"probe": "p", "phase": "baseline", "holds": True}],
                              "steps": [{"label": "1s", "phases": {"baseline": t[0:2], "fault": t[1:3],
                                                                   "recover": t[2:4]},
                                         "probes": {"p": {"series": [[1767225605, None], [1767225606, 0.2]]}}}]}]}
    from vertice_obs.chaos.journal_check import check_journal

    check_journal(journal)  # null is accepted: no data
    report = analyse(journal)
    baseline = report.scenarios[0].steps[0]["stats"]["p"]["baseline"]
    assert baseline.samples == 1 and baseline.worst == 0.2


def test_a_minified_dashboard_s_strict_json_notes_have_their_column(tmp_path):
    """A minified dashboard is one line: a note at `file:1` alone does not find the value (trial 15
    L3). Each `input/json` finding has the column of its value; an error has it too."""
    from vertice_obs.metrics.validation import load_dashboard_files

    text = '{"title":"t","panels":[{"type":"stat","maxDataPoints":NaN,"targets":[{"expr":"up","x":1e999}]}]}'
    (tmp_path / "min.json").write_text(text)
    found: list = []
    load_dashboard_files([tmp_path], findings=found)
    assert sorted((f.location.line, f.location.column) for f in found if f.check == "input/json") == [
        (1, text.index("NaN") + 1), (1, text.index("1e999") + 1)]
    with pytest.raises(InputError) as caught:
        parse_json(text, "min.json")
    assert (caught.value.line, caught.value.column) == (1, text.index("NaN") + 1)
