"""ESGT — ignition: how often global ignition happens, how often it fails, and why."""

from vertice_obs import panels as p

ENV = p.ENV_SELECTOR
IGNITIONS = f"maximus_esgt_ignition_events_total{{{ENV}}}"

dashboard = p.dashboard(
    "maximus-esgt-ignition",
    "MAXIMUS · ESGT — ignition",
    description="ESGT global ignitions: the moments a content wins the workspace and is broadcast.",
    environment_metric="maximus_esgt_success_ratio",
    tags=["maximus", "esgt"],
    panels=[
        p.stat("Full ignitions / min", f'sum(rate(maximus_esgt_ignition_events_total{{{ENV}, type="full_ignition"}}'
                                        f'[$__rate_interval])) * 60',
               unit="short", description="Full ignitions per minute. A healthy MAXIMUS ignites several times a "
                                         "minute while it works; zero means nothing reaches awareness."),
        p.stat("Success ratio", f"avg(maximus_esgt_success_ratio{{{ENV}}})", unit="percentunit",
               description="Share of attempts that reach full ignition. Below 0.6 the workspace is fragmented.",
               thresholds=[(None, "red"), (0.6, "orange"), (0.8, "green")]),
        p.stat("Coherence", f"avg(maximus_esgt_coherence{{{ENV}}})", unit="percentunit",
               description="Phase coherence of the current ignition; ignition needs > 0.6.",
               thresholds=[(None, "red"), (0.6, "green")]),
        p.stat("Kill switch latency", f"max(maximus_kill_switch_latency_milliseconds{{{ENV}}})", unit="ms",
               description="Safety: worst kill-switch latency. Must stay under 200 ms at all times.",
               thresholds=[(None, "green"), (150, "orange"), (200, "red")]),
        p.timeseries("Ignitions by type",
                     [p.prom(f"sum by (type) (rate({IGNITIONS}[$__rate_interval]))", "{{type}}")],
                     unit="ops", stack=True,
                     description="Full, partial and failed ignitions per second. Partial ignitions rising at the "
                                 "expense of full ones is the first sign of coherence trouble."),
        p.bargauge("Failures by reason",
                   [p.prom(f"sum by (failure_reason) (increase(maximus_esgt_failure_total{{{ENV}}}[$__range]))",
                           "{{failure_reason}}")],
                   unit="short", description="Why ignitions failed over the time range: low salience is normal; "
                                             "low coherence or timeouts point at the TIG fabric."),
        p.heatmap("Ignition duration",
                  f"sum by (le) (rate(maximus_esgt_duration_seconds_bucket{{{ENV}}}[$__rate_interval]))",
                  unit="s", description="Distribution of ignition durations. Healthy ignitions last 100–300 ms; "
                                        "a band above 1 s means broadcasts are not terminating."),
        p.timeseries("Ignition duration p50 / p95",
                     [p.prom(f"histogram_quantile(0.5, sum by (le) (rate(maximus_esgt_duration_seconds_bucket"
                             f"{{{ENV}}}[$__rate_interval])))", "p50"),
                      p.prom(f"histogram_quantile(0.95, sum by (le) (rate(maximus_esgt_duration_seconds_bucket"
                             f"{{{ENV}}}[$__rate_interval])))", "p95")],
                     unit="s", description="Median and tail ignition duration; the p95 should stay under 500 ms."),
        p.row("Safety", [
            p.timeseries("Kill switch latency", [p.prom(f"max(maximus_kill_switch_latency_milliseconds{{{ENV}}})",
                                                        "latency")],
                         unit="ms", thresholds=[(None, "green"), (200, "red")],
                         description="Kill-switch latency over time against its 200 ms limit."),
            p.stat("Kill switch activations", f"sum(increase(maximus_kill_switch_activations_total{{{ENV}}}[$__range]))",
                   unit="short", width=12, height=8,
                   description="Activations in the time range. Any activation outside Chaos Day needs a report."),
        ], collapsed=True),
    ],
)
