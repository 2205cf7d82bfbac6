"""Is the agent healthy? The rules behind /healthz and ``sysagent status``."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sysagent.agent import Agent


def problems(agent: Agent, now: float | None = None) -> list[str]:
    """Short reasons the agent is unhealthy; empty when it is healthy."""
    now = time.time() if now is None else now
    rules = agent.config.agent.health
    found: list[str] = []
    for job in agent.jobs:
        if job.stats.consecutive_errors >= rules.collector_failures:
            found.append(f"collector {job.name} failed {job.stats.consecutive_errors} times in a row")
        elif job.busy_since is not None and now - job.busy_since > 2 * job.timeout + job.interval:
            found.append(f"collector {job.name} has not returned for {now - job.busy_since:.0f}s")
    for name, sink in list(agent.sinks.items()):
        st = _stats(sink)
        if st is None:
            continue
        failing = getattr(st, "failing_since", None)
        if failing is not None and now - failing > rules.export_failure:
            found.append(f"sink {name}: exports failing for {now - failing:.0f}s: {st.last_error}")
        bound = getattr(getattr(sink, "queue", None), "max_bytes", None)
        if bound and st.queue_bytes > rules.queue_fill * bound:
            found.append(f"sink {name}: queue {st.queue_bytes / bound:.0%} full")
    return found


def check(agent: Agent) -> tuple[bool, str]:
    """(healthy, JSON body) as /healthz serves them."""
    found = problems(agent)
    body = {"status": "ok" if not found else "unhealthy", "reasons": found}
    return not found, json.dumps(body)


def _stats(sink: Any) -> Any:
    fn = getattr(sink, "stats", None)
    return fn() if callable(fn) else None
