"""The process collector on fake processes: top-N, ranking, filters, permission errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from process_fakes import FakeProc
from sysagent_process.collector import ProcessCollector
from sysagent_process.settings import ProcessSettings

from sysagent.testing import Harness, make_context


def collector(procs: list[FakeProc], clock: float = 2000.0, **settings: Any) -> ProcessCollector:
    return ProcessCollector(
        ProcessSettings.model_validate(settings), make_context(), source=lambda: procs, clock=lambda: clock
    )


def pids(h: Harness) -> set[int]:
    return {dict(p.attributes)["process.pid"] for p in h.assert_metric("process.memory.usage")}


def test_reports_every_metric_of_the_top_process(sysagent_harness: Callable[..., Harness]) -> None:
    busy = FakeProc(
        10,
        "postgres",
        user=7.5,
        system=2.5,
        iowait=0.5,
        rss=4096,
        vms=8192,
        argv=("/usr/bin/postgres", "-D", "/var/lib/pg"),
        owner="postgres",
        created=1500.0,
        threads=3,
        fds=12,
        voluntary=40,
        involuntary=5,
        read_bytes=111,
        write_bytes=222,
    )
    idle = FakeProc(11, "sleep", user=0.1)
    h = sysagent_harness(collector([busy, idle], top=1))
    h.collect()
    who = {
        "process.pid": 10,
        "process.executable.name": "postgres",
        "process.command": "/usr/bin/postgres",
        "process.owner": "postgres",
    }
    h.assert_metric("process.cpu.time", 7.5, {**who, "cpu.mode": "user"})
    h.assert_metric("process.cpu.time", 2.5, {**who, "cpu.mode": "system"})
    h.assert_metric("process.cpu.time", 0.5, {**who, "cpu.mode": "iowait"}, count=1)
    h.assert_metric("process.memory.usage", 4096, who, count=1)
    h.assert_metric("process.memory.virtual", 8192, who)
    h.assert_metric("process.thread.count", 3, who)
    h.assert_metric("process.unix.file_descriptor.count", 12, who)
    h.assert_metric("process.context_switches", 40, {**who, "process.context_switch.type": "voluntary"})
    h.assert_metric("process.context_switches", 5, {**who, "process.context_switch.type": "involuntary"})
    h.assert_metric("process.disk.io", 111, {**who, "disk.io.direction": "read"})
    h.assert_metric("process.disk.io", 222, {**who, "disk.io.direction": "write"})
    h.assert_metric("process.uptime", 500.0, who)
    h.assert_metric("sysagent.processes.matched", 2)
    h.assert_metric("sysagent.processes.access_denied", 0)
    h.assert_all_metrics_covered()
    assert pids(h) == {10}
    assert "num_fds" not in idle.calls and "memory_info" not in idle.calls, "only the top N pay for details"


def test_ranks_by_cpu_used_since_the_previous_cycle(sysagent_harness: Callable[..., Harness]) -> None:
    old = FakeProc(1, "old", user=500.0)
    young = FakeProc(2, "young", user=1.0)
    h = sysagent_harness(collector([old, young], top=1))
    h.collect()
    assert pids(h) == {1}  # first cycle: whole CPU time
    young.user += 3.0  # old used nothing since
    h.collect()
    assert pids(h) == {2}
    old.user += 1.0
    young.user += 0.5
    h.collect()
    assert pids(h) == {1}


def test_ranks_by_memory(sysagent_harness: Callable[..., Harness]) -> None:
    procs = [FakeProc(i, f"p{i}", user=100.0 - i, rss=i * 1000) for i in range(1, 6)]
    h = sysagent_harness(collector(procs, top=2, by="memory"))
    h.collect()
    assert pids(h) == {4, 5}


def test_include_and_exclude_by_name_and_regex(sysagent_harness: Callable[..., Harness]) -> None:
    procs = [
        FakeProc(1, "java", argv=("java", "-jar", "kafka.jar")),
        FakeProc(2, "java", argv=("java", "-jar", "zookeeper.jar")),
        FakeProc(3, "nginx", argv=("nginx: master",)),
        FakeProc(4, "bash", argv=("bash",)),
    ]
    settings = {
        "top": 50,
        "include": {"names": ["nginx"], "patterns": [r"kafka|zookeeper"]},
        "exclude": {"patterns": [r"zookeeper\.jar$"]},
    }
    h = sysagent_harness(collector(procs, **settings))
    h.collect()
    assert pids(h) == {1, 3}
    h.assert_metric("sysagent.processes.matched", 2)


def test_exclude_by_name_needs_no_command_line(sysagent_harness: Callable[..., Harness]) -> None:
    procs = [FakeProc(1, "kworker/0:1"), FakeProc(2, "sshd")]
    h = sysagent_harness(collector(procs, exclude={"names": ["kworker/0:1"]}))
    h.collect()
    assert pids(h) == {2}
    assert "cmdline" not in procs[0].calls


def test_cardinality_is_bounded_by_top(sysagent_harness: Callable[..., Harness]) -> None:
    procs = [FakeProc(i, f"w{i}", user=float(i)) for i in range(1, 501)]
    h = sysagent_harness(collector(procs, top=7))
    batch = h.collect()
    assert pids(h) == set(range(494, 501))
    series = sum(len(md.points) for md in batch.metrics)
    assert series == 7 * 12 + 2  # per process: 3 cpu modes, 2 disk, 2 context switch and 5 others


def test_permission_denied_is_counted_and_logged_once(
    sysagent_harness: Callable[..., Harness], caplog: pytest.LogCaptureFixture
) -> None:
    procs = [
        FakeProc(1, "init", user=9.0, deny=frozenset({"num_fds", "io_counters"})),
        FakeProc(2, "secret", deny=frozenset({"name"})),
        FakeProc(3, "hidden", deny=frozenset({"cpu_times"})),
        FakeProc(4, "gone", gone=True),
        FakeProc(5, "ok", user=1.0),
    ]
    h = sysagent_harness(collector(procs, top=5))
    with caplog.at_level(logging.DEBUG, logger="sysagent"):
        h.collect(times=3)
    h.assert_metric("sysagent.processes.access_denied", 3)
    h.assert_metric("sysagent.processes.matched", 2)
    assert pids(h) == {1, 5}
    # init is reported without what it hid
    h.assert_metric("process.unix.file_descriptor.count", attributes={"process.pid": 5}, count=1)
    fds = {dict(p.attributes)["process.pid"] for p in h.assert_metric("process.unix.file_descriptor.count")}
    assert fds == {5}
    lines = [r for r in caplog.records if "permission" in r.getMessage()]
    assert len(lines) == 1 and "3 processes" in lines[0].getMessage()


def test_a_process_that_exits_after_ranking_is_left_out(sysagent_harness: Callable[..., Harness]) -> None:
    leaving = FakeProc(1, "leaving", user=5.0)
    staying = FakeProc(2, "staying", user=1.0)

    def source() -> list[FakeProc]:
        return [leaving, staying]

    c = ProcessCollector(ProcessSettings(), make_context(), source=source)
    original = leaving.num_threads

    def exit_now() -> int:
        leaving.gone = True
        return original()

    leaving.num_threads = exit_now  # type: ignore[method-assign]
    h = sysagent_harness(c)
    h.collect()
    assert pids(h) == {2}


def test_kernel_threads_use_their_name_as_command(sysagent_harness: Callable[..., Harness]) -> None:
    h = sysagent_harness(collector([FakeProc(2, "kthreadd", argv=())]))
    h.collect()
    h.assert_metric("process.memory.usage", attributes={"process.command": "kthreadd"})


def test_host_root_points_psutil_at_the_hosts_proc(tmp_path: Any) -> None:
    import psutil

    before = psutil.PROCFS_PATH
    try:
        ProcessCollector(ProcessSettings(), make_context(str(tmp_path)))
        assert str(tmp_path / "proc") == psutil.PROCFS_PATH
    finally:
        psutil.PROCFS_PATH = before
