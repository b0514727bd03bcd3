'RGW Instance Detail: imported by `vobs import` from tests/data/public/ceph/radosgw-detail.json.'

# House-style migrations applied on import (`vobs import --explain`):
# - dropped keys Grafana 10/11 ignores or owns: version, __inputs, __requires, rows, style, hideControls
# - schemaVersion 16 → 39
# - graph → timeseries (3 panels): legacy keys carried over: aliasColors, fill, linewidth, points, tooltip,
#   yaxes; legacy keys dropped: bars, dashLength, dashes, fillGradient, legend, lines, nullPointMode,
#   percentage, pointradius, renderer, seriesOverrides, spaceLength, stack, steppedLine, thresholds, xaxis;
#   carried into fieldConfig.defaults: custom, min, unit; carried into fieldConfig.defaults.custom:
#   fillOpacity, lineWidth, showPoints; carried into fieldConfig.overrides: 5 rules (seriesOverrides,
#   aliasColors); options set: tooltip; not carried: nullPointMode 'null as zero' (a timeseries has no such
#   mode; Grafana's migration drops it too)
# - kept as they are, every setting in the call's `overrides` (no house-style call, and no migration here:
#   Grafana migrates these itself or needs their plugin): grafana-piechart-panel (1 panel)

from vertice_obs.importer import house as h

DATASOURCE = '$datasource'
QUERY_OVERRIDES = {'format': 'time_series', 'intervalFactor': 1}

dashboard = h.dashboard(
    'x5ARzZtmk',
    'RGW Instance Detail',
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
            'RGW Host Detail : $rgw_servers',
            [
                h.panel(
                    'timeseries',
                    '$rgw_servers GET/PUT Latencies',
                    [
                        h.prom(
                            'sum by (instance_id) (\n  rate(ceph_rgw_get_initial_lat_sum{job=~"$job"}[$__rate_interval]) /\n    rate(ceph_rgw_get_initial_lat_count{job=~"$job"}[$__rate_interval])\n) * on (instance_id) group_left (ceph_daemon) ceph_rgw_metadata{job=~"$job", ceph_daemon=~"$rgw_servers"}\n',
                            'GET {{ceph_daemon}}',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'sum by (instance_id) (\n  rate(ceph_rgw_put_initial_lat_sum{job=~"$job"}[$__rate_interval]) /\n    rate(ceph_rgw_put_initial_lat_count{job=~"$job"}[$__rate_interval])\n) * on (instance_id) group_left (ceph_daemon) ceph_rgw_metadata{job=~"$job", ceph_daemon=~"$rgw_servers"}\n',
                            'PUT {{ceph_daemon}}',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='s',
                    min=0,
                    width=6,
                    height=8,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
                    },
                ),
                h.panel(
                    'timeseries',
                    'Bandwidth by HTTP Operation',
                    [
                        h.prom(
                            'rate(ceph_rgw_get_b{job=~"$job"}[$__rate_interval]) *\n  on (instance_id) group_left (ceph_daemon) ceph_rgw_metadata{job=~"$job", ceph_daemon=~"$rgw_servers"}\n',
                            'GETs {{ceph_daemon}}',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'rate(ceph_rgw_put_b{job=~"$job"}[$__rate_interval]) *\n  on (instance_id) group_left (ceph_daemon)\n  ceph_rgw_metadata{job=~"$job", ceph_daemon=~"$rgw_servers"}\n',
                            'PUTs {{ceph_daemon}}',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='bytes',
                    min=0,
                    width=7,
                    height=8,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
                    },
                ),
                h.panel(
                    'timeseries',
                    'HTTP Request Breakdown',
                    [
                        h.prom(
                            'rate(ceph_rgw_failed_req{job=~"$job"}[$__rate_interval]) *\n  on (instance_id) group_left (ceph_daemon) ceph_rgw_metadata{job=~"$job",ceph_daemon=~"$rgw_servers"}\n',
                            'Requests Failed {{ceph_daemon}}',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'rate(ceph_rgw_get{job=~"$job"}[$__rate_interval]) *\n  on (instance_id) group_left (ceph_daemon) ceph_rgw_metadata{job=~"$job", ceph_daemon=~"$rgw_servers"}\n',
                            'GETs {{ceph_daemon}}',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'rate(ceph_rgw_put{job=~"$job"}[$__rate_interval]) *\n  on (instance_id) group_left (ceph_daemon) ceph_rgw_metadata{job=~"$job", ceph_daemon=~"$rgw_servers"}\n',
                            'PUTs {{ceph_daemon}}',
                            ref_id='C',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            '(\n  rate(ceph_rgw_req{job=~"$job"}[$__rate_interval]) -\n    (\n      rate(ceph_rgw_get{job=~"$job"}[$__rate_interval]) +\n        rate(ceph_rgw_put{job=~"$job"}[$__rate_interval])\n    )\n) * on (instance_id) group_left (ceph_daemon) ceph_rgw_metadata{job=~"$job", ceph_daemon=~"$rgw_servers"}\n',
                            'Other {{ceph_daemon}}',
                            ref_id='D',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    unit='short',
                    min=0,
                    field_overrides=[
                        {
                            'matcher': {'id': 'byName', 'options': 'GETs'},
                            'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#7eb26d'}}],
                        },
                        {
                            'matcher': {'id': 'byName', 'options': 'Other'},
                            'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#447ebc'}}],
                        },
                        {
                            'matcher': {'id': 'byName', 'options': 'PUTs'},
                            'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#eab839'}}],
                        },
                        {
                            'matcher': {'id': 'byName', 'options': 'Requests'},
                            'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#3f2b5b'}}],
                        },
                        {
                            'matcher': {'id': 'byName', 'options': 'Requests Failed'},
                            'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#bf1b00'}}],
                        },
                    ],
                    width=7,
                    height=8,
                    overrides={
                        'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                        'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
                    },
                ),
                h.panel(
                    'grafana-piechart-panel',
                    'Workload Breakdown',
                    [
                        h.prom(
                            'rate(ceph_rgw_failed_req{job=~"$job"}[$__rate_interval]) *\n  on (instance_id) group_left (ceph_daemon) ceph_rgw_metadata{job=~"$job", ceph_daemon=~"$rgw_servers"}\n',
                            'Failures {{ceph_daemon}}',
                            ref_id='A',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'rate(ceph_rgw_get{job=~"$job"}[$__rate_interval]) *\n  on (instance_id) group_left (ceph_daemon) ceph_rgw_metadata{job=~"$job", ceph_daemon=~"$rgw_servers"}\n',
                            'GETs {{ceph_daemon}}',
                            ref_id='B',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            'rate(ceph_rgw_put{job=~"$job"}[$__rate_interval]) *\n  on (instance_id) group_left (ceph_daemon) ceph_rgw_metadata{job=~"$job", ceph_daemon=~"$rgw_servers"}\n',
                            'PUTs {{ceph_daemon}}',
                            ref_id='C',
                            overrides=QUERY_OVERRIDES,
                        ),
                        h.prom(
                            '(\n  rate(ceph_rgw_req{job=~"$job"}[$__rate_interval]) -\n    (\n      rate(ceph_rgw_get{job=~"$job"}[$__rate_interval]) +\n        rate(ceph_rgw_put{job=~"$job"}[$__rate_interval])\n    )\n) * on (instance_id) group_left (ceph_daemon)\n  ceph_rgw_metadata{job=~"$job", ceph_daemon=~"$rgw_servers"}\n',
                            'Other (DELETE,LIST) {{ceph_daemon}}',
                            ref_id='D',
                            overrides=QUERY_OVERRIDES,
                        ),
                    ],
                    datasource=DATASOURCE,
                    width=4,
                    height=8,
                    overrides={
                        'aliasColors': {
                            'Failures': '#bf1b00',
                            'GETs': '#7eb26d',
                            'Other (HEAD,POST,DELETE)': '#447ebc',
                            'PUTs': '#eab839',
                            'Requests': '#3f2b5b',
                        },
                        'legend': {'percentage': True, 'show': True, 'values': True},
                        'legendType': 'Under graph',
                        'pieType': 'pie',
                        'valueName': 'current',
                    },
                ),
            ],
            overrides={'collapse': False, 'showTitle': True, 'titleSize': 'h6'},
        ),
    ],
)
