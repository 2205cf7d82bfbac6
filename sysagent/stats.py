"""Typed views of a running agent: what health, /status and the self-metrics read.

``AgentStats`` is a frozen copy taken at one moment (``agent.stats()``); a sink
that counts its exports offers ``stats() -> SinkStats`` (the delivery layer's
``SenderStats`` is one). Readers never reach into another component's
attributes: what they may read is declared here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sysagent._version import __version__

if TYPE_CHECKING:
    from sysagent.agent import Agent
    from sysagent.delivery.counters import SenderStats


class SinkStats(Protocol):
    """What a sink that sends somewhere counts; all read-only."""

    @property
    def requests(self) -> int: ...
    @property
    def points_sent(self) -> int: ...
    @property
    def points_retried(self) -> int: ...
    @property
    def dropped_points(self) -> Mapping[str, int]: ...
    @property
    def last_error(self) -> str: ...
    @property
    def last_success(self) -> float | None: ...
    @property
    def failing_since(self) -> float | None: ...
    @property
    def last_latency_s(self) -> float: ...
    @property
    def queue_items(self) -> int: ...
    @property
    def queue_bytes(self) -> int: ...
    @property
    def queue_oldest_age_s(self) -> float: ...


@runtime_checkable
class CountsExports(Protocol):
    """A sink that reports :class:`SinkStats`."""

    def stats(self) -> SinkStats: ...


class _Bound(Protocol):
    max_bytes: int


@runtime_checkable
class HasBoundedQueue(Protocol):
    """A sink whose queue has a byte bound (health compares the queue's fill with it)."""

    queue: _Bound


@dataclass(frozen=True)
class CollectorStats:
    """One scheduled collector."""

    name: str
    interval_s: float
    timeout_s: float
    runs: int
    errors: int
    timeouts: int
    skipped: int
    consecutive_errors: int
    last_duration_s: float
    #: Wall-clock time it was handed a tick it has not finished; None when idle.
    busy_since: float | None


@dataclass(frozen=True)
class SinkView:
    """One sink: its counters when it keeps any, and its queue's byte bound when it has one."""

    name: str
    stats: SinkStats | None
    queue_max_bytes: int | None


@dataclass(frozen=True)
class AgentStats:
    """The agent at one moment."""

    version: str
    taken_at: float
    started_at: float
    collectors: tuple[CollectorStats, ...]
    sinks: tuple[SinkView, ...]

    @property
    def uptime_s(self) -> float:
        return self.taken_at - self.started_at if self.started_at else 0.0


#: Per sink object: (the sink, CountsExports, HasBoundedQueue). A runtime-checkable
#: Protocol's isinstance walks its members every time; the self-metrics ask every tick.
_KINDS: dict[int, tuple[object, bool, bool]] = {}


def sink_view(name: str, sink: object) -> SinkView:
    """The typed view of one sink."""
    known = _KINDS.get(id(sink))
    if known is None or known[0] is not sink:
        if len(_KINDS) >= 256:  # sinks replaced by many reloads
            _KINDS.clear()
        known = _KINDS[id(sink)] = (sink, isinstance(sink, CountsExports), isinstance(sink, HasBoundedQueue))
    stats = sink.stats() if known[1] else None  # type: ignore[attr-defined]
    bound = sink.queue.max_bytes if known[2] else None  # type: ignore[attr-defined]
    return SinkView(name, stats, bound or None)


def agent_stats(agent: Agent, now: float | None = None) -> AgentStats:
    """Read the agent's jobs and sinks once, into an :class:`AgentStats`."""
    collectors = tuple(
        CollectorStats(
            j.name,
            j.interval,
            j.timeout,
            j.stats.runs,
            j.stats.errors,
            j.stats.timeouts,
            j.stats.skipped,
            j.stats.consecutive_errors,
            j.stats.last_duration_s,
            j.busy_since,
        )
        for j in list(agent.jobs)
    )
    sinks = tuple(sink_view(name, sink) for name, sink in list(agent.sinks.items()))
    return AgentStats(__version__, time.time() if now is None else now, agent.started_at, collectors, sinks)


if TYPE_CHECKING:

    def _sender_stats_are_sink_stats(s: SenderStats) -> SinkStats:
        """mypy checks here that the delivery layer's counters satisfy the protocol."""
        return s
