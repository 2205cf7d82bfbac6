"""Fleet overview, Host and Agent dashboards for the Prometheus datasource.

Names are those the Collector's Prometheus translation writes
(``UnderscoreEscapingWithSuffixes``: system.cpu.time -> system_cpu_time_seconds_total),
and hosts are selected by ``host_name``, which remote write through
otel-collector/gateway.yaml puts on every series. CPU busy is computed from
the per-CPU ``system_cpu_time_seconds_total`` series (``cpu.per_cpu: true``),
so it never double-counts a total; the core count is the number of those CPUs.
"""

from __future__ import annotations

from typing import Any

from _common import CPU_THRESHOLDS, DISK_THRESHOLDS, MEMORY_THRESHOLDS, dashboard, prom, query_var, stat, timeseries
from grafana_foundation_sdk.builders import dashboard as dash_b

S = 'job=~"$job", host_name=~"$host"'
R = "[$__rate_interval]"
CPU = f'system_cpu_time_seconds_total{{{S}, cpu_logical_number!=""}}'
IDLE = f'system_cpu_time_seconds_total{{{S}, cpu_logical_number!="", cpu_mode="idle"}}'
CPU_BUSY = f"100 * (1 - sum by (host_name) (rate({IDLE}{R})) / sum by (host_name) (rate({CPU}{R})))"
CORES = f"count by (host_name) ({IDLE})"
MEM_USED = (
    f'100 * sum by (host_name) (system_memory_usage_bytes{{{S}, system_memory_state="used"}})'
    f" / sum by (host_name) (system_memory_usage_bytes{{{S}}})"
)
FS_USED = (
    f'100 * sum without (system_filesystem_state) (system_filesystem_usage_bytes{{{S}, system_filesystem_state="used"}})'
    " / sum without (system_filesystem_state)"
    f' (system_filesystem_usage_bytes{{{S}, system_filesystem_state=~"used|free"}})'
)
INODES_USED = (
    f'100 * sum without (system_filesystem_state) (system_filesystem_inodes_usage{{{S}, system_filesystem_state="used"}})'
    f" / (sum without (system_filesystem_state) (system_filesystem_inodes_usage{{{S}}}) > 0)"
)
#: Whole disks, as Node Exporter Full filters them (no partitions, loop or dm devices).
DISKS = 'system_device=~"[a-z]+|nvme[0-9]+n[0-9]+|mmcblk[0-9]+"'
HOST_LINK = "/d/sysagent-host/sysagent-host?var-job=${__field.labels.job}&var-host=${__field.labels.host_name}&${__url_time_range}"


def variables() -> list[Any]:
    return [
        query_var("job", "Job", "label_values(system_uptime_seconds, job)"),
        query_var("host", "Host", 'label_values(system_uptime_seconds{job=~"$job"}, host_name)'),
    ]


def _to_host(panel: Any) -> Any:
    return panel.data_links([dash_b.DashboardLink("Open ${__field.labels.host_name}").url(HOST_LINK)])


def rate_by(metric: str, labels: str, extra: str = "") -> str:
    return f"sum by (host_name, {labels}) (rate({metric}{{{S}{extra}}}{R}))"


def fleet() -> dash_b.Dashboard:
    panels = [
        _to_host(
            timeseries(
                "CPU busy", "percent", [prom(CPU_BUSY, "{{host_name}}")], thresholds=CPU_THRESHOLDS, lo=0, hi=100
            )
        ),
        _to_host(
            timeseries(
                "Memory used", "percent", [prom(MEM_USED, "{{host_name}}")], thresholds=MEMORY_THRESHOLDS, lo=0, hi=100
            )
        ),
        _to_host(
            timeseries(
                "Fullest filesystem",
                "percent",
                [prom(f"max by (host_name) ({FS_USED})", "{{host_name}}")],
                thresholds=DISK_THRESHOLDS,
                lo=0,
                hi=100,
            )
        ),
        _to_host(
            timeseries(
                "Network traffic",
                "Bps",
                [
                    prom(
                        rate_by("system_network_io_bytes_total", "network_io_direction"),
                        "{{host_name}} {{network_io_direction}}",
                    )
                ],
            )
        ),
        _to_host(
            timeseries(
                "Load per core (1m)",
                "none",
                [
                    prom(
                        f"max by (host_name) (system_cpu_load_average_1m{{{S}}}) / on (host_name) {CORES}",
                        "{{host_name}}",
                    )
                ],
                thresholds=(1.0, 2.0),
                lo=0,
            )
        ),
        _to_host(
            stat("Uptime", "s", [prom(f"max by (host_name) (system_uptime_seconds{{{S}}})", "{{host_name}}")], w=6)
        ),
        _to_host(
            stat(
                "Agent: seconds since last report",
                "s",
                [prom(f"time() - max by (host_name) (timestamp(system_uptime_seconds{{{S}}}))", "{{host_name}}")],
                thresholds=(30.0, 120.0),
                w=6,
            )
        ),
        _to_host(
            stat(
                "Agent: collection errors (5m)",
                "none",
                [prom(f"sum by (host_name) (increase(sysagent_collection_errors_total{{{S}}}[5m]))", "{{host_name}}")],
                thresholds=(1.0, 10.0),
                w=6,
            )
        ),
        _to_host(
            stat(
                "Firing alerts",
                "none",
                [
                    prom(
                        f"count by (host_name) (sysagent_alert_state_ratio{{{S}}} == 2) or sum by (host_name) (sysagent_alert_state_ratio{{{S}}}) * 0",
                        "{{host_name}}",
                    )
                ],
                thresholds=(1.0, 5.0),
                w=6,
            )
        ),
    ]
    return dashboard(
        "sysagent-fleet",
        "sysagent / Fleet overview",
        "Every host: CPU, memory, fullest filesystem, network, load per core, uptime, agent health, firing alerts. Click a host to open it.",
        panels,
        variables(),
    )


def host() -> dash_b.Dashboard:
    ts = timeseries
    panels = [
        dash_b.Row("CPU"),
        ts("CPU busy", "percent", [prom(CPU_BUSY, "{{host_name}}")], thresholds=CPU_THRESHOLDS, lo=0, hi=100),
        ts(
            "CPU by mode",
            "percent",
            [
                prom(
                    f"100 * sum by (host_name, cpu_mode) (rate({CPU}{R})) / ignoring (cpu_mode) group_left sum by (host_name) (rate({CPU}{R}))",
                    "{{cpu_mode}}",
                )
            ],
            lo=0,
            hi=100,
        ),
        ts(
            "CPU busy per core",
            "percent",
            [
                prom(
                    f"100 * (1 - sum by (host_name, cpu_logical_number) (rate({IDLE}{R})) / sum by (host_name, cpu_logical_number) (rate({CPU}{R})))",
                    "cpu {{cpu_logical_number}}",
                )
            ],
            thresholds=CPU_THRESHOLDS,
            lo=0,
            hi=100,
        ),
        ts(
            "Load against cores",
            "none",
            [
                prom(f"system_cpu_load_average_1m{{{S}}}", "1m", "A"),
                prom(f"system_cpu_load_average_5m{{{S}}}", "5m", "B"),
                prom(f"system_cpu_load_average_15m{{{S}}}", "15m", "C"),
                prom(CORES, "cores", "D"),
            ],
            lo=0,
        ),
        dash_b.Row("Memory"),
        ts("Memory used", "percent", [prom(MEM_USED, "{{host_name}}")], thresholds=MEMORY_THRESHOLDS, lo=0, hi=100),
        ts(
            "Memory by state",
            "bytes",
            [
                prom(f'sum by (host_name) (system_memory_usage_bytes{{{S}, system_memory_state="used"}})', "used", "A"),
                prom(f"sum by (host_name) (system_memory_usage_bytes{{{S}}})", "total", "B"),
                prom(
                    f"sum by (host_name, system_memory_state) (system_memory_usage_bytes{{{S}}})",
                    "{{system_memory_state}}",
                    "C",
                ),
            ],
            lo=0,
            description="A: used, B: total (the sum of the states), C: each state.",
        ),
        ts(
            "Swap activity",
            "ops",
            [
                prom(
                    rate_by("system_paging_operations_total", "system_paging_direction"),
                    "swap {{system_paging_direction}}",
                )
            ],
            lo=0,
            description="Pages swapped in and out per second.",
        ),
        dash_b.Row("Filesystems"),
        ts(
            "Filesystem used",
            "percent",
            [prom(FS_USED, "{{system_filesystem_mountpoint}}")],
            thresholds=DISK_THRESHOLDS,
            lo=0,
            hi=100,
        ),
        ts(
            "Inodes used",
            "percent",
            [prom(INODES_USED, "{{system_filesystem_mountpoint}}")],
            thresholds=DISK_THRESHOLDS,
            lo=0,
            hi=100,
        ),
        dash_b.Row("Disks"),
        ts(
            "Disk throughput",
            "Bps",
            [
                prom(
                    rate_by("system_disk_io_bytes_total", "system_device, disk_io_direction", f", {DISKS}"),
                    "{{system_device}} {{disk_io_direction}}",
                )
            ],
            lo=0,
        ),
        ts(
            "Disk IOPS",
            "iops",
            [
                prom(
                    rate_by("system_disk_operations_total", "system_device, disk_io_direction", f", {DISKS}"),
                    "{{system_device}} {{disk_io_direction}}",
                )
            ],
            lo=0,
        ),
        ts(
            "Disk utilization",
            "percent",
            [
                prom(
                    f"clamp_max(100 * {rate_by('system_disk_io_time_seconds_total', 'system_device', f', {DISKS}')}, 100)",
                    "{{system_device}}",
                )
            ],
            lo=0,
            hi=100,
        ),
        ts(
            "Disk average latency",
            "s",
            [
                prom(
                    f"{rate_by('system_disk_operation_time_seconds_total', 'system_device, disk_io_direction', f', {DISKS}')} / clamp_min({rate_by('system_disk_operations_total', 'system_device, disk_io_direction', f', {DISKS}')}, 1e-9)",
                    "{{system_device}} {{disk_io_direction}}",
                )
            ],
            lo=0,
        ),
        dash_b.Row("Network"),
        ts(
            "Network bytes",
            "Bps",
            [
                prom(
                    rate_by("system_network_io_bytes_total", "network_interface_name, network_io_direction"),
                    "{{network_interface_name}} {{network_io_direction}}",
                )
            ],
            lo=0,
        ),
        ts(
            "Network packets",
            "pps",
            [
                prom(
                    rate_by("system_network_packet_count_total", "system_device, network_io_direction"),
                    "{{system_device}} {{network_io_direction}}",
                )
            ],
            lo=0,
        ),
        ts(
            "Network errors",
            "pps",
            [
                prom(
                    rate_by("system_network_errors_total", "network_interface_name, network_io_direction"),
                    "{{network_interface_name}} {{network_io_direction}}",
                )
            ],
            lo=0,
        ),
        ts(
            "Network drops",
            "pps",
            [
                prom(
                    rate_by("system_network_packet_dropped_total", "network_interface_name, network_io_direction"),
                    "{{network_interface_name}} {{network_io_direction}}",
                )
            ],
            lo=0,
        ),
        dash_b.Row("System"),
        ts(
            "TCP connections by state",
            "none",
            [
                prom(
                    f'sum by (host_name, network_connection_state) (system_network_connection_count{{{S}, network_transport="tcp"}})',
                    "{{network_connection_state}}",
                )
            ],
            lo=0,
        ),
        ts(
            "Processes",
            "none",
            [
                prom(f"sum by (host_name, process_state) (system_process_count{{{S}}})", "{{process_state}}", "A"),
                prom(f"sum by (host_name) (rate(system_process_created_total{{{S}}}{R}))", "created per second", "B"),
            ],
            lo=0,
        ),
        stat("Uptime", "s", [prom(f"max by (host_name) (system_uptime_seconds{{{S}}})", "{{host_name}}")], w=6),
    ]
    return dashboard(
        "sysagent-host",
        "sysagent / Host",
        "One host: CPU, load, memory, swap, filesystems, disks, network, TCP, processes (Prometheus).",
        panels,
        variables(),
    )


def agent() -> dash_b.Dashboard:
    ts = timeseries
    panels = [
        ts(
            "Collection duration",
            "s",
            [
                prom(
                    f"max by (host_name, sysagent_collector) (sysagent_collection_duration_seconds{{{S}}})",
                    "{{host_name}} {{sysagent_collector}}",
                )
            ],
            lo=0,
        ),
        ts(
            "Collection errors, timeouts, skipped ticks",
            "cps",
            [
                prom(
                    rate_by("sysagent_collection_errors_total", "sysagent_collector"),
                    "errors {{sysagent_collector}}",
                    "A",
                ),
                prom(
                    rate_by("sysagent_collection_timeouts_total", "sysagent_collector"),
                    "timeouts {{sysagent_collector}}",
                    "B",
                ),
                prom(
                    rate_by("sysagent_collection_skipped_total", "sysagent_collector"),
                    "skipped {{sysagent_collector}}",
                    "C",
                ),
            ],
            lo=0,
        ),
        ts(
            "Queue depth",
            "none",
            [prom(f"sum by (host_name, sysagent_sink) (sysagent_queue_items{{{S}}})", "{{sysagent_sink}} batches")],
            lo=0,
        ),
        ts(
            "Queue size",
            "bytes",
            [prom(f"sum by (host_name, sysagent_sink) (sysagent_queue_size_bytes{{{S}}})", "{{sysagent_sink}}")],
            lo=0,
        ),
        ts(
            "Oldest queued batch",
            "s",
            [
                prom(
                    f"max by (host_name, sysagent_sink) (sysagent_queue_oldest_age_seconds{{{S}}})", "{{sysagent_sink}}"
                )
            ],
            lo=0,
        ),
        ts(
            "Points sent, retried, dropped",
            "cps",
            [
                prom(
                    rate_by("sysagent_export_points_total", "sysagent_sink, sysagent_outcome"),
                    "{{sysagent_sink}} {{sysagent_outcome}}",
                )
            ],
            lo=0,
        ),
        ts(
            "Export latency",
            "s",
            [prom(f"max by (host_name, sysagent_sink) (sysagent_export_latency_seconds{{{S}}})", "{{sysagent_sink}}")],
            lo=0,
        ),
        ts(
            "Export requests",
            "reqps",
            [prom(rate_by("sysagent_export_requests_total", "sysagent_sink"), "{{sysagent_sink}}")],
            lo=0,
        ),
        ts(
            "Agent memory (RSS)",
            "bytes",
            [prom(f"max by (host_name) (sysagent_process_memory_rss_bytes{{{S}}})", "{{host_name}}")],
            lo=0,
        ),
        ts(
            "Agent CPU",
            "percent",
            [
                prom(
                    f"100 * sum by (host_name) (rate(sysagent_process_cpu_time_seconds_total{{{S}}}{R}))",
                    "{{host_name}}",
                )
            ],
            lo=0,
            hi=100,
        ),
    ]
    return dashboard(
        "sysagent-agent",
        "sysagent / Agent",
        "The agent itself: collection, queue, export, memory and CPU (its sysagent.* metrics).",
        panels,
        variables(),
    )
