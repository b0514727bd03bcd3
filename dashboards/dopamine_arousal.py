"""Dopamine — arousal: the state machine that modulates how strongly rewards are learned."""

from vertice_obs import panels as p

ENV = p.ENV_SELECTOR

dashboard = p.dashboard(
    "maximus-dopamine-arousal",
    "MAXIMUS · Dopamine — arousal",
    description="Arousal level, its need and stress components, and the arousal state machine.",
    environment_metric="maximus_arousal_level",
    tags=["maximus", "dopamine", "arousal"],
    panels=[
        p.timeseries("Arousal level vs baseline",
                     [p.prom(f"avg(maximus_arousal_level{{{ENV}}})", "level"),
                      p.prom(f"avg(maximus_arousal_baseline{{{ENV}}})", "baseline")],
                     unit="percentunit", min=0, max=1, width=16,
                     description="Arousal returns to its baseline when needs and stress are met; a level stuck "
                                 "far above baseline is chronic stress."),
        p.gauge("Arousal now", f"avg(maximus_arousal_level{{{ENV}}})", unit="percentunit", width=8, height=8,
                description="Current arousal. Above 0.85 is hyperalert: learning gets noisy.",
                thresholds=[(None, "blue"), (0.3, "green"), (0.85, "red")]),
        p.timeseries("Arousal drivers",
                     [p.prom(f"avg(maximus_arousal_component_need_ratio{{{ENV}}})", "needs"),
                      p.prom(f"avg(maximus_arousal_component_stress_ratio{{{ENV}}})", "stress")],
                     unit="percentunit", stack=True,
                     description="What drives arousal: unmet needs or stress. Stress dominating for long "
                                 "periods precedes ESGT failures."),
        p.bargauge("Time in each state",
                   [p.prom(f"sum by (state) (increase(maximus_arousal_state_seconds_total{{{ENV}}}[$__range]))",
                           "{{state}}")],
                   unit="s", description="Where MAXIMUS spent the selected time range. Mostly relaxed/alert is "
                                         "healthy; hours in hyperalert are not."),
        p.timeseries("State transitions",
                     [p.prom(f"sum by (transition) (rate(maximus_arousal_state_transition_total{{{ENV}}}"
                             f"[$__rate_interval]))", "{{transition}}")],
                     unit="ops", width=24,
                     description="Transitions per second by from->to. Rapid flapping between two states means "
                                 "the controller's hysteresis is too small."),
        p.row("Dopamine coupling", [
            p.timeseries("Spike rate vs arousal",
                         [p.prom(f"sum(rate(maximus_dopamine_spike_events_total{{{ENV}}}[$__rate_interval]))",
                                 "spikes/s"),
                          p.prom(f"avg(maximus_arousal_level{{{ENV}}})", "arousal")],
                         unit="short", width=24,
                         description="Spikes should rise with arousal: aroused systems notice more surprises."),
        ], collapsed=True),
    ],
)
