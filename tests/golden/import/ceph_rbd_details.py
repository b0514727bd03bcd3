'RBD Details: imported by `vobs import` from tests/data/public/ceph/rbd-details.json.'

# House-style migrations applied on import (`vobs import --explain`):
# - dropped keys Grafana 10/11 ignores or owns: version, __inputs, __requires, rows, style, hideControls
# - schemaVersion 16 → 39
# - graph → timeseries (3 panels): legacy keys carried over: fill, linewidth, points, tooltip, yaxes; legacy
#   keys dropped: aliasColors, bars, dashLength, dashes, fillGradient, legend, lines, nullPointMode,
#   percentage, pointradius, renderer, seriesOverrides, spaceLength, stack, steppedLine, thresholds, xaxis;
#   carried into fieldConfig.defaults: custom, min, unit; carried into fieldConfig.defaults.custom:
#   fillOpacity, lineWidth, showPoints; options set: tooltip; not carried: nullPointMode 'null as zero' (a
#   timeseries has no such mode; Grafana's migration drops it too)

from vertice_obs.importer import house as h

DATASOURCE = '$datasource'
QUERY_OVERRIDES = {'format': 'time_series', 'intervalFactor': 1}

dashboard = h.dashboard(
    'YhCYGcuZz',
    'RBD Details',
    description='Detailed Performance of RBD Images (IOPS/Throughput/Latency)',
    tags=['ceph-mixin'],
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
            'includeAll': False,
            'label': '',
            'multi': False,
            'name': 'pool',
            'options': [],
            'query': 'label_values(pool)',
            'refresh': 1,
            'regex': '',
            'sort': 0,
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
            'includeAll': False,
            'label': '',
            'multi': False,
            'name': 'image',
            'options': [],
            'query': 'label_values(image)',
            'refresh': 1,
            'regex': '',
            'sort': 0,
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
            'IOPS',
            [
                h.prom(
                    'rate(ceph_rbd_write_ops{job=~"$job", pool="$pool", image="$image"}[$__rate_interval])',
                    '{{pool}} Write',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
                h.prom(
                    'rate(ceph_rbd_read_ops{job=~"$job", pool="$pool", image="$image"}[$__rate_interval])',
                    '{{pool}} Read',
                    ref_id='B',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='iops',
            min=0,
            width=8,
            height=9,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
            },
        ),
        h.panel(
            'timeseries',
            'Throughput',
            [
                h.prom(
                    'rate(ceph_rbd_write_bytes{job=~"$job", pool="$pool", image="$image"}[$__rate_interval])',
                    '{{pool}} Write',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
                h.prom(
                    'rate(ceph_rbd_read_bytes{job=~"$job", pool="$pool", image="$image"}[$__rate_interval])',
                    '{{pool}} Read',
                    ref_id='B',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='Bps',
            min=0,
            width=8,
            height=9,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
            },
        ),
        h.panel(
            'timeseries',
            'Average Latency',
            [
                h.prom(
                    'rate(ceph_rbd_write_latency_sum{job=~"$job", pool="$pool", image="$image"}[$__rate_interval]) /\n  rate(ceph_rbd_write_latency_count{job=~"$job", pool="$pool", image="$image"}[$__rate_interval])\n',
                    '{{pool}} Write',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
                h.prom(
                    'rate(ceph_rbd_read_latency_sum{job=~"$job", pool="$pool", image="$image"}[$__rate_interval]) /\n  rate(ceph_rbd_read_latency_count{job=~"$job", pool="$pool", image="$image"}[$__rate_interval])\n',
                    '{{pool}} Read',
                    ref_id='B',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='ns',
            min=0,
            width=8,
            height=9,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
            },
        ),
    ],
)
