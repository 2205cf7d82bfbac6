"""A slow Collector (a delaying proxy in front of it): collection stays on schedule, the queue absorbs the delay.

Two phases: every request delayed by 2 s (slower than the agent produces:
a backlog builds up and is sent combined), then by 12 s (longer than the
agent's 10 s request timeout: requests time out and are retried; the
Collector may get some twice, which Prometheus stores once). Afterwards
everything produced is in Prometheus.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest
from e2e._http import wait_for

from faults._agents import fault_agent
from faults._gateway import Gateway
from faults._promdata import wait_complete
from faults._proxy import DelayingProxy
from faults._truth import batch_times, expected

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PHASES = ((2.0, 20.0), (12.0, 15.0))  # (delay per request, how long)


def test_slow_collector(gateway: Gateway, tmp_path: Path) -> None:
    with DelayingProxy(("127.0.0.1", gateway.ports["HTTP"])) as proxy:
        agent = fault_agent(tmp_path / "agent", proxy.url)
        try:
            agent.start()
            wait_for("points delivered", lambda: agent.sent() > 0, timeout=60)
            slow_from = time.time()
            deepest = 0
            for delay, seconds in PHASES:
                proxy.delay = delay
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    deepest = max(deepest, int(agent.otlp_status()["queue_items"]))
                    time.sleep(0.5)
            proxy.delay = 0.0
            slow_to = time.time()
            wait_for("the queue to drain", lambda: agent.otlp_status()["queue_items"] == 0, timeout=90)
            status = agent.status()
            assert agent.process is not None and agent.process.stop() == 0, agent.log()[-3000:]

            lines = agent.lines()
            result = wait_complete(gateway.prometheus_url, agent.run_id, expected(lines), timeout=60)
            otlp = status["sinks"]["otlp"]
            print(
                f"slow collector: {result.summary(3)}; deepest queue {deepest} batches; "
                f"{otlp['points_retried']} points retried; {proxy.delayed_chunks} chunks delayed"
            )
            assert result.complete, result.summary()
            assert proxy.delayed_chunks > 0 and deepest >= 3, "the queue absorbed the slow requests"
            assert otlp["points_retried"] > 0, "requests longer than the timeout were retried"
            for name in ("memory", "load"):
                times = [t for t in batch_times(lines, name) if slow_from <= t <= slow_to]
                gaps = [b - a for a, b in itertools.pairwise(times)]
                assert len(times) >= sum(s for _, s in PHASES) - 2 and max(gaps) < 1.9, (name, max(gaps))
                assert status["collectors"][name]["skipped"] == 0, status["collectors"][name]
        finally:
            agent.runner.close()
