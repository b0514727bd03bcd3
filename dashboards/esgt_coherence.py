"""ESGT — coherence and the TIG fabric: what ignition depends on."""

from vertice_obs import panels as p

ENV = p.ENV_SELECTOR

dashboard = p.dashboard(
    "maximus-esgt-coherence",
    "MAXIMUS · ESGT — coherence & TIG fabric",
    description="Coherence, salience and the TIG fabric (nodes, connectivity, jitter, Φ proxy) under ignition.",
    environment_metric="maximus_esgt_coherence",
    tags=["maximus", "esgt", "tig"],
    panels=[
        p.timeseries("Coherence",
                     [p.prom(f"avg(maximus_esgt_coherence{{{ENV}}})", "ignition coherence"),
                      p.prom(f"avg(maximus_esgt_avg_coherence{{{ENV}}})", "moving average"),
                      p.prom(f"avg(maximus_coherence{{{ENV}}})", "workspace coherence")],
                     unit="percentunit", min=0, max=1, thresholds=[(None, "red"), (0.6, "green")], width=24,
                     description="Ignition needs coherence above 0.6 (dashed line). Workspace coherence leads "
                                 "ignition coherence: when it sags, ignitions fail a few seconds later."),
        p.gauge("Φ proxy", f"avg(maximus_phi_proxy{{{ENV}}})", unit="percentunit",
                description="Integrated-information proxy of the fabric. It drops when the fabric partitions.",
                thresholds=[(None, "red"), (0.3, "orange"), (0.5, "green")]),
        p.stat("TIG nodes active", f"sum(maximus_tig_nodes_active{{{ENV}}})", unit="short",
               description="Active fabric nodes. Fewer than 24 and full ignition becomes unlikely.",
               thresholds=[(None, "red"), (24, "green")]),
        p.gauge("TIG connectivity", f"avg(maximus_tig_connectivity_ratio{{{ENV}}})", unit="percentunit",
                description="Share of possible TIG edges that are up. Below 0.7 coherence cannot hold.",
                thresholds=[(None, "red"), (0.7, "green")]),
        p.stat("Sync jitter", f"max(maximus_sync_jitter_nanoseconds{{{ENV}}})", unit="ns",
               description="Worst clock jitter between nodes. Above 1 µs, phase coherence is measured wrongly.",
               thresholds=[(None, "green"), (1000, "red")]),
        p.timeseries("Fabric health",
                     [p.prom(f"avg(maximus_tig_connectivity_ratio{{{ENV}}})", "connectivity"),
                      p.prom(f"avg(maximus_phi_proxy{{{ENV}}})", "Φ proxy")],
                     unit="percentunit", min=0, max=1,
                     description="Connectivity and Φ move together; Φ falling alone means information is "
                                 "flowing but not integrating."),
        p.timeseries("Sync jitter", [p.prom(f"max by (instance) (maximus_sync_jitter_nanoseconds{{{ENV}}})",
                                            "{{instance}}")],
                     unit="ns", thresholds=[(None, "green"), (1000, "red")],
                     description="Jitter per instance against the 1 µs limit."),
        p.heatmap("Salience of ignition triggers",
                  f"sum by (le) (rate(maximus_esgt_salience_component_bucket{{{ENV}}}[$__rate_interval]))",
                  unit="percentunit", width=24,
                  description="How salient the contents that competed for ignition were. Mass near 1 is normal "
                              "under load; mass near 0 with ignitions still happening means the threshold is too low."),
    ],
)
