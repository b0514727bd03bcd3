'Host Overview: imported by `vobs import` from tests/data/public/ceph/hosts-overview.json.'

# House-style migrations applied on import (`vobs import --explain`):
# - dropped keys Grafana 10/11 ignores or owns: version, __inputs, __requires, rows, style, hideControls
# - schemaVersion 16 → 39
# - graph → timeseries (2 panels): legacy keys carried over: fill, linewidth, points, tooltip, yaxes; legacy
#   keys dropped: aliasColors, bars, dashLength, dashes, fillGradient, legend, lines, nullPointMode,
#   percentage, pointradius, renderer, seriesOverrides, spaceLength, stack, steppedLine, thresholds, xaxis;
#   carried into fieldConfig.defaults: custom, min, unit; carried into fieldConfig.defaults.custom:
#   fillOpacity, lineWidth, showPoints; options set: tooltip
# - singlestat → stat (6 panels): legacy keys carried over: colors, format, valueMaps, valueName; legacy keys
#   dropped: colorBackground, colorValue, gauge, mappingType, mappingTypes, nullPointMode, postfix,
#   postfixFontSize, prefix, prefixFontSize, rangeMaps, sparkline, tableColumn, thresholds, valueFontSize;
#   carried into fieldConfig.defaults: mappings, thresholds, unit; options set: colorMode, graphMode,
#   reduceOptions

from vertice_obs.importer import house as h

DATASOURCE = '$datasource'
QUERY_OVERRIDES = {'format': 'time_series', 'instant': True, 'intervalFactor': 1}

dashboard = h.dashboard(
    'y0KGL0iZz',
    'Host Overview',
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
            'label': None,
            'multi': False,
            'name': 'osd_hosts',
            'options': [],
            'query': 'label_values(ceph_disk_occupation{job=~"$job"}, exported_instance)',
            'refresh': 1,
            'regex': '([^.]*).*',
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
            'label': None,
            'multi': False,
            'name': 'mon_hosts',
            'options': [],
            'query': 'label_values(ceph_mon_metadata{job=~"$job"}, ceph_daemon)',
            'refresh': 1,
            'regex': 'mon.(.*)',
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
            'label': None,
            'multi': False,
            'name': 'mds_hosts',
            'options': [],
            'query': 'label_values(ceph_mds_inodes{job=~"$job"}, ceph_daemon)',
            'refresh': 1,
            'regex': 'mds.(.*)',
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
            'label': None,
            'multi': False,
            'name': 'rgw_hosts',
            'options': [],
            'query': 'label_values(ceph_rgw_metadata{job=~"$job"}, ceph_daemon)',
            'refresh': 1,
            'regex': 'rgw.(.*)',
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
            'OSD Hosts',
            [
                h.prom(
                    'count(sum by (hostname) (ceph_osd_metadata{job=~"$job"}))',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            datasource=DATASOURCE,
            unit='none',
            thresholds=[(None, '#299c46')],
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
            'AVG CPU Busy',
            [
                h.prom(
                    'avg(1 - (\n  avg by(instance) (\n    rate(node_cpu_seconds_total{mode=\'idle\',instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*"}[$__rate_interval]) or\n    rate(node_cpu{mode=\'idle\',instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*"}[$__rate_interval])\n  )\n))\n',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            description='Average CPU busy across all hosts (OSD, RGW, MON etc) within the cluster',
            datasource=DATASOURCE,
            unit='percentunit',
            thresholds=[(None, '#299c46')],
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
            'AVG RAM Utilization',
            [
                h.prom(
                    'avg ((\n  (\n    node_memory_MemTotal{instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*"} or\n    node_memory_MemTotal_bytes{instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*"}\n  ) - ((\n    node_memory_MemFree{instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*"} or\n    node_memory_MemFree_bytes{instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*"}) +\n    (\n      node_memory_Cached{instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*"} or\n      node_memory_Cached_bytes{instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*"}\n    ) + (\n      node_memory_Buffers{instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*"} or\n      node_memory_Buffers_bytes{instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*"}\n    ) + (\n      node_memory_Slab{instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*"} or\n      node_memory_Slab_bytes{instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*"}\n    )\n  )\n) / (\n  node_memory_MemTotal{instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*"} or\n   node_memory_MemTotal_bytes{instance=~"($osd_hosts|$rgw_hosts|$mon_hosts|$mds_hosts).*"}\n))\n',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            description='Average Memory Usage across all hosts in the cluster (excludes buffer/cache usage)',
            datasource=DATASOURCE,
            unit='percentunit',
            thresholds=[(None, '#299c46')],
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
            'Physical IOPS',
            [
                h.prom(
                    'sum ((\n  rate(node_disk_reads_completed{instance=~"($osd_hosts).*"}[$__rate_interval]) or\n  rate(node_disk_reads_completed_total{instance=~"($osd_hosts).*"}[$__rate_interval])\n) + (\n  rate(node_disk_writes_completed{instance=~"($osd_hosts).*"}[$__rate_interval]) or\n  rate(node_disk_writes_completed_total{instance=~"($osd_hosts).*"}[$__rate_interval])\n))\n',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            description='IOPS Load at the device as reported by the OS on all OSD hosts',
            datasource=DATASOURCE,
            unit='none',
            thresholds=[(None, '#299c46')],
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
            'AVG Disk Utilization',
            [
                h.prom(
                    'avg (\n  label_replace(\n    (rate(node_disk_io_time_ms[$__rate_interval]) / 10 ) or\n      (rate(node_disk_io_time_seconds_total[$__rate_interval]) * 100),\n    "instance", "$1", "instance", "([^.:]*).*"\n  ) * on(instance, device) group_left(ceph_daemon) label_replace(\n    label_replace(\n      ceph_disk_occupation_human{job=~"$job", instance=~"($osd_hosts).*"},\n      "device", "$1", "device", "/dev/(.*)"\n    ), "instance", "$1", "instance", "([^.:]*).*"\n  )\n)\n',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            description='Average Disk utilization for all OSD data devices (i.e. excludes journal/WAL)',
            datasource=DATASOURCE,
            unit='percent',
            thresholds=[(None, '#299c46')],
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
            'Network Load',
            [
                h.prom(
                    'sum (\n  (\n    rate(node_network_receive_bytes{instance=~"($osd_hosts|mon_hosts|mds_hosts|rgw_hosts).*",device!="lo"}[$__rate_interval]) or\n    rate(node_network_receive_bytes_total{instance=~"($osd_hosts|mon_hosts|mds_hosts|rgw_hosts).*",device!="lo"}[$__rate_interval])\n  ) unless on (device, instance)\n  label_replace((bonding_slaves > 0), "device", "$1", "master", "(.+)")\n) +\nsum (\n  (\n    rate(node_network_transmit_bytes{instance=~"($osd_hosts|mon_hosts|mds_hosts|rgw_hosts).*",device!="lo"}[$__rate_interval]) or\n    rate(node_network_transmit_bytes_total{instance=~"($osd_hosts|mon_hosts|mds_hosts|rgw_hosts).*",device!="lo"}[$__rate_interval])\n  ) unless on (device, instance)\n  label_replace((bonding_slaves > 0), "device", "$1", "master", "(.+)")\n)\n',
                    ref_id='A',
                    overrides=QUERY_OVERRIDES,
                ),
            ],
            description='Total send/receive network load across all hosts in the ceph cluster',
            datasource=DATASOURCE,
            unit='bytes',
            thresholds=[(None, '#299c46')],
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
            'timeseries',
            'CPU Busy - Top 10 Hosts',
            [
                h.prom(
                    'topk(10,\n  100 * (\n    1 - (\n      avg by(instance) (\n        rate(node_cpu_seconds_total{mode=\'idle\',instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*"}[$__rate_interval]) or\n          rate(node_cpu{mode=\'idle\',instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*"}[$__rate_interval])\n      )\n    )\n  )\n)\n',
                    '{{instance}}',
                    ref_id='A',
                    overrides={'format': 'time_series', 'intervalFactor': 1},
                ),
            ],
            description='Show the top 10 busiest hosts by cpu',
            datasource=DATASOURCE,
            unit='percent',
            min=0,
            width=12,
            height=9,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
            },
        ),
        h.panel(
            'timeseries',
            'Network Load - Top 10 Hosts',
            [
                h.prom(
                    'topk(10, (sum by(instance) (\n(\n  rate(node_network_receive_bytes{instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*",device!="lo"}[$__rate_interval]) or\n  rate(node_network_receive_bytes_total{instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*",device!="lo"}[$__rate_interval])\n) +\n(\n  rate(node_network_transmit_bytes{instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*",device!="lo"}[$__rate_interval]) or\n  rate(node_network_transmit_bytes_total{instance=~"($osd_hosts|$mon_hosts|$mds_hosts|$rgw_hosts).*",device!="lo"}[$__rate_interval])\n) unless on (device, instance)\n  label_replace((bonding_slaves > 0), "device", "$1", "master", "(.+)"))\n))\n',
                    '{{instance}}',
                    ref_id='A',
                    overrides={'format': 'time_series', 'intervalFactor': 1},
                ),
            ],
            description='Top 10 hosts by network load',
            datasource=DATASOURCE,
            unit='Bps',
            min=0,
            width=12,
            height=9,
            overrides={
                'options': {'tooltip': {'mode': 'multi', 'sort': 'none'}},
                'fieldConfig': {'defaults': {'custom': {'showPoints': 'never', 'lineWidth': 1, 'fillOpacity': 10}}},
            },
        ),
    ],
)
