"""Run the stand-in in its own process (benchmarks: a real Grafana is another process too).

    python -m grafana_standin --latency-ms 20     # prints its URL, serves until killed

`--no-validate` (benchmark mode) skips checking each request against Grafana's OpenAPI spec, so
that the stand-in's own CPU is not what a benchmark measures; the test suite keeps it on.
"""

from __future__ import annotations

import argparse
import time

from .server import GrafanaStandIn

parser = argparse.ArgumentParser(prog="grafana_standin")
parser.add_argument("--latency-ms", type=float, default=0.0)
parser.add_argument("--no-validate", action="store_true", help="benchmark mode: no spec validation")
parser.add_argument("--version", default=None, help="the Grafana version to play (default: the stand-in's)")
args = parser.parse_args()
standin = GrafanaStandIn(validate=not args.no_validate, **({"version": args.version} if args.version else {})).start()
standin.set_faults(latency_ms=args.latency_ms)
print(standin.url, flush=True)
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    standin.stop()
