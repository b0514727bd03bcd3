'Ceph Pool Details: imported by `vobs import` from tests/data/public/ceph/pool-detail.json.'

# House-style migrations applied on import (`vobs import --explain`):
# - dropped keys Grafana 10/11 ignores or owns: version, __inputs, __requires, rows, style, hideControls
# - schemaVersion 22 → 39
# - graph → timeseries (4 panels): legacy keys carried over: aliasColors, fill, linewidth, points,
#   seriesOverrides, tooltip, yaxes; legacy keys dropped: bars, dashLength, dashes, fillGradient, legend,
#   lines, nullPointMode, percentage, pointradius, renderer, spaceLength, stack, steppedLine, thresholds,
#   xaxis; carried into fieldConfig.defaults: custom, unit; carried into fieldConfig.defaults.custom:
#   axisLabel, fillOpacity, lineWidth, showPoints; carried into fieldConfig.overrides: 10 rules
#   (seriesOverrides, aliasColors); options set: tooltip
# - singlestat → stat (2 panels): legacy keys carried over: colorValue, colors, format, gauge, sparkline,
#   thresholds, valueMaps, valueName; legacy keys dropped: colorBackground, mappingType, mappingTypes,
#   nullPointMode, postfix, postfixFontSize, prefix, prefixFontSize, rangeMaps, tableColumn, valueFontSize;
#   carried into fieldConfig.defaults: mappings, max, min, thresholds, unit; options set: colorMode,
#   graphMode, reduceOptions; not carried: singlestat thresholds that are not numbers; dropped as Grafana's
#   own migration drops them: gauge (its bounds carried as min/max)

from vertice_obs.importer import house as h

DATASOURCE = '$datasource'
QUERY_OVERRIDES = {'format': 'time_series', 'intervalFactor': 1}

dashboard = h.dashboard(
    '-xyV8KCiz',
    'Ceph Pool Details',
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
            'includeAll': False,
            'label': 'Pool Name',
            'multi': False,
            'name': 'pool_name',
            'options': [],
            'query': 'label_values(ceph_pool_metadata{job=~"$job"}, name)',
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
        h.panel(
            'stat',
            'Capacity used',
            [
                h.prom(
                    '(ceph_pool_stored{job=~"$job"} / (ceph_pool_stored{job=~"$job"} + ceph_pool_max_avail{job=~"$job"})) *\n  on(pool_id) group_left(instance, name) ceph_pool_metadata{job=~"$job", name=~"$pool_name"}\n',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='percentunit',
            min=0,
            max=1,
            thresholds=[(None, '#299c46'), (0.7, 'rgba(237, 129, 40, 0.89)'), (0.8, '#d44a3a')],
            width=7,
            height=7,
            overrides={
                'maxDataPoints': 100,
                'options': {
                    'reduceOptions': {'calcs': ['lastNotNull'], 'fields': '', 'values': False},
                    'graphMode': 'area',
                    'colorMode': 'value',
                },
                'fieldConfig': {
                    'defaults': {
                        'mappings': [
                            {
                                'type': 'special',
                                'options': {'match': 'null', 'result': {'text': 'N/A', 'index': 0}},
                            },
                        ],
                    },
                },
            },
        ),
        h.panel(
            'stat',
            'Time till full',
            [
                h.prom(
                    '(ceph_pool_max_avail{job=~"$job"} / deriv(ceph_pool_stored{job=~"$job"}[6h])) *\n  on(pool_id) group_left(instance, name) ceph_pool_metadata{job=~"$job", name=~"$pool_name"} > 0\n',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            description='Time till pool is full assuming the average fill rate of the last 6 hours',
            datasource=DATASOURCE,
            unit='s',
            width=5,
            height=7,
            overrides={
                'maxDataPoints': 100,
                'options': {
                    'reduceOptions': {'calcs': ['mean'], 'fields': '', 'values': False},
                    'graphMode': 'none',
                    'colorMode': 'none',
                },
                'fieldConfig': {
                    'defaults': {
                        'mappings': [
                            {
                                'type': 'special',
                                'options': {'match': 'null', 'result': {'text': 'N/A', 'index': 0}},
                            },
                        ],
                    },
                },
            },
        ),
        h.panel(
            'timeseries',
            '$pool_name Object Ingress/Egress',
            [
                h.prom(
                    'deriv(ceph_pool_objects{job=~"$job"}[1m]) *\n  on(pool_id) group_left(instance, name) ceph_pool_metadata{job=~"$job", name=~"$pool_name"}\n',
                    'Objects per second',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='ops',
            field_overrides=[
                {
                    'matcher': {'id': 'byName', 'options': 'read_op_per_sec'},
                    'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#3F6833'}}],
                },
                {
                    'matcher': {'id': 'byName', 'options': 'write_op_per_sec'},
                    'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#E5AC0E'}}],
                },
            ],
            width=12,
            height=7,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {
                    'defaults': {
                        'custom': {
                            'axisLabel': 'Objects out(-) / in(+) ',
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
            '$pool_name Client IOPS',
            [
                h.prom(
                    'rate(ceph_pool_rd{job=~"$job"}[$__rate_interval]) *\n  on(pool_id) group_left(instance,name) ceph_pool_metadata{job=~"$job", name=~"$pool_name"}\n',
                    'reads',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
                h.prom(
                    'rate(ceph_pool_wr{job=~"$job"}[$__rate_interval]) *\n  on(pool_id) group_left(instance, name) ceph_pool_metadata{job=~"$job", name=~"$pool_name"}\n',
                    'writes',
                    ref_id='B',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='iops',
            field_overrides=[
                {
                    'matcher': {'id': 'byName', 'options': 'reads'},
                    'properties': [{'id': 'custom.transform', 'value': 'negative-Y'}],
                },
                {
                    'matcher': {'id': 'byName', 'options': 'read_op_per_sec'},
                    'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#3F6833'}}],
                },
                {
                    'matcher': {'id': 'byName', 'options': 'write_op_per_sec'},
                    'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#E5AC0E'}}],
                },
            ],
            width=12,
            height=7,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {
                    'defaults': {
                        'custom': {
                            'axisLabel': 'Read (-) / Write (+)',
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
            '$pool_name Client Throughput',
            [
                h.prom(
                    'rate(ceph_pool_rd_bytes{job=~"$job"}[$__rate_interval]) +\n  on(pool_id) group_left(instance, name) ceph_pool_metadata{job=~"$job", name=~"$pool_name"}\n',
                    'reads',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
                h.prom(
                    'rate(ceph_pool_wr_bytes{job=~"$job"}[$__rate_interval]) +\n  on(pool_id) group_left(instance,name) ceph_pool_metadata{job=~"$job", name=~"$pool_name"}\n',
                    'writes',
                    ref_id='B',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='Bps',
            field_overrides=[
                {
                    'matcher': {'id': 'byName', 'options': 'reads'},
                    'properties': [{'id': 'custom.transform', 'value': 'negative-Y'}],
                },
                {
                    'matcher': {'id': 'byName', 'options': 'read_op_per_sec'},
                    'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#3F6833'}}],
                },
                {
                    'matcher': {'id': 'byName', 'options': 'write_op_per_sec'},
                    'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#E5AC0E'}}],
                },
            ],
            width=12,
            height=7,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {
                    'defaults': {
                        'custom': {
                            'axisLabel': 'Read (-) / Write (+)',
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
            '$pool_name Objects',
            [
                h.prom(
                    'ceph_pool_objects{job=~"$job"} *\n  on(pool_id) group_left(instance,name) ceph_pool_metadata{job=~"$job", name=~"$pool_name"}\n',
                    'Number of Objects',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='short',
            field_overrides=[
                {
                    'matcher': {'id': 'byName', 'options': 'read_op_per_sec'},
                    'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#3F6833'}}],
                },
                {
                    'matcher': {'id': 'byName', 'options': 'write_op_per_sec'},
                    'properties': [{'id': 'color', 'value': {'mode': 'fixed', 'fixedColor': '#E5AC0E'}}],
                },
            ],
            width=12,
            height=7,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {
                    'defaults': {
                        'custom': {'axisLabel': 'Objects', 'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10},
                    },
                },
            },
        ),
    ],
)
