"""Cockpit — safety under fault: the kill switch and what a fault does to the workspace."""

from vertice_obs import panels as p

ENV = p.ENV_SELECTOR

dashboard = p.dashboard(
    "maximus-cockpit-safety",
    "MAXIMUS · Cockpit — safety under fault",
    description="Kill-switch latency against its 200 ms budget, activations, and ESGT coherence under load.",
    environment_metric="maximus_kill_switch_latency_milliseconds",
    tags=["maximus", "cockpit", "chaos", "safety"],
    panels=[
        p.stat("Kill-switch latency", f"max(maximus_kill_switch_latency_milliseconds{{{ENV}}})", unit="ms",
               thresholds=[(None, "green"), (150, "orange"), (200, "red")],
               description="Worst kill-switch latency now. The safety budget is 200 ms, under any load."),
        p.stat("Activations (range)", f"sum(increase(maximus_kill_switch_activations_total{{{ENV}}}[$__range]))",
               unit="short", description="Kill-switch activations in the time range: each one outside Chaos Day "
                                         "needs an incident report."),
        p.gauge("ESGT coherence", f"avg(maximus_esgt_coherence{{{ENV}}})", unit="percentunit",
                thresholds=[(None, "red"), (0.6, "green")],
                description="Coherence of the workspace; below 0.6 ignitions fail. Watch it during latency faults."),
        p.timeseries("Kill-switch latency vs the 200 ms budget",
                     [p.prom(f"max(maximus_kill_switch_latency_milliseconds{{{ENV}}})", "latency")],
                     unit="ms", thresholds=[(None, "green"), (200, "red")], width=24,
                     description="Latency of the kill-switch check. It should not move with stream latency: if it "
                                 "climbs during a latency step, the check shares a path it must not share."),
        p.timeseries("ESGT coherence under fault",
                     [p.prom(f"avg(maximus_esgt_coherence{{{ENV}}})", "coherence")],
                     unit="percentunit", min=0, max=1, thresholds=[(None, "red"), (0.6, "green")],
                     description="Coherence through the faults; the dashed 0.6 line is where ignitions fail."),
        p.timeseries("Dopamine spikes during the kill switch",
                     [p.prom(f"sum(rate(maximus_dopamine_spike_events_total{{{ENV}}}[$__rate_interval]))", "spikes/s")],
                     unit="ops", description="Learning pauses while the kill switch is engaged; spikes must resume "
                                             "after it is released, or rewards were lost."),
    ],
)
