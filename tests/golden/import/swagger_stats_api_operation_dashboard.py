'swagger-stats API Operation Dashboard: imported by `vobs import` from tests/data/public/swagger-stats API Operation dashboard.json.'

# House-style migrations applied on import (`vobs import --explain`):
# - uid: the dashboard had none; it is now 'swagger-stats-api-operation-dashboard'
# - legacy rows[] → row panels (3 rows, 0 shown as a row panel; each panel's span/height → gridPos)
# - __inputs DS_PROMETHEUS → datasource variable (type prometheus): the exported dashboard's ${DS_PROMETHEUS}
#   resolves to a datasource of that type
# - dropped keys Grafana 10/11 ignores or owns: version, __inputs, __requires, style, hideControls
# - schemaVersion 14 → 39
# - graph → timeseries (2 panels): legacy keys carried over: fill, linewidth, points, tooltip, yaxes; legacy
#   keys dropped: aliasColors, bars, dashLength, dashes, legend, lines, nullPointMode, percentage,
#   pointradius, renderer, seriesOverrides, spaceLength, stack, steppedLine, thresholds, xaxis; carried into
#   fieldConfig.defaults: custom, unit; carried into fieldConfig.defaults.custom: fillOpacity, lineWidth,
#   showPoints; options set: tooltip
# - singlestat → stat (6 panels): legacy keys carried over: colors, format, gauge, sparkline, thresholds,
#   valueMaps, valueName; legacy keys dropped: colorBackground, colorValue, mappingType, mappingTypes,
#   nullPointMode, postfix, postfixFontSize, prefix, prefixFontSize, rangeMaps, tableColumn, valueFontSize;
#   carried into fieldConfig.defaults: color, mappings, max, min, thresholds, unit; options set: colorMode,
#   graphMode, reduceOptions; dropped as Grafana's own migration drops them: gauge (its bounds carried as
#   min/max)

from vertice_obs.importer import house as h

DATASOURCE = '${DS_PROMETHEUS}'
QUERY_OVERRIDES = {'format': 'time_series', 'intervalFactor': 2, 'step': 4}

dashboard = h.dashboard(
    'swagger-stats-api-operation-dashboard',
    'swagger-stats API Operation Dashboard',
    tags=[],
    variables=[
        {'type': 'datasource', 'name': 'DS_PROMETHEUS', 'query': 'prometheus', 'label': 'Prometheus'},
        {
            'allValue': None,
            'current': {},
            'datasource': '${DS_PROMETHEUS}',
            'hide': 0,
            'includeAll': False,
            'label': None,
            'multi': False,
            'name': 'Method',
            'options': [],
            'query': 'label_values(method)',
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
            'datasource': '${DS_PROMETHEUS}',
            'hide': 0,
            'includeAll': False,
            'label': None,
            'multi': False,
            'name': 'Path',
            'options': [],
            'query': 'label_values(path)',
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
    annotations=[],
    links=[],
    time={'from': 'now-5m', 'to': 'now'},
    refresh='10s',
    timezone='',
    overrides={
        'editable': True,
        'graphTooltip': 0,
        'timepicker': {
            'refresh_intervals': ['5s', '10s', '30s', '1m', '5m', '15m', '30m', '1h', '2h', '1d'],
            'time_options': ['5m', '15m', '1h', '6h', '12h', '24h', '2d', '7d', '30d'],
        },
    },
    panels=[
        h.panel(
            'stat',
            'Requests',
            [
                h.prom(
                    'sum (api_request_total{method="[[Method]]",path="[[Path]]"})',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='none',
            thresholds=[(None, 'rgba(245, 54, 54, 0.9)')],
            width=4,
            height=5,
            overrides={
                'maxDataPoints': 100,
                'options': {
                    'reduceOptions': {'calcs': ['lastNotNull'], 'fields': '', 'values': False},
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
            'stat',
            'Errors',
            [
                h.prom(
                    'sum (api_request_total{method="[[Method]]",path="[[Path]]",code=~"^4..$|^5..$"})',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='none',
            thresholds=[(None, 'rgba(245, 54, 54, 0.9)')],
            width=4,
            height=5,
            overrides={
                'maxDataPoints': 100,
                'options': {
                    'reduceOptions': {'calcs': ['lastNotNull'], 'fields': '', 'values': False},
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
            'stat',
            'Errors %',
            [
                h.prom(
                    '( sum(api_request_total{method="[[Method]]",path="[[Path]]",code=~"^4..$|^5..$"}) / sum(api_request_total{method="[[Method]]",path="[[Path]]"}) ) * 100',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='none',
            min=0,
            max=100,
            thresholds=[(None, 'rgba(50, 172, 45, 0.97)'), (10, 'rgba(237, 129, 40, 0.89)'), (30, 'rgba(245, 54, 54, 0.9)')],
            width=4,
            height=5,
            overrides={
                'maxDataPoints': 100,
                'options': {
                    'reduceOptions': {'calcs': ['lastNotNull'], 'fields': '', 'values': False},
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
            'stat',
            'Requests in Processing',
            [
                h.prom(
                    'api_all_request_in_processing_total{job="sws-spectest"}',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='none',
            thresholds=[(None, 'rgba(245, 54, 54, 0.9)')],
            width=4,
            height=5,
            overrides={
                'maxDataPoints': 100,
                'options': {
                    'reduceOptions': {'calcs': ['lastNotNull'], 'fields': '', 'values': False},
                    'graphMode': 'area',
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
                        'color': {'mode': 'fixed', 'fixedColor': 'rgb(31, 120, 193)'},
                    },
                },
            },
        ),
        h.panel(
            'stat',
            'CPU %',
            [
                h.prom(
                    'api_sys_node_cpu_usage_percentage{job="sws-spectest"}',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='none',
            min=0,
            max=100,
            thresholds=[(None, 'rgba(245, 54, 54, 0.9)')],
            width=4,
            height=5,
            overrides={
                'maxDataPoints': 100,
                'options': {
                    'reduceOptions': {'calcs': ['lastNotNull'], 'fields': '', 'values': False},
                    'graphMode': 'area',
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
                        'color': {'mode': 'fixed', 'fixedColor': 'rgb(31, 120, 193)'},
                    },
                },
            },
        ),
        h.panel(
            'stat',
            'Heap Used, Mb',
            [
                h.prom(
                    '(api_sys_node_memory_heapUsed_bytes{job="sws-spectest"})/1048576',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='none',
            thresholds=[(None, 'rgba(245, 54, 54, 0.9)')],
            width=4,
            height=5,
            overrides={
                'maxDataPoints': 100,
                'transparent': False,
                'options': {
                    'reduceOptions': {'calcs': ['lastNotNull'], 'fields': '', 'values': False},
                    'graphMode': 'area',
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
                        'color': {'mode': 'fixed', 'fixedColor': 'rgb(31, 120, 193)'},
                    },
                },
            },
        ),
        h.panel(
            'timeseries',
            'Request and Error Rates - $Method $Path',
            [
                h.prom(
                    'sum (irate(api_request_total{path="[[Path]]"}[1m]))',
                    'Request Rate',
                    ref_id='A',
                    overrides={'format': 'time_series', 'intervalFactor': 4, 'step': 4},
                ),
            ],
            datasource=DATASOURCE,
            unit='short',
            width=24,
            height=8,
            repeat='path',
            overrides={
                'minSpan': 12,
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
            },
        ),
        h.panel(
            'timeseries',
            'Panel Title',
            [
                h.prom(
                    'sum by(job) (irate(api_request_total{job="sws-spectest",path="[[path]]"}[1m]))',
                    ref_id='A',
                    overrides={'format': 'time_series', 'intervalFactor': 2, 'step': 2},
                ),
            ],
            datasource=DATASOURCE,
            unit='short',
            width=24,
            height=7,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
            },
        ),
    ],
)
