"""The connections, system and host collectors."""

from __future__ import annotations

import socket
import time

import psutil
from collector_helpers import Harness, kv, series

from sysagent.collectors.connections import ConnectionsCollector, ConnectionsSettings
from sysagent.collectors.host import HostCollector, HostSettings, parse_cpu_list
from sysagent.collectors.system import SystemCollector, SystemSettings
from sysagent.model import AttrKey


def tcp(state: str) -> AttrKey:
    return kv(network__connection__state=state, network__transport="tcp")


def test_connections_summary_from_snmp_and_sockstat(fake: Harness) -> None:
    batch = fake.batch(ConnectionsCollector, ConnectionsSettings())
    assert series(batch, "system.network.connection.count") == {
        tcp("established"): 12,  # CurrEstab
        tcp("time_wait"): 7,  # sockstat tw
        kv(network__transport="udp"): 7,  # UDP 3 + UDP6 4 (UDPLITE not counted)
    }


def test_connections_detailed_counts_every_tcp_state(fake: Harness) -> None:
    counts = series(
        fake.batch(ConnectionsCollector, ConnectionsSettings(states="detailed")), "system.network.connection.count"
    )
    assert counts[tcp("listen")] == 2
    assert counts[tcp("established")] == 3
    assert counts[tcp("time_wait")] == 1
    assert counts[tcp("close_wait")] == 1
    assert counts[kv(network__transport="udp")] == 7
    zero = {"syn_sent", "syn_received", "fin_wait_1", "fin_wait_2", "closed", "last_ack", "closing"}
    assert {dict(k)["network.connection.state"] for k, v in counts.items() if v == 0} == zero


def test_connections_live_sees_a_local_connection(live: Harness) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname())
    accepted, _ = server.accept()
    try:
        summary = series(live.batch(ConnectionsCollector, ConnectionsSettings()), "system.network.connection.count")
        assert summary[tcp("established")] >= 2  # both ends
        assert summary[tcp("time_wait")] >= 0
        detailed = series(
            live.batch(ConnectionsCollector, ConnectionsSettings(states="detailed")), "system.network.connection.count"
        )
        assert detailed[tcp("listen")] >= 1
        assert detailed[tcp("established")] >= 2
    finally:
        for s in (accepted, client, server):
            s.close()


def test_system_uptime_created_running(fake: Harness) -> None:
    batch = fake.batch(SystemCollector, SystemSettings())
    assert series(batch, "system.uptime") == {(): 12345.67}
    assert series(batch, "system.process.created") == {(): 4242}
    assert series(batch, "system.process.count") == {kv(process__state="running"): 3}


def test_system_process_states_walk(fake: Harness) -> None:
    batch = fake.batch(SystemCollector, SystemSettings(process_states="all"))
    assert series(batch, "system.process.count") == {
        kv(process__state="running"): 1,  # "(my) proc)": the state follows the last ")"
        kv(process__state="sleeping"): 3,  # S, D, I
        kv(process__state="stopped"): 1,
        kv(process__state="defunct"): 1,
    }


def test_system_live(live: Harness) -> None:
    batch = live.batch(SystemCollector, SystemSettings(process_states="all"))
    uptime = series(batch, "system.uptime")[()]
    assert uptime > 0
    assert abs(uptime - (time.time() - psutil.boot_time())) < 5
    assert series(batch, "system.process.created")[()] > 0
    counts = series(batch, "system.process.count")
    assert counts[kv(process__state="running")] >= 1  # this process, while it reads
    assert abs(sum(counts.values()) - len(psutil.pids())) <= 10


def test_host_facts(fake: Harness) -> None:
    batch = fake.batch(HostCollector, HostSettings(memory_limit=True))
    assert series(batch, "system.cpu.logical.count") == {(): 2}
    assert series(batch, "system.cpu.physical.count") == {(): 1}  # two hyperthreads of core 0
    assert series(batch, "system.memory.limit") == {(): 8_000_000 * 1024}


def test_host_facts_are_metrics_read_once_and_memory_limit_is_opt_in(fake_copy: Harness) -> None:
    runner = fake_copy.runner(HostCollector, HostSettings())
    first = runner.run(time_ns=1_000_000_000_000)
    assert [m.spec.name for m in first.metrics] == ["system.cpu.logical.count", "system.cpu.physical.count"]
    assert all(m.spec.kind.value == "updowncounter" for m in first.metrics)
    for name in ("cpuinfo", "meminfo", "stat"):  # the files are gone: the cached values are reported
        (fake_copy.root / "proc" / name).unlink()
    (fake_copy.root / "sys" / "devices" / "system" / "cpu" / "online").unlink()
    second = runner.run(time_ns=1_060_000_000_000)
    assert series(second, "system.cpu.logical.count") == {(): 2}
    assert series(second, "system.cpu.physical.count") == {(): 1}


def test_host_live_matches_psutil(live: Harness) -> None:
    batch = live.batch(HostCollector, HostSettings(memory_limit=True))
    assert series(batch, "system.cpu.logical.count") == {(): psutil.cpu_count()}
    assert series(batch, "system.cpu.physical.count") == {(): psutil.cpu_count(logical=False)}
    assert series(batch, "system.memory.limit") == {(): psutil.virtual_memory().total}


def test_parse_cpu_list() -> None:
    assert parse_cpu_list("0-3,8,10-11\n") == [0, 1, 2, 3, 8, 10, 11]
    assert parse_cpu_list("0\n") == [0]
