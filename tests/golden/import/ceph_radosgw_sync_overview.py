'RGW Sync Overview: imported by `vobs import` from tests/data/public/ceph/radosgw-sync-overview.json.'

# House-style migrations applied on import (`vobs import --explain`):
# - dropped keys Grafana 10/11 ignores or owns: version, __inputs, __requires, rows, style, hideControls
# - schemaVersion 16 → 39
# - graph → timeseries (4 panels): legacy keys carried over: fill, linewidth, points, stack, tooltip, yaxes;
#   legacy keys dropped: aliasColors, bars, dashLength, dashes, fillGradient, legend, lines, nullPointMode,
#   percentage, pointradius, renderer, seriesOverrides, spaceLength, steppedLine, thresholds, xaxis; carried
#   into fieldConfig.defaults: custom, min, unit; carried into fieldConfig.defaults.custom: axisLabel,
#   fillOpacity, lineWidth, showPoints, stacking; options set: tooltip; not carried: nullPointMode 'null as
#   zero' (a timeseries has no such mode; Grafana's migration drops it too)

from vertice_obs.importer import house as h

DATASOURCE = '$datasource'
QUERY_OVERRIDES = {'format': 'time_series', 'intervalFactor': 1}

dashboard = h.dashboard(
    'rgw-sync-overview',
    'RGW Sync Overview',
    description='',
    tags=['ceph-mixin', 'overview'],
    variables=[
        {
            'current': {'text': 'default', 'value': 'default'},
            'hide': 0,
            'label': 'Data Source',
            'name': 'datasource',
            'options': [],
            'query': 'prometheus',
            'refresh': 1,
            'regex': '',
            'type': 'datasource',
        },
        {
            'allValue': '.+',
            'current': {},
            'datasource': '$datasource',
            'hide': 2,
            'includeAll': True,
            'label': 'cluster',
            'multi': True,
            'name': 'cluster',
            'options': [],
            'query': 'label_values(ceph_osd_metadata, cluster)',
            'refresh': 1,
            'regex': '(.*)',
            'sort': 1,
            'tagValuesQuery': '',
            'tags': [],
            'tagsQuery': '',
            'type': 'query',
            'useTags': False,
        },
        {
            'allValue': '.+',
            'current': {},
            'datasource': '$datasource',
            'hide': 0,
            'includeAll': True,
            'label': 'job',
            'multi': True,
            'name': 'job',
            'options': [],
            'query': 'label_values(ceph_osd_metadata{}, job)',
            'refresh': 1,
            'regex': '(.*)',
            'sort': 1,
            'tagValuesQuery': '',
            'tags': [],
            'tagsQuery': '',
            'type': 'query',
            'useTags': False,
        },
        {
            'allValue': None,
            'current': {},
            'datasource': '$datasource',
            'hide': 0,
            'includeAll': True,
            'label': '',
            'multi': False,
            'name': 'rgw_servers',
            'options': [],
            'query': 'label_values(ceph_rgw_metadata{job=~"$job"}, ceph_daemon)',
            'refresh': 1,
            'regex': 'RGW Server',
            'sort': 1,
            'tagValuesQuery': '',
            'tags': [],
            'tagsQuery': '',
            'type': 'query',
            'useTags': False,
        },
    ],
    annotations=[
        {
            'builtIn': 1,
            'datasource': '-- Grafana --',
            'enable': True,
            'hide': True,
            'iconColor': 'rgba(0, 211, 255, 1)',
            'name': 'Annotations & Alerts',
            'showIn': 0,
            'tags': [],
            'type': 'dashboard',
        },
    ],
    links=[],
    time={'from': 'now-1h', 'to': 'now'},
    refresh='30s',
    timezone='',
    overrides={
        'editable': False,
        'graphTooltip': 0,
        'timepicker': {
            'refresh_intervals': ['5s', '10s', '30s', '1m', '5m', '15m', '30m', '1h', '2h', '1d'],
            'time_options': ['5m', '15m', '1h', '6h', '12h', '24h', '2d', '7d', '30d'],
        },
    },
    panels=[
        h.panel(
            'timeseries',
            'Replication (throughput) from Source Zone',
            [
                h.prom(
                    'sum by (source_zone) (rate(ceph_data_sync_from_zone_fetch_bytes_sum{job=~"$job"}[$__rate_interval]))',
                    '{{source_zone}}',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='Bps',
            min=0,
            width=8,
            height=7,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {
                    'defaults': {
                        'custom': {
                            'showPoints': 'never',
                            'lineWidth': 1,
                            'fillOpacity': 10,
                            'stacking': {'mode': 'normal', 'group': 'A'},
                        },
                    },
                },
            },
        ),
        h.panel(
            'timeseries',
            'Replication (objects) from Source Zone',
            [
                h.prom(
                    'sum by (source_zone) (rate(ceph_data_sync_from_zone_fetch_bytes_count{job=~"$job"}[$__rate_interval]))',
                    '{{source_zone}}',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='short',
            min=0,
            width=8,
            height=7,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {
                    'defaults': {
                        'custom': {
                            'axisLabel': 'Objects/s',
                            'showPoints': 'never',
                            'lineWidth': 1,
                            'fillOpacity': 10,
                            'stacking': {'mode': 'normal', 'group': 'A'},
                        },
                    },
                },
            },
        ),
        h.panel(
            'timeseries',
            'Polling Request Latency from Source Zone',
            [
                h.prom(
                    'sum by (source_zone) (rate(ceph_data_sync_from_zone_poll_latency_sum{job=~"$job"}[$__rate_interval]))',
                    '{{source_zone}}',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='ms',
            min=0,
            width=8,
            height=7,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {
                    'defaults': {
                        'custom': {
                            'showPoints': 'never',
                            'lineWidth': 1,
                            'fillOpacity': 10,
                            'stacking': {'mode': 'normal', 'group': 'A'},
                        },
                    },
                },
            },
        ),
        h.panel(
            'timeseries',
            'Unsuccessful Object Replications from Source Zone',
            [
                h.prom(
                    'sum by (source_zone) (rate(ceph_data_sync_from_zone_fetch_errors{job=~"$job"}[$__rate_interval]))',
                    '{{source_zone}}',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='short',
            min=0,
            width=8,
            height=7,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {
                    'defaults': {
                        'custom': {
                            'axisLabel': 'Count/s',
                            'showPoints': 'never',
                            'lineWidth': 1,
                            'fillOpacity': 10,
                            'stacking': {'mode': 'normal', 'group': 'A'},
                        },
                    },
                },
            },
        ),
    ],
)
