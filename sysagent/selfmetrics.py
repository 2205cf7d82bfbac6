"""The agent's own metrics, under ``sysagent.*``: collection, queue, export, process.

A built-in plugin registering the ``sysagent`` collector. It reads the agent's
typed view (:class:`~sysagent.stats.AgentStats`: the scheduler's and the sinks'
own counters), so watching the agent costs no extra bookkeeping on the hot path.
"""

from __future__ import annotations

import os
import resource
from typing import TYPE_CHECKING

from sysagent.hostfs import KernelFile
from sysagent.markers import hookimpl
from sysagent.model import AttrKey, counter, gauge, updowncounter
from sysagent.registry import PluginContext, Registry
from sysagent.settings import CollectorSettings
from sysagent.stats import SinkStats

if TYPE_CHECKING:
    from sysagent.agent import Agent

COLLECTION_DURATION = gauge("sysagent.collection.duration", "s", "Duration of the last collection, per collector")
COLLECTION_ERRORS = counter("sysagent.collection.errors", "{error}", "Collections that raised", integer=True)
COLLECTION_TIMEOUTS = counter("sysagent.collection.timeouts", "{timeout}", "Collections that overran", integer=True)
COLLECTION_SKIPPED = counter("sysagent.collection.skipped", "{tick}", "Ticks skipped: still busy", integer=True)
QUEUE_ITEMS = updowncounter("sysagent.queue.items", "{batch}", "Batches waiting in a sink's queue", integer=True)
QUEUE_SIZE = updowncounter("sysagent.queue.size", "By", "Bytes waiting in a sink's queue", integer=True)
QUEUE_AGE = gauge("sysagent.queue.oldest_age", "s", "Age of the oldest batch in a sink's queue")
EXPORT_POINTS = counter("sysagent.export.points", "{point}", "Points sent, retried, dropped", integer=True)
EXPORT_LATENCY = gauge("sysagent.export.latency", "s", "Duration of the last export request")
EXPORT_REQUESTS = counter("sysagent.export.requests", "{request}", "Export requests sent", integer=True)
PROCESS_CPU = counter("sysagent.process.cpu.time", "s", "CPU time of the agent process")
PROCESS_RSS = updowncounter("sysagent.process.memory.rss", "By", "Resident memory of the agent process", integer=True)

_PAGE = os.sysconf("SC_PAGE_SIZE")
_STATM = KernelFile("/proc/self/statm", single=True)
_RUSAGE_SELF = resource.RUSAGE_SELF

Obs = tuple[str, float, AttrKey]


def process_usage() -> tuple[float, int]:
    """(CPU seconds, RSS bytes) of this process: getrusage and /proc/self/statm (never the host root)."""
    usage = resource.getrusage(_RUSAGE_SELF)
    rss_pages = int(_STATM.read().split(None, 2)[1])
    return usage.ru_utime + usage.ru_stime, rss_pages * _PAGE


class SelfMetrics:
    """Reads the agent's counters; see the module docstring."""

    metrics = (
        COLLECTION_DURATION,
        COLLECTION_ERRORS,
        COLLECTION_TIMEOUTS,
        COLLECTION_SKIPPED,
        QUEUE_ITEMS,
        QUEUE_SIZE,
        QUEUE_AGE,
        EXPORT_POINTS,
        EXPORT_LATENCY,
        EXPORT_REQUESTS,
        PROCESS_CPU,
        PROCESS_RSS,
    )

    def __init__(self, settings: CollectorSettings, ctx: PluginContext) -> None:
        self._ctx = ctx
        self._job_attrs: dict[str, AttrKey] = {}

    def collect(self) -> list[Obs]:
        out: list[Obs] = []
        agent: Agent | None = self._ctx.services.get("agent")
        if agent is not None:
            stats = agent.stats()
            job_attrs = self._job_attrs
            for c in stats.collectors:
                a = job_attrs.get(c.name)
                if a is None:
                    if len(job_attrs) > 4096:
                        job_attrs.clear()
                    a = job_attrs[c.name] = (("sysagent.collector", c.name),)
                out += (
                    ("sysagent.collection.duration", c.last_duration_s, a),
                    ("sysagent.collection.errors", c.errors, a),
                    ("sysagent.collection.timeouts", c.timeouts, a),
                    ("sysagent.collection.skipped", c.skipped, a),
                )
            for sink in stats.sinks:
                if sink.stats is not None:
                    out.extend(_sink_observations(sink.name, sink.stats))
        cpu, rss = process_usage()
        out.append(("sysagent.process.cpu.time", cpu, ()))
        out.append(("sysagent.process.memory.rss", rss, ()))
        return out


def _sink_observations(sink: str, st: SinkStats) -> list[Obs]:
    a = (("sysagent.sink", sink),)
    out: list[Obs] = [
        ("sysagent.queue.items", st.queue_items, a),
        ("sysagent.queue.size", st.queue_bytes, a),
        ("sysagent.queue.oldest_age", st.queue_oldest_age_s, a),
        ("sysagent.export.requests", st.requests, a),
        ("sysagent.export.latency", st.last_latency_s, a),
        ("sysagent.export.points", st.points_sent, (("sysagent.outcome", "sent"), *a)),
        ("sysagent.export.points", st.points_retried, (("sysagent.outcome", "retried"), *a)),
    ]
    for reason, points in sorted(st.dropped_points.items()):
        attrs = (("sysagent.outcome", "dropped"), ("sysagent.reason", reason), *a)
        out.append(("sysagent.export.points", points, attrs))
    return out


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("sysagent", SelfMetrics, interval=5.0)
