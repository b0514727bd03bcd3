"""Cockpit — streaming: the telemetry stream that Chaos Day stresses, against its 500 ms budget."""

from vertice_obs import panels as p

ENV = p.ENV_SELECTOR
BUCKETS = f"maximus_streaming_latency_seconds_bucket{{{ENV}}}"


def p95(by: str = "le") -> str:
    return f"histogram_quantile(0.95, sum by ({by}) (rate({BUCKETS}[$__rate_interval])))"


dashboard = p.dashboard(
    "maximus-cockpit-streaming",
    "MAXIMUS · Cockpit — streaming",
    description="The cockpit's telemetry stream: latency against its 500 ms budget, clients, WebSocket traffic.",
    environment_metric="maximus_cockpit_connected_clients",
    tags=["maximus", "cockpit", "chaos"],
    panels=[
        p.stat("Stream p95 latency", p95(), unit="s", thresholds=[(None, "green"), (0.5, "red")],
               description="End-to-end p95, MAXIMUS to browser. Above 500 ms the cockpit feels stale."),
        p.stat("Connected clients", f"sum(maximus_cockpit_connected_clients{{{ENV}}})", unit="short",
               description="Cockpit sessions on the stream. Clients leave when the stream lags: a drop during a "
                           "latency fault is the users' verdict."),
        p.stat("Messages sent / s",
               f'sum(rate(maximus_websocket_messages_total{{{ENV}, direction="sent"}}[$__rate_interval]))',
               unit="ops", description="Messages the stream pushes per second; it falls when the stream stalls."),
        p.stat("Messages received / s",
               f'sum(rate(maximus_websocket_messages_total{{{ENV}, direction="received"}}[$__rate_interval]))',
               unit="ops", description="Client messages (acks, commands); a drop means clients stopped talking."),
        p.timeseries("Stream latency p50 / p95 vs the 500 ms budget",
                     [p.prom(f"histogram_quantile(0.5, sum by (le) (rate({BUCKETS}[$__rate_interval])))", "p50"),
                      p.prom(p95(), "p95")],
                     unit="s", thresholds=[(None, "green"), (0.5, "red")], width=24,
                     description="The dashed line is the budget. During Chaos Day each latency step should show "
                                 "as a plateau that ends when the fault is reverted; one that does not is a finding."),
        p.timeseries("WebSocket messages by direction",
                     [p.prom(f"sum by (direction) (rate(maximus_websocket_messages_total{{{ENV}}}"
                             f"[$__rate_interval]))", "{{direction}}")],
                     unit="ops", description="Sent vs received. Sent falling while clients stay connected points "
                                             "at the server; both falling at the network."),
        p.timeseries("Connected clients", [p.prom(f"sum(maximus_cockpit_connected_clients{{{ENV}}})", "clients")],
                     unit="short", description="Sessions over time; a dip that recovers slowly after a fault "
                                               "means reconnects are backing off too hard."),
        p.heatmap("Stream latency distribution", f"sum by (le) (rate({BUCKETS}[$__rate_interval]))", unit="s",
                  width=24, description="Every message by latency bucket: a fault shows as a band lifting off "
                                        "the floor and coming back down after the revert."),
    ],
)
