"""A Chaos Day's Grafana annotations, against the simulator, a real Prometheus and the stand-in Grafana.

A new-user trial: a bad Grafana token (or one that may not add annotations) ran the whole day with
exit 0 and not a word — every annotation failed, recorded only as `annotate-failed` deep in the
journal. Now Grafana is asked before any fault (reachable, the credentials, `annotations:create`),
one line and exit 2 when it would take none; an annotation that fails during the run is said on
stderr, per dashboard in the journal and in the report, and the run goes on and reverts. Annotations
are tagged `run:`, `scenario:`, `step:` and `phase:` alike, and their text — which Grafana renders as
HTML — is escaped."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import requests
from chaos_fixtures import LATENCY_HTTP, STREAM_P95
from click.testing import CliRunner
from grafana_standin import GrafanaStandIn
from prometheus_harness import free_port, scraping

from vertice_obs.chaos.annotations import check_grafana
from vertice_obs.chaos.runner import Runner, Sampler
from vertice_obs.chaos.scenario import load_run
from vertice_obs.cli import cli
from vertice_obs.errors import VobsError
from vertice_obs.grafana.destinations import GrafanaDestination
from vertice_obs.simulator import Simulator

REPO = Path(__file__).resolve().parent.parent
SECRET = "glsa_wrongWrongWrong_0123456789"
# At --time-scale 0.05: 4 s per phase, ${window} 2 s (two scrapes at 1 s). One step: about 13 s.
DAY = f"""\
id: ann-day
title: Annotated day
owner: team-safety
narratives: [NARRATIVES]
baseline: 80s
recover: 80s
settle: 40s
scenarios:
  - id: stream-latency
    title: "Latency > <b>on</b> the stream & co"
    fault:
      kind: latency
      steps: [1s]
      hold: 80s
{LATENCY_HTTP}
    probes:
{STREAM_P95}
"""
ESGT = ["maximus-esgt-coherence", "maximus-esgt-ignition"]  # the esgt narrative's dashboards in exports/


@pytest.fixture(scope="module")
def system(catalog):
    sim = Simulator(catalog, leave_out=(), seed=3)
    with scraping(sim, "maximus_streaming_latency_seconds_bucket") as server:
        yield sim, server


def day(tmp_path: Path, narratives: str = "esgt") -> Path:
    path = tmp_path / "day.yaml"
    path.write_text(DAY.replace("NARRATIVES", narratives))
    return path


def run(system, tmp_path, grafana_url: str, token: str, narratives: str = "esgt"):
    sim, prometheus = system
    return CliRunner().invoke(cli, ["-C", str(REPO), "chaos", "run", str(day(tmp_path, narratives)), "--target-url",
                                    sim.url, "--prometheus-url", prometheus.url, "--time-scale", "0.05",
                                    "--journal", str(tmp_path / "j.json")],
                              env={"GRAFANA_URL": grafana_url, "GRAFANA_TOKEN": token})


def fault_state(sim) -> dict:
    return requests.get(f"{sim.url}/fault/latency", timeout=5).json()


@pytest.mark.parametrize("token, narratives, said", [
    (SECRET, "esgt", "the faults could not be annotated: Grafana at {url} refused the credentials (401 Invalid API "
                     "key): check GRAFANA_TOKEN; not started, nothing was injected"),
    ("glsa_norole_token", "esgt", "Grafana at {url}: the token (GRAFANA_TOKEN) may not add annotations (it has no "
                                  "annotations:create permission), so the faults could not be marked on the dashboards: "
                                  "use a token of an Editor or one granted annotations:create, or run without a "
                                  "Grafana; not started, nothing was injected"),
    # A Viewer may annotate dashboards, not the organisation: a run whose narratives have none annotates that.
    ("glsa_viewer_token", "", "Grafana at {url}: the token (GRAFANA_TOKEN) may add annotations only to dashboards "
                              "(annotations:create on annotations:type:dashboard), and the run's narratives have no "
                              "dashboard in exports/, so its annotations would be organisation-wide: build the "
                              "narratives' dashboards, or use a token that may add organisation annotations; not "
                              "started, nothing was injected"),
])
def test_grafana_that_would_take_no_annotation_stops_the_run_before_any_fault(system, tmp_path, token, narratives,
                                                                               said):
    sim, _ = system
    with GrafanaStandIn() as grafana:
        result = run(system, tmp_path, grafana.url, token, narratives)
        grafana.assert_no_violations()
        writes = grafana.writes()
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == "vobs: error: " + said.format(url=grafana.url)
    assert SECRET not in result.output
    assert writes == [] and not (tmp_path / "j.json").exists()
    assert fault_state(sim) == {"latency_ms": 0.0, "kill_switch": False}
    assert "baseline" not in result.stderr  # nothing waited either


def test_an_unreachable_grafana_stops_the_run_before_any_fault(system, tmp_path):
    port = free_port()
    result = run(system, tmp_path, f"http://127.0.0.1:{port}", "glsa_standin_token")
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith(f"vobs: error: the faults could not be annotated: Grafana at http://127.0.0.1:{port} is "
                           "unreachable: connection refused"), line
    assert line.endswith("; not started, nothing was injected")
    assert not (tmp_path / "j.json").exists()


def test_a_viewer_may_annotate_the_runs_dashboards(system):
    with GrafanaStandIn() as grafana:
        assert check_grafana(GrafanaDestination(grafana.url, "glsa_viewer_token"), ESGT) is None
        with pytest.raises(VobsError):
            check_grafana(GrafanaDestination(grafana.url, "glsa_viewer_token"), [])


def test_every_annotation_not_written_is_said_and_the_run_goes_on(system, tmp_path):
    """Four annotations (a point and a region on two dashboards); Grafana refuses the point on the
    first dashboard and the region on the second. Each is said on stderr, in the journal and in the
    report; the others are written, tagged alike; the fault is reverted and the run completes."""
    sim, _ = system
    with GrafanaStandIn() as grafana:
        grafana.set_faults(methods=frozenset({"POST"}), paths=("/api/annotations",), script=["400", "", "", "400"])
        result = run(system, tmp_path, grafana.url, "glsa_standin_token")
        grafana.assert_no_violations()
        written = list(grafana.annotations)
        regions = requests.get(f"{grafana.url}/api/annotations", params={"tags": ["run:ann-day", "phase:fault"]},
                               headers={"Authorization": "Bearer glsa_standin_token"}, timeout=5).json()
    assert result.exit_code == 0, result.output
    assert fault_state(sim) == {"latency_ms": 0.0, "kill_switch": False}
    warnings = [line for line in result.stderr.splitlines() if line.startswith("vobs: warning: could not annotate")]
    assert warnings == [
        f"vobs: warning: could not annotate the injection point of stream-latency 1s on dashboard {ESGT[0]}: "
        "annotation on maximus-esgt-coherence: Grafana at " + grafana.url + " answered 400: injected server error",
        f"vobs: warning: could not annotate the fault region of stream-latency 1s on dashboard {ESGT[1]}: "
        "annotation on maximus-esgt-ignition: Grafana at " + grafana.url + " answered 400: injected server error"], \
        result.stderr
    assert "; 2 Grafana annotations could not be written (said above, in the journal and the report). Report:" \
        in result.stdout
    # LOW 5: the same queryable tags on every annotation; LOW 6: the text is HTML, the title escaped in it.
    title = "Latency &gt; &lt;b&gt;on&lt;/b&gt; the stream &amp; co"
    assert [(a["dashboardUID"], a["text"], a["tags"]) for a in written] == [
        (ESGT[1], f"Chaos ann-day: {title} — 1s injected",
         ["vobs-chaos", "run:ann-day", "scenario:stream-latency", "step:1s", "phase:inject"]),
        (ESGT[0], f"Chaos ann-day: {title} — 1s",
         ["vobs-chaos", "run:ann-day", "scenario:stream-latency", "step:1s", "phase:fault"])]
    assert [a["dashboardUID"] for a in regions] == [ESGT[0]]
    data = json.loads((tmp_path / "j.json").read_text())
    assert data["status"] == "completed"
    events = [{k: v for k, v in e.items() if k not in ("t", "message", "text", "tags")} for e in data["events"]
              if e["kind"].startswith("annotate")]
    assert events == [
        {"kind": "annotate-failed", "scenario": "stream-latency", "step": "1s", "phase": "inject", "dashboard": ESGT[0]},
        {"kind": "annotate", "scenario": "stream-latency", "step": "1s", "phase": "inject", "dashboards": [ESGT[1]]},
        {"kind": "annotate-failed", "scenario": "stream-latency", "step": "1s", "phase": "fault", "dashboard": ESGT[1]},
        {"kind": "annotate", "scenario": "stream-latency", "step": "1s", "phase": "fault", "dashboards": [ESGT[0]]}]
    report = CliRunner().invoke(cli, ["chaos", "report", str(tmp_path / "j.json"), "-o", str(tmp_path / "r")])
    assert report.exit_code == 0, report.output
    markdown = (tmp_path / "r" / "report.md").read_text()
    assert ("**2 Grafana annotations could not be written; the dashboards do not mark these:**\n\n"
            f"- the injection point of stream-latency 1s on dashboard {ESGT[0]}: annotation on") in markdown
    assert f"- the fault region of stream-latency 1s on dashboard {ESGT[1]}: annotation on" in markdown
    page = (tmp_path / "r" / "report.html").read_text()
    assert f"<li>the fault region of stream-latency 1s on dashboard {ESGT[1]}: annotation on" in page


class Broken:
    """An annotator that fails as no Grafana does: a bug of its own, not a `VobsError`."""

    def annotate(self, text, tags, start, end):
        raise RuntimeError("boom")


def test_an_annotator_that_breaks_never_stops_the_run_or_its_revert(system, tmp_path):
    sim, prometheus = system
    said: list[str] = []
    data = Runner(load_run(day(tmp_path), "day.yaml"), sim.url, Sampler(prometheus.url), tmp_path / "j.json",
                  Broken(), time_scale=0.05, log=said.append).execute()
    assert data["status"] == "completed"
    assert fault_state(sim) == {"latency_ms": 0.0, "kill_switch": False}
    [step] = data["scenarios"][0]["steps"]
    held = datetime.fromisoformat(step["phases"]["fault"][1]) - datetime.fromisoformat(step["phases"]["fault"][0])
    assert held.total_seconds() >= 3.9  # the hold was waited out: the failure did not cut it short
    assert [m for m in said if "could not annotate" in m] == [
        "vobs: warning: could not annotate the injection point of stream-latency 1s: RuntimeError: boom",
        "vobs: warning: could not annotate the fault region of stream-latency 1s: RuntimeError: boom"]
