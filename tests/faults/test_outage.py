"""The Collector down for two minutes, with three agents sending to it at once.

- ``plain``: nothing lost, per series, no gaps; /healthz says so while it lasts;
- ``killed``: SIGKILLed in the middle of the outage and restarted on the same
  state dir: everything that was in its queue file arrives;
- ``bounded``: a queue too small for the outage: exactly the oldest points are
  dropped, and ``sysagent.*`` counts exactly how many.

The three share one outage (one scenario, run once for the module) so the
whole takes about three minutes. Ground truth is each agent's NDJSON (the
``file`` sink gets every batch before the ``otlp`` sink); the result is what
Prometheus holds once the queues have drained.
"""

from __future__ import annotations

import itertools
import math
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from e2e._http import get_json, wait_for
from e2e._stack import Stack

from faults import _queuefile
from faults._agents import FaultAgent, fault_agent
from faults._gateway import Gateway, wait_port_closed
from faults._promdata import samples, wait_complete
from faults._truth import Comparison, Line, Samples, batch_times, compare, count, expected

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

OUTAGE_S = float(os.environ.get("SYSAGENT_FAULTS_OUTAGE_S", "125"))
KILL_AT_S = 0.36 * OUTAGE_S  # into the outage
RESTART_AT_S = 0.48 * OUTAGE_S
BOUNDED_QUEUE_BYTES = 16_384  # about a dozen seconds of this agent's batches


@dataclass
class Outage:
    plain: FaultAgent
    killed: FaultAgent
    bounded: FaultAgent
    prometheus: str
    started: float = 0.0
    ended: float = 0.0
    killed_at: float = 0.0
    killed_queue: list[_queuefile.Row] = field(default_factory=list)
    killed_lines: list[Line] = field(default_factory=list)
    healthz_during: tuple[int | None, str] = (None, "")
    healthz_after: int | None = None
    bounded_status: dict[str, Any] = field(default_factory=dict)
    drain_s: dict[str, float] = field(default_factory=dict)
    results: dict[str, Comparison] = field(default_factory=dict)
    stored: dict[str, Samples] = field(default_factory=dict)


def _sleep_until(t: float) -> None:
    time.sleep(max(0.0, t - time.time()))


@pytest.fixture(scope="module")
def outage(otelcol_bin: Path, backends: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outage]:
    tmp = tmp_path_factory.mktemp("outage")
    gw = Gateway(otelcol_bin, tmp / "gateway", backends.prometheus_url, backends.influxdb_url)
    gw.start()
    plain = fault_agent(tmp / "plain", gw.otlp_http)
    plain.config["agent"]["health"] = {"export_failure": "20s"}
    killed = fault_agent(tmp / "killed", gw.otlp_http)
    bounded = fault_agent(tmp / "bounded", gw.otlp_http, queue={"max_bytes": BOUNDED_QUEUE_BYTES})
    o = Outage(plain, killed, bounded, backends.prometheus_url)
    agents = (plain, killed, bounded)
    try:
        for a in agents:
            a.start()
        for a in agents:  # data flows before the outage
            wait_for(f"{a.run_id} delivering", a.sent, timeout=60)

        gw.stop()
        wait_port_closed(gw.ports["HTTP"])
        o.started = time.time()

        # SIGKILL in the middle of a second: the cycle's batches have been committed by then
        _sleep_until(math.floor(o.started + KILL_AT_S) + 0.5)
        assert killed.process is not None
        os.kill(killed.process.proc.pid, signal.SIGKILL)
        killed.process.proc.wait(10)
        o.killed_at = time.time()
        o.killed_lines = killed.lines()
        o.killed_queue = _queuefile.rows(_queuefile.snapshot(killed.state_dir, tmp / "killed-queue-copy"))

        _sleep_until(o.started + RESTART_AT_S)
        killed.start()  # same config, same state dir

        _sleep_until(o.started + OUTAGE_S - 5)
        o.healthz_during = plain.healthz()
        _sleep_until(o.started + OUTAGE_S)
        gw.start()
        o.ended = time.time()
        named = {"plain": plain, "killed": killed, "bounded": bounded}

        def all_drained() -> bool:
            for name, a in named.items():
                if name not in o.drain_s and a.drained():
                    o.drain_s[name] = time.time() - o.ended
            return len(o.drain_s) == len(named)

        wait_for("every agent to drain its queue", all_drained, timeout=120, interval=0.2)
        o.healthz_after = plain.healthz()[0]
        o.bounded_status = bounded.otlp_status()
        dropped = sum(o.bounded_status["dropped"].values())
        # the agent's own metrics are sampled every 5 s: let one sample follow the last drop
        wait_for("sysagent.* to report the drops", lambda: _last_dropped(bounded.lines()) >= dropped, timeout=20)
        time.sleep(2)
        for a in agents:
            assert a.process is not None
            assert a.process.stop() == 0, a.log()[-3000:]
        for a, name in ((plain, "plain"), (killed, "killed"), (bounded, "bounded")):
            produced = expected(a.lines())
            o.results[name] = wait_complete(backends.prometheus_url, a.run_id, produced, timeout=60)
            o.stored[name] = samples(backends.prometheus_url, a.run_id, {k[0] for k in produced})
        yield o
    finally:
        for a in agents:
            a.runner.close()
        gw.stop()


def _report(name: str, o: Outage) -> str:
    r = o.results[name]
    return f"{name}: {r.summary()}; drained in {o.drain_s.get(name, math.nan):.1f}s after the Collector came back"


def test_prometheus_accepts_a_late_replay(backends: Stack) -> None:
    """The backend side of 'replay must land': the out-of-order window our Prometheus config sets."""
    config = get_json(f"{backends.prometheus_url}/api/v1/status/config")["data"]["yaml"]
    assert "out_of_order_time_window: 30m" in config, config


def test_collector_down_nothing_lost_no_gaps(outage: Outage) -> None:
    result = outage.results["plain"]
    print(_report("plain", outage))
    assert result.complete, result.summary()
    lines = outage.plain.lines()
    during = [t for t in batch_times(lines, "memory") if outage.started <= t <= outage.ended]
    assert len(during) >= OUTAGE_S - 2, "the agent kept collecting through the outage"
    gaps = [b - a for a, b in itertools.pairwise(during)]
    assert max(gaps) < 1.9, f"a collection was missed during the outage: {max(gaps):.2f}s between two"
    # every series of the outage is complete: as many samples in Prometheus as seconds collected
    memory_used = next(k for k in outage.stored["plain"] if k[0] == "system.memory.usage" and "used" in str(k))
    in_outage = [ts for ts in outage.stored["plain"][memory_used] if outage.started * 1000 <= ts <= outage.ended * 1000]
    assert len(in_outage) == len(during)
    status, body = outage.healthz_during
    assert status == 503 and "exports failing" in body, (status, body)
    assert outage.healthz_after == 200


def test_sigkill_during_outage_loses_nothing_queued(outage: Outage) -> None:
    o = outage
    print(_report("killed", o))
    queued = _queuefile.merged(o.killed_queue)
    assert count(queued) > 0 and all(row.points == count(row.samples) for row in o.killed_queue)
    stored = o.stored["killed"]
    lost_from_queue = compare(queued, stored).missing
    assert not lost_from_queue, f"{len(lost_from_queue)} queued points never arrived: {lost_from_queue[:5]}"
    # Whatever was produced and not in the queue at the kill can only be the last moment's, still in memory.
    result = o.results["killed"]
    late = [(k, ts) for k, ts in result.missing if not (o.killed_at - 1.0) * 1000 <= ts <= o.killed_at * 1000]
    assert not late, f"points lost that were produced well before the kill: {late[:5]}"
    assert not result.unexpected and not result.wrong, result.summary()
    before_kill = count(expected(o.killed_lines))
    print(f"killed: {before_kill} points produced before the kill, {count(queued)} of them in the queue at the "
          f"kill, {len(result.missing)} never arrived")  # fmt: skip


def test_queue_bound_drops_exactly_the_oldest(outage: Outage) -> None:
    o = outage
    result = o.results["bounded"]
    print(_report("bounded", o))
    assert not result.unexpected and not result.wrong, result.summary()
    missing = sorted(ts for _, ts in result.missing)
    assert missing, "the bound was never reached: make the queue smaller or the outage longer"
    after = o.bounded_status
    # sysagent.* counts exactly what is missing, under one reason
    assert after["dropped"] == {"queue_full": len(missing)}, (after, len(missing))
    reported = _last_dropped(o.bounded.lines())
    assert reported == len(missing), (reported, len(missing))
    # exactly the oldest: the missing points form one block, from the outage until the agent got through
    # again (its backoff may keep it waiting a while after the Collector is back, the queue still full)
    first, last = missing[0], missing[-1]
    through = o.ended + o.drain_s["bounded"]
    assert o.started * 1000 - 1000 <= first and last <= through * 1000, (first, last, o.started, through)
    stored_inside = [
        ts for points in o.stored["bounded"].values() for ts in points if first + 1000 <= ts <= last - 1000
    ]
    assert not stored_inside, f"{len(stored_inside)} points inside the dropped block arrived: not the oldest dropped"
    kept = [ts for points in o.stored["bounded"].values() for ts in points if last < ts <= through * 1000]
    assert kept, "the newest points were kept and delivered"
    print(f"bounded: {len(missing)} points dropped (queue_full), from {(first / 1000 - o.started):.1f}s to "
          f"{(last / 1000 - o.started):.1f}s into the outage; {len(kept)} newer points kept")  # fmt: skip


def _last_dropped(lines: list[Line]) -> int:
    """The last value of sysagent.export.points{outcome=dropped} in the agent's own metrics."""
    value = 0.0
    for line in lines:
        for (name, attrs), v in line.points.items():
            if name == "sysagent.export.points" and ("sysagent_outcome", "dropped") in attrs:
                value = v
    return int(value)
