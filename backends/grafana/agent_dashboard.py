"""Agent: the agent's own sysagent.* metrics (Prometheus)."""

from __future__ import annotations

from _common import dashboard, prom, timeseries
from _promql import R, S, rate_by, variables
from grafana_foundation_sdk.builders import dashboard as dash_b


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
