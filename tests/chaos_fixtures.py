"""The pieces of Chaos Day YAML the chaos tests share, written once: a fault's inject and revert against
the simulator, and the probes that measure it. Each is the exact text of its lines, indented as in a
scenario (`fault:` keys and `probes:` items at six spaces), without its last newline — put in a test's
own YAML as a line of an f-string:

    fault:
      kind: latency
      steps: [2s]
      hold: 80s
{LATENCY_HTTP}
    probes:
{STREAM_P95}

`${target}`, `${step_ms}` and `${window}` stay as written: the runner fills them in."""

from __future__ import annotations

# The simulator's latency fault over HTTP: `${step_ms}` of each step's latency, and taken off again.
LATENCY_HTTP = """\
      inject: {http: {method: POST, url: "${target}/fault/latency", json: {ms: "${step_ms}"}}}
      revert: {http: {method: DELETE, url: "${target}/fault/latency"}}"""

# The simulator's kill switch over HTTP: thrown, and reset.
KILL_SWITCH_HTTP = """\
      inject: {http: {method: POST, url: "${target}/fault/kill-switch"}}
      revert: {http: {method: DELETE, url: "${target}/fault/kill-switch"}}"""

# The probe of the latency fault: streaming p95 latency, under half a second.
STREAM_P95 = """\
      - id: stream-p95
        title: Streaming p95 latency
        query: histogram_quantile(0.95, sum by (le) (rate(maximus_streaming_latency_seconds_bucket[${window}])))
        unit: s
        threshold: {op: "<", value: 0.5}"""

# A probe of a kill-switch fault: its latency, under 200 ms.
KILL_SWITCH_PROBE = """\
      - id: ks
        title: Kill-switch latency
        query: max(maximus_kill_switch_latency_milliseconds)
        unit: ms
        threshold: {op: "<", value: 200}"""
