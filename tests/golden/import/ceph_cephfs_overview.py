'MDS Performance: imported by `vobs import` from tests/data/public/ceph/cephfs-overview.json.'

# House-style migrations applied on import (`vobs import --explain`):
# - dropped keys Grafana 10/11 ignores or owns: version, __inputs, __requires, rows, style, hideControls
# - schemaVersion 16 → 39
# - graph → timeseries (2 panels): legacy keys carried over: fill, linewidth, points, seriesOverrides,
#   tooltip, yaxes; legacy keys dropped: aliasColors, bars, dashLength, dashes, fillGradient, legend, lines,
#   nullPointMode, percentage, pointradius, renderer, spaceLength, stack, steppedLine, thresholds, xaxis;
#   carried into fieldConfig.defaults: custom, min, unit; carried into fieldConfig.defaults.custom: axisLabel,
#   fillOpacity, lineWidth, showPoints; carried into fieldConfig.overrides: 1 rule (seriesOverrides,
#   aliasColors); options set: tooltip

from vertice_obs.importer import house as h

DATASOURCE = '$datasource'
QUERY_OVERRIDES = {'format': 'time_series', 'intervalFactor': 1}

dashboard = h.dashboard(
    'tbO9LAiZz',
    'MDS Performance',
    description='',
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
            'includeAll': True,
            'label': 'MDS Server',
            'multi': False,
            'name': 'mds_servers',
            'options': [],
            'query': 'label_values(ceph_mds_inodes{job=~"$job"}, ceph_daemon)',
            'refresh': 1,
            'regex': '',
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
        h.row(
            'MDS Performance',
            [
                h.panel(
                    'timeseries',
                    'MDS Workload - $mds_servers',
                    [
                        h.prom(
                            'sum(rate(ceph_objecter_op_r{job=~"$job", ceph_daemon=~"($mds_servers).*"}[$__rate_interval]))',
                            'Read Ops',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'sum(rate(ceph_objecter_op_w{job=~"$job", ceph_daemon=~"($mds_servers).*"}[$__rate_interval]))',
                            'Write Ops',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='none',
                    min=0,
                    field_overrides=[
                        {
                            'matcher': {'id': 'byRegexp', 'options': '/.*Reads/'},
                            'properties': [{'id': 'custom.transform', 'value': 'negative-Y'}],
                        },
                    ],
                    width=12,
                    height=9,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {
                            'defaults': {
                                'custom': {
                                    'axisLabel': 'Reads(-) / Writes (+)',
                                    'showPoints': 'never',
                                    'lineWidth': 1,
                                    'fillOpacity': 10,
                                },
                            },
                        },
                    },
                ),
                h.panel(
                    'timeseries',
                    'Client Request Load - $mds_servers',
                    [
                        h.prom(
                            'ceph_mds_server_handle_client_request{job=~"$job", ceph_daemon=~"($mds_servers).*"}',
                            '{{ceph_daemon}}',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='none',
                    min=0,
                    width=12,
                    height=9,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {
                            'defaults': {
                                'custom': {
                                    'axisLabel': 'Client Requests',
                                    'showPoints': 'never',
                                    'lineWidth': 1,
                                    'fillOpacity': 10,
                                },
                            },
                        },
                    },
                ),
            ],
            overrides={'collapse': False, 'showTitle': True, 'titleSize': 'h6'},
        ),
    ],
)
