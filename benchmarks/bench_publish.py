"""Benchmark: publishing 1,000 dashboards to the stand-in Grafana with 20 ms latency per request.

  - vobs publish (plan with GETs, then bounded-concurrency writes) of all dashboards, fresh Grafana
  - the same again with nothing changed: must send zero writes
  - baseline: a serial grafana-client loop (folder, then one POST per dashboard), fresh Grafana
Target (issue 4): unchanged → 0 writes; full publish ≥ 6× faster than the serial loop.
Usage: python benchmarks/bench_publish.py [--dashboards N] [--latency-ms L] [--concurrency C]
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_build import generate  # noqa: E402
from grafana_client import GrafanaApi  # noqa: E402

from vertice_obs.build.plan import plan_build  # noqa: E402
from vertice_obs.grafana.destinations import GrafanaDestination  # noqa: E402
from vertice_obs.grafana.publish import execute, folder_chain, plan_publish  # noqa: E402
from vertice_obs.project import load_project  # noqa: E402

TOKEN = "glsa_standin_token"


@contextlib.contextmanager
def standin_process(latency_ms: float):
    """The stand-in in its own process, as a real Grafana would be (no GIL shared with vobs)."""
    process = subprocess.Popen([sys.executable, "-m", "grafana_standin", "--latency-ms", str(latency_ms)],
                               cwd=REPO / "tests", stdout=subprocess.PIPE, text=True)
    try:
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def stats(url: str) -> dict:
    return requests.get(f"{url}/_standin/stats", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboards", type=int, default=1000)
    parser.add_argument("--panels", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vobs-bench-publish-") as tmp:
        root = Path(tmp)
        generate(root, args.dashboards, args.panels)
        rendered = plan_build(load_project(root, environ={})).rendered

        with standin_process(args.latency_ms) as url:
            target = GrafanaDestination(url, TOKEN)
            start = time.perf_counter()
            plan = plan_publish(rendered, target, workers=args.concurrency)
            results = execute(plan, target, "bench", root / "backups", workers=args.concurrency)
            full = time.perf_counter() - start
            created = sum(r.status == "created" for r in results)
            writes_before = stats(url)["writes"]
            start = time.perf_counter()
            again = execute(plan_publish(rendered, target, workers=args.concurrency), target, "bench",
                            root / "backups", workers=args.concurrency)
            unchanged = time.perf_counter() - start
            unchanged_writes = stats(url)["writes"] - writes_before
            assert all(r.status == "unchanged" for r in again)
            assert stats(url)["violations"] == []

        with standin_process(args.latency_ms) as url:
            api = GrafanaApi.from_url(url, credential=TOKEN, timeout=10)
            start = time.perf_counter()
            for folder in folder_chain(rendered[0].folder):
                api.folder.create_folder(folder.title, uid=folder.uid, parent_uid=folder.parent_uid or None)
            for r in rendered:
                api.dashboard.update_dashboard({"dashboard": r.model, "folderUid": folder_chain(r.folder)[-1].uid,
                                                "overwrite": True, "message": "serial"})
            serial = time.perf_counter() - start

    print(f"dashboards: {len(rendered)}, stand-in (own process) latency {args.latency_ms:.0f} ms per request, "
          f"concurrency {args.concurrency}")
    print(f"vobs publish, fresh Grafana:  {full:7.2f} s  ({created} created)")
    print(f"vobs publish, nothing changed:{unchanged:7.2f} s  ({unchanged_writes} writes; target 0)")
    print(f"serial grafana-client loop:   {serial:7.2f} s")
    print(f"speed-up:                     {serial / full:7.1f} ×  (target ≥ 6)")


if __name__ == "__main__":
    main()
