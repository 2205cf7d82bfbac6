"""The PromQL the Prometheus dashboards share: selectors, CPU busy, memory and filesystem shares, variables.

Names are those the Collector's Prometheus translation writes
(``UnderscoreEscapingWithSuffixes``: system.cpu.time -> system_cpu_time_seconds_total),
and hosts are selected by ``host_name``, which remote write through
otel-collector/gateway.yaml puts on every series. CPU busy is computed from
the per-CPU ``system_cpu_time_seconds_total`` series (``cpu.per_cpu: true``),
so it never double-counts a total; the core count is the number of those CPUs.
"""

from __future__ import annotations

from typing import Any

from _common import query_var
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


def to_host(panel: Any) -> Any:
    return panel.data_links([dash_b.DashboardLink("Open ${__field.labels.host_name}").url(HOST_LINK)])


def rate_by(metric: str, labels: str, extra: str = "") -> str:
    return f"sum by (host_name, {labels}) (rate({metric}{{{S}{extra}}}{R}))"
