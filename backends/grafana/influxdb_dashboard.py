"""The Host dashboard for the InfluxDB datasource (InfluxQL), reading backends/influxdb's retention policies.

``$rp`` picks the retention policy: ``raw`` (24 h of raw points), ``one_week``
(7 d of 1-minute means, cq_1m) or ``one_month`` (30 d of 5-minute means,
cq_5m); the 7d and 30d links at the top set it with the range. The value field
differs between them (``counter``/``gauge`` raw, ``mean_counter``/``mean_gauge``
downsampled), so two hidden variables read it from the chosen policy
(``SHOW FIELD KEYS``) and every query uses ``$counter``/``$gauge``.
"""

from __future__ import annotations

from typing import Any

from _common import (
    CPU_THRESHOLDS,
    DISK_THRESHOLDS,
    INFLUXDB,
    MEMORY_THRESHOLDS,
    InfluxTarget,
    dashboard,
    query_var,
    stat,
    timeseries,
)
from grafana_foundation_sdk.builders import dashboard as dash_b
from grafana_foundation_sdk.models import dashboard as dash_m

H = '"service.name" =~ /^$job$/ AND "host.name" =~ /^$host$/ AND $timeFilter'
G = "GROUP BY time($__interval)"


def rate(measurement: str, by: str, where: str = "", scale: str = "") -> str:
    """Per-second rate of a counter, per series, grouped by ``by`` tags."""
    cond = f"{where} AND {H}" if where else H
    return (
        f'SELECT {scale}non_negative_derivative(mean("$counter"), 1s) FROM "$rp"."{measurement}" WHERE {cond}'
        f' {G}, "host.name", {by} fill(none)'
    )


def gauge(measurement: str, by: str = "", where: str = "", scale: str = "") -> str:
    cond = f"{where} AND {H}" if where else H
    group = f', "host.name", {by}' if by else ', "host.name"'
    return f'SELECT {scale}mean("$gauge") FROM "$rp"."{measurement}" WHERE {cond} {G}{group} fill(none)'


IDLE_PER_CPU = (
    'SELECT non_negative_derivative(mean("$counter"), 1s) AS "idle" FROM "$rp"."system.cpu.time"'
    f' WHERE "cpu.mode" = \'idle\' AND "cpu.logical_number" =~ /.+/ AND {H}'
    f' {G}, "cpu.logical_number", "host.name"'
)
CPU_BUSY = f'SELECT 100 - 100 * mean("idle") FROM ({IDLE_PER_CPU}) WHERE $timeFilter {G}, "host.name" fill(none)'
MODE_PER_CPU = (
    'SELECT non_negative_derivative(mean("$counter"), 1s) AS "share" FROM "$rp"."system.cpu.time"'
    f' WHERE "cpu.logical_number" =~ /.+/ AND {H} {G}, "cpu.logical_number", "cpu.mode", "host.name"'
)
CPU_BY_MODE = f'SELECT 100 * mean("share") FROM ({MODE_PER_CPU}) WHERE $timeFilter {G}, "cpu.mode" fill(none)'
PER_CORE = (
    'SELECT 100 - 100 * non_negative_derivative(mean("$counter"), 1s) FROM "$rp"."system.cpu.time"'
    f' WHERE "cpu.mode" = \'idle\' AND "cpu.logical_number" =~ /.+/ AND {H} {G}, "cpu.logical_number" fill(none)'
)


def t(query: str, alias: str = "", ref: str = "A") -> InfluxTarget:
    return InfluxTarget(query, alias, ref)


def variables() -> list[Any]:
    rp = (
        dash_b.CustomVariable("rp")
        .label("Retention policy")
        .values("raw,one_week,one_month")
        .current(dash_m.VariableOption(selected=True, text="raw", value="raw"))
        .description("raw: 24 h of raw points; one_week: 7 d of 1-minute means; one_month: 30 d of 5-minute means")
    )
    job = query_var("job", "Job", 'SHOW TAG VALUES FROM "system.uptime" WITH KEY = "service.name"', INFLUXDB)
    host = query_var(
        "host",
        "Host",
        'SHOW TAG VALUES FROM "system.uptime" WITH KEY = "host.name" WHERE "service.name" =~ /^$job$/',
        INFLUXDB,
    )
    fields = [
        query_var(name, name, f'SHOW FIELD KEYS FROM "$rp"."{m}"', INFLUXDB)
        .multi(False)
        .include_all(False)
        .hide(dash_m.VariableHide.HIDE_VARIABLE)
        .regex(f"/^(mean_)?{name}$/")  # counter values also carry start_time_unix_nano
        for name, m in (("counter", "system.cpu.time"), ("gauge", "system.uptime"))
    ]
    return [rp, job, host, *fields]


def host() -> dash_b.Dashboard:
    ts = timeseries
    panels = [
        dash_b.Row("CPU"),
        ts("CPU busy", "percent", [t(CPU_BUSY, "$tag_host.name")], thresholds=CPU_THRESHOLDS, lo=0, hi=100),
        ts("CPU by mode", "percent", [t(CPU_BY_MODE, "$tag_cpu.mode")], lo=0, hi=100),
        ts(
            "CPU busy per core",
            "percent",
            [t(PER_CORE, "cpu $tag_cpu.logical_number")],
            thresholds=CPU_THRESHOLDS,
            lo=0,
            hi=100,
        ),
        ts(
            "Load",
            "none",
            [t(gauge(f"system.cpu.load_average.{p}"), p, r) for p, r in (("1m", "A"), ("5m", "B"), ("15m", "C"))],
            lo=0,
        ),
        dash_b.Row("Memory"),
        ts(
            "Memory used",
            "percent",
            [t(gauge("system.memory.utilization", where="\"system.memory.state\" = 'used'", scale="100 * "))],
            thresholds=MEMORY_THRESHOLDS,
            lo=0,
            hi=100,
        ),
        ts(
            "Memory by state",
            "bytes",
            [t(gauge("system.memory.usage", '"system.memory.state"'), "$tag_system.memory.state")],
            lo=0,
        ),
        ts(
            "Swap activity",
            "ops",
            [t(rate("system.paging.operations", '"system.paging.direction"'), "swap $tag_system.paging.direction")],
            lo=0,
        ),
        dash_b.Row("Filesystems"),
        ts(
            "Filesystem used",
            "percent",
            [
                t(
                    gauge(
                        "system.filesystem.utilization",
                        '"system.filesystem.mountpoint"',
                        "\"system.filesystem.state\" = 'used'",
                        "100 * ",
                    ),
                    "$tag_system.filesystem.mountpoint",
                )
            ],
            thresholds=DISK_THRESHOLDS,
            lo=0,
            hi=100,
        ),
        ts(
            "Inodes used",
            "none",
            [
                t(
                    gauge(
                        "system.filesystem.inodes.usage",
                        '"system.filesystem.mountpoint"',
                        "\"system.filesystem.state\" = 'used'",
                    ),
                    "$tag_system.filesystem.mountpoint",
                )
            ],
            lo=0,
        ),
        dash_b.Row("Disks"),
        ts(
            "Disk throughput",
            "Bps",
            [
                t(
                    rate("system.disk.io", '"system.device", "disk.io.direction"'),
                    "$tag_system.device $tag_disk.io.direction",
                )
            ],
            lo=0,
        ),
        ts(
            "Disk IOPS",
            "iops",
            [
                t(
                    rate("system.disk.operations", '"system.device", "disk.io.direction"'),
                    "$tag_system.device $tag_disk.io.direction",
                )
            ],
            lo=0,
        ),
        ts(
            "Disk utilization",
            "percent",
            [t(rate("system.disk.io_time", '"system.device"', scale="100 * "), "$tag_system.device")],
            lo=0,
            hi=100,
        ),
        dash_b.Row("Network"),
        ts(
            "Network bytes",
            "Bps",
            [
                t(
                    rate("system.network.io", '"network.interface.name", "network.io.direction"'),
                    "$tag_network.interface.name $tag_network.io.direction",
                )
            ],
            lo=0,
        ),
        ts(
            "Network errors",
            "pps",
            [
                t(
                    rate("system.network.errors", '"network.interface.name", "network.io.direction"'),
                    "$tag_network.interface.name $tag_network.io.direction",
                )
            ],
            lo=0,
        ),
        ts(
            "Network packets",
            "pps",
            [
                t(
                    rate("system.network.packet.count", '"system.device", "network.io.direction"'),
                    "$tag_system.device $tag_network.io.direction",
                )
            ],
            lo=0,
        ),
        ts(
            "Network drops",
            "pps",
            [
                t(
                    rate("system.network.packet.dropped", '"network.interface.name", "network.io.direction"'),
                    "$tag_network.interface.name $tag_network.io.direction",
                )
            ],
            lo=0,
        ),
        dash_b.Row("System"),
        ts(
            "TCP connections by state",
            "none",
            [
                t(
                    gauge(
                        "system.network.connection.count", '"network.connection.state"', "\"network.transport\" = 'tcp'"
                    ),
                    "$tag_network.connection.state",
                )
            ],
            lo=0,
        ),
        ts("Processes", "none", [t(gauge("system.process.count", '"process.state"'), "$tag_process.state")], lo=0),
        stat("Uptime", "s", [t(gauge("system.uptime"))], w=6),
    ]
    d = dashboard(
        "sysagent-host-influxdb",
        "sysagent / Host (InfluxDB)",
        "One host from InfluxDB; pick the retention policy ($rp) that covers the range: raw for up to 24 h, one_week for 7 d, one_month for 30 d.",
        panels,
        variables(),
    )
    for title, rng, policy in (
        ("Last 24 h (raw)", "now-24h", "raw"),
        ("Last 7 d (1-minute means)", "now-7d", "one_week"),
        ("Last 30 d (5-minute means)", "now-30d", "one_month"),
    ):
        d = d.link(
            dash_b.DashboardLink(title)
            .type(dash_m.DashboardLinkType.LINK)
            .url(
                f"/d/sysagent-host-influxdb/sysagent-host-influxdb?var-rp={policy}&var-job=$job&var-host=$host&from={rng}&to=now"
            )
        )
    return d
