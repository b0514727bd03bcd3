"""Dopamine — overview: the reward signal at a glance (level, spikes, and how they relate)."""

from vertice_obs import panels as p

ENV = p.ENV_SELECTOR
SPIKES = f"maximus_dopamine_spike_events_total{{{ENV}}}"
LEVEL = f"maximus_dopamine_level{{{ENV}}}"

dashboard = p.dashboard(
    "maximus-dopamine-overview",
    "MAXIMUS · Dopamine — overview",
    description="Tonic dopamine level and phasic spikes: the reward signal MAXIMUS learns from.",
    environment_metric="maximus_dopamine_level",
    tags=["maximus", "dopamine"],
    panels=[
        p.stat("Dopamine level", f"avg({LEVEL})", unit="percentunit",
               description="Current tonic level across instances. Healthy: 0.3–0.7; pinned at 0 or 1 means "
                           "the reward model saturated.",
               thresholds=[(None, "red"), (0.2, "green"), (0.8, "orange")]),
        p.stat("Spikes (last hour)", f"sum(increase({SPIKES}[1h]))", unit="short",
               description="Phasic spikes in the last hour. Zero for long stretches means nothing surprised "
                           "MAXIMUS — or that the spike exporter is down."),
        p.stat("Spike rate", f"sum(rate({SPIKES}[$__rate_interval]))", unit="ops",
               description="Spikes per second right now; compare with the level to see surprise vs mood."),
        p.gauge("Level vs baseline", f"avg({LEVEL}) / avg(maximus_arousal_baseline{{{ENV}}})", unit="percentunit",
                min=0, max=2, description="Dopamine relative to the arousal baseline: above 1 the system is "
                                          "in a reward-seeking regime.",
                thresholds=[(None, "blue"), (0.8, "green"), (1.3, "orange")]),
        p.timeseries("Dopamine level", [p.prom(f"avg by (instance) ({LEVEL})", "{{instance}}")],
                     unit="percentunit", min=0, max=1,
                     description="Tonic level per instance. Look for slow drifts (mood) under the spikes; "
                                 "instances should agree within 0.1."),
        p.timeseries("Dopamine spike rate", [p.prom(f"sum by (instance) (rate({SPIKES}[$__rate_interval]))",
                                                    "{{instance}}")],
                     unit="ops", description="Spikes per second. Bursts should follow unexpected rewards; a flat "
                                             "line at zero while skills execute means the spike path is broken."),
        p.timeseries("Spikes per execution",
                     [p.prom(f"sum(rate({SPIKES}[$__rate_interval])) / "
                             f"sum(rate(maximus_skill_executions_total{{{ENV}}}[$__rate_interval]))", "spikes/exec")],
                     unit="percentunit", width=24,
                     description="How often an executed skill surprises MAXIMUS. It falls as skills are "
                                 "learned: prediction errors shrink."),
    ],
)
