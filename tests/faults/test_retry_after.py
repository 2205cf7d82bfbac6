"""The Collector's path answering 429 and 503 with Retry-After: the agent waits as told, and nothing is lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e._http import wait_for

from faults._agents import fault_agent
from faults._gate import Gate
from faults._gateway import Gateway
from faults._promdata import wait_complete
from faults._truth import expected

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
REFUSALS = ((429, "2"), (429, "3"), (503, "2"), (503, "4"), (502, None))


def test_retry_after_is_honoured(gateway: Gateway, tmp_path: Path) -> None:
    with Gate(("127.0.0.1", gateway.ports["HTTP"])) as gate:
        agent = fault_agent(tmp_path / "agent", gate.url)
        try:
            agent.start()
            wait_for("points delivered", lambda: agent.sent() > 0, timeout=60)
            retried_before = int(agent.otlp_status()["points_retried"])
            gate.refuse(*REFUSALS)
            wait_for("the refusals to be used up", lambda: gate.pending() == 0, timeout=90)
            wait_for("the queue to drain", lambda: agent.otlp_status()["queue_items"] == 0, timeout=60)
            status = agent.otlp_status()
            assert agent.process is not None and agent.process.stop() == 0, agent.log()[-3000:]

            seen = list(gate.seen)
            refused = [i for i, s in enumerate(seen) if s.status != 200]
            assert len(refused) == len(REFUSALS) and refused[-1] + 1 < len(seen)
            waits = []
            for i in refused:
                gap = seen[i + 1].at - seen[i].at
                waits.append(f"{seen[i].status} Retry-After {seen[i].retry_after}: next attempt {gap:.2f}s later")
                told = seen[i].retry_after
                if told is not None:
                    assert gap >= float(told) - 0.001, waits
            # every point of every refused request was counted as retried, and then arrived
            assert status["points_retried"] - retried_before == sum(seen[i].points for i in refused), status
            result = wait_complete(gateway.prometheus_url, agent.run_id, expected(agent.lines()), timeout=60)
            print(f"retry-after: {'; '.join(waits)}; {result.summary(3)}")
            assert result.complete, result.summary()
            log = agent.log()
            assert "Traceback" not in log
            for code in ("429", "503", "502"):
                assert sum(f"HTTP {code}" in line for line in log.splitlines()) <= 1, "logged once, not per attempt"
        finally:
            agent.runner.close()
