"""Run the stand-in in its own process (benchmarks: a real Grafana is another process too).

    python -m grafana_standin --latency-ms 20     # prints its URL, serves until killed
"""

from __future__ import annotations

import argparse
import time

from .server import GrafanaStandIn

parser = argparse.ArgumentParser(prog="grafana_standin")
parser.add_argument("--latency-ms", type=float, default=0.0)
args = parser.parse_args()
standin = GrafanaStandIn().start()
standin.set_faults(latency_ms=args.latency_ms)
print(standin.url, flush=True)
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    standin.stop()
