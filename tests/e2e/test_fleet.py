"""A small fleet (bench/fleet.py) through the real delivery path: zero loss per series, also across faults.

Simulated hosts send a real snapshot's metrics through their own durable queues
and senders to real Collectors, which remote-write to real Prometheus and
VictoriaMetrics; every series' stored samples are counted against what its host
produced.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from fleet import FleetResult, run_fleet  # noqa: E402

pytestmark = pytest.mark.e2e


def assert_nothing_lost(r: FleetResult, hosts: int) -> None:
    assert r.left == 0, f"{r.left} requests still queued on the hosts after the drain"
    for b in r.backends:
        # a snapshot of this machine has dozens of series; every host ticks at least 8 times in 45 s
        assert b.series >= hosts * 30, f"{b.name}: only {b.series} series stored"
        assert b.expected >= b.series * 8, f"{b.name}: too few samples produced ({b.expected}) to prove anything"
        assert (b.lost, b.series_short) == (0, 0), f"{b.name}: {b.lost} samples lost in {b.series_short} series"
        assert b.stored == b.expected


def test_100_hosts_for_a_minute_lose_nothing_per_series(tmp_path: Path) -> None:
    r = run_fleet(100, 45.0, folder=tmp_path, log=False)
    assert_nothing_lost(r, 100)
    for b in r.backends:
        assert len(b.lags) > 100 and b.pct(99) < 15.0, f"{b.name}: lag p99 {b.pct(99):.1f} s"


def test_two_gateways_behind_the_load_balancer_each_host_on_one_and_a_restart_loses_nothing(tmp_path: Path) -> None:
    r = run_fleet(60, 45.0, folder=tmp_path, log=False, gateways=2, fault="gateway-restart")
    assert r.hosts_on_several == 0 and r.hosts_on_none == 0, r.placement
    assert sorted(r.placement) == ["g0", "g1"] and sum(r.placement.values()) == 60
    assert min(r.placement.values()) >= 10, f"the resource hash should spread 60 hosts: {r.placement}"
    assert_nothing_lost(r, 60)
