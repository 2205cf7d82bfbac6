"""The agent's own metrics, under ``sysagent.*``: collection, queue, export, process.

A built-in plugin registering the ``sysagent`` collector. It reads the counters
the scheduler and the sinks keep (``Job.stats``, a sink's ``stats()``), so
watching the agent costs no extra bookkeeping on the hot path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from sysagent.markers import hookimpl
from sysagent.model import Observation, counter, gauge, updowncounter
from sysagent.registry import PluginContext, Registry
from sysagent.settings import CollectorSettings

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

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def process_usage() -> tuple[float, int]:
    """(CPU seconds, RSS bytes) of this process, from /proc/self (never the host root)."""
    with open("/proc/self/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    with open("/proc/self/statm", "rb") as f:
        rss_pages = int(f.read().split()[1])
    return (int(fields[11]) + int(fields[12])) / _TICKS, rss_pages * _PAGE


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

    def collect(self) -> Iterator[Observation]:
        agent: Any = self._ctx.services.get("agent")
        if agent is not None:
            for job in agent.jobs:
                a = (("sysagent.collector", job.name),)
                s = job.stats
                yield Observation(COLLECTION_DURATION.name, s.last_duration_s, a)
                yield Observation(COLLECTION_ERRORS.name, s.errors, a)
                yield Observation(COLLECTION_TIMEOUTS.name, s.timeouts, a)
                yield Observation(COLLECTION_SKIPPED.name, s.skipped, a)
            for name, sink in list(agent.sinks.items()):
                stats_fn = getattr(sink, "stats", None)
                if callable(stats_fn):
                    yield from _sink_observations(name, stats_fn())
        cpu, rss = process_usage()
        yield Observation(PROCESS_CPU.name, cpu)
        yield Observation(PROCESS_RSS.name, rss)


def _sink_observations(sink: str, st: Any) -> Iterator[Observation]:
    a = (("sysagent.sink", sink),)
    yield Observation(QUEUE_ITEMS.name, st.queue_items, a)
    yield Observation(QUEUE_SIZE.name, st.queue_bytes, a)
    yield Observation(QUEUE_AGE.name, st.queue_oldest_age_s, a)
    yield Observation(EXPORT_REQUESTS.name, st.requests, a)
    yield Observation(EXPORT_LATENCY.name, st.last_latency_s, a)
    yield Observation(EXPORT_POINTS.name, st.points_sent, (("sysagent.outcome", "sent"), *a))
    yield Observation(EXPORT_POINTS.name, st.points_retried, (("sysagent.outcome", "retried"), *a))
    for reason, points in sorted(st.dropped_points.items()):
        attrs = (("sysagent.outcome", "dropped"), ("sysagent.reason", reason), *a)
        yield Observation(EXPORT_POINTS.name, points, attrs)


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("sysagent", SelfMetrics, interval=5.0)
