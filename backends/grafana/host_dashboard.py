"""Host: one host in depth (Prometheus)."""

from __future__ import annotations

from _common import CPU_THRESHOLDS, DISK_THRESHOLDS, MEMORY_THRESHOLDS, dashboard, prom, stat, timeseries
from _promql import CORES, CPU, CPU_BUSY, DISKS, FS_USED, IDLE, INODES_USED, MEM_USED, R, S, rate_by, variables
from grafana_foundation_sdk.builders import dashboard as dash_b


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
