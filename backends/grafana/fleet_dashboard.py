"""Fleet overview: every host at a glance; each links to the Host dashboard (Prometheus)."""

from __future__ import annotations

from _common import CPU_THRESHOLDS, DISK_THRESHOLDS, MEMORY_THRESHOLDS, dashboard, prom, stat, timeseries
from _promql import CORES, CPU_BUSY, FS_USED, MEM_USED, S, rate_by, to_host, variables
from grafana_foundation_sdk.builders import dashboard as dash_b


def fleet() -> dash_b.Dashboard:
    panels = [
        to_host(
            timeseries(
                "CPU busy", "percent", [prom(CPU_BUSY, "{{host_name}}")], thresholds=CPU_THRESHOLDS, lo=0, hi=100
            )
        ),
        to_host(
            timeseries(
                "Memory used", "percent", [prom(MEM_USED, "{{host_name}}")], thresholds=MEMORY_THRESHOLDS, lo=0, hi=100
            )
        ),
        to_host(
            timeseries(
                "Fullest filesystem",
                "percent",
                [prom(f"max by (host_name) ({FS_USED})", "{{host_name}}")],
                thresholds=DISK_THRESHOLDS,
                lo=0,
                hi=100,
            )
        ),
        to_host(
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
        to_host(
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
        to_host(
            stat("Uptime", "s", [prom(f"max by (host_name) (system_uptime_seconds{{{S}}})", "{{host_name}}")], w=6)
        ),
        to_host(
            stat(
                "Agent: seconds since last report",
                "s",
                [prom(f"time() - max by (host_name) (timestamp(system_uptime_seconds{{{S}}}))", "{{host_name}}")],
                thresholds=(30.0, 120.0),
                w=6,
            )
        ),
        to_host(
            stat(
                "Agent: collection errors (5m)",
                "none",
                [prom(f"sum by (host_name) (increase(sysagent_collection_errors_total{{{S}}}[5m]))", "{{host_name}}")],
                thresholds=(1.0, 10.0),
                w=6,
            )
        ),
        to_host(
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
