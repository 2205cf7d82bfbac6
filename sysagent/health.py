"""Is the agent healthy? The rules behind /healthz and ``sysagent status``.

They read the typed view :class:`~sysagent.stats.AgentStats`, nothing else, so
they are about the agent itself (collectors and sinks), never about what plugins
report about the data they watch (those add their own /status sections).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sysagent.stats import AgentStats

if TYPE_CHECKING:
    from sysagent.agent import Agent
    from sysagent.config import HealthSection


def problems(stats: AgentStats, rules: HealthSection) -> list[str]:
    """Short reasons the agent is unhealthy; empty when it is healthy."""
    now = stats.taken_at
    found: list[str] = []
    for c in stats.collectors:
        if c.consecutive_errors >= rules.collector_failures:
            found.append(f"collector {c.name} failed {c.consecutive_errors} times in a row")
        elif c.busy_since is not None and now - c.busy_since > 2 * c.timeout_s + c.interval_s:
            found.append(f"collector {c.name} has not returned for {now - c.busy_since:.0f}s")
    for sink in stats.sinks:
        st = sink.stats
        if st is None:
            continue
        failing = st.failing_since
        if failing is not None and now - failing > rules.export_failure:
            found.append(f"sink {sink.name}: exports failing for {now - failing:.0f}s: {st.last_error}")
        bound = sink.queue_max_bytes
        if bound and st.queue_bytes > rules.queue_fill * bound:
            found.append(f"sink {sink.name}: queue {st.queue_bytes / bound:.0%} full")
    return found


def report(stats: AgentStats, rules: HealthSection) -> dict[str, object]:
    """The /healthz and /api/v1/health body."""
    found = problems(stats, rules)
    return {"status": "ok" if not found else "unhealthy", "reasons": found}


def check(agent: Agent) -> tuple[bool, str]:
    """(healthy, JSON body) as /healthz serves them."""
    body = report(agent.stats(), agent.config.agent.health)
    return body["status"] == "ok", json.dumps(body)
