"""The process plugin on this machine's real processes, and installed as an entry point."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sysagent_process.collector import ProcessCollector

from sysagent import Agent, ConfigError
from sysagent.testing import Harness


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(["sleep", "31.4159"])
    yield proc
    proc.kill()
    proc.wait()


def test_live_process_found_by_its_command_line(
    sysagent_harness: Callable[..., Harness], sleeper: subprocess.Popen[bytes]
) -> None:
    h = sysagent_harness(ProcessCollector, settings={"include": {"patterns": [r"^sleep 31\.4159$"]}})
    h.collect()
    who = {
        "process.pid": sleeper.pid,
        "process.executable.name": "sleep",
        "process.command": "sleep",
        "process.owner": pwd.getpwuid(os.getuid()).pw_name,
    }
    [rss] = h.assert_metric("process.memory.usage", attributes=who, count=1)
    [vms] = h.assert_metric("process.memory.virtual", attributes=who)
    assert 0 < rss.value < vms.value
    h.assert_metric("process.thread.count", 1, who)
    h.assert_metric("sysagent.processes.matched", 1)
    [uptime] = h.assert_metric("process.uptime", attributes=who)
    assert 0 <= uptime.value < 60


def test_live_top_n_of_all_processes(sysagent_harness: Callable[..., Harness]) -> None:
    h = sysagent_harness(ProcessCollector, settings={"top": 3, "by": "memory"})
    h.collect(times=2)
    reported = {dict(p.attributes)["process.pid"] for p in h.assert_metric("process.memory.usage")}
    assert len(reported) == 3
    [matched] = h.assert_metric("sysagent.processes.matched")
    assert matched.value >= 3
    # the counters got rates on the second cycle
    assert all(p.rate is not None for p in h.assert_metric("process.cpu.time"))


def test_bad_regex_is_a_one_line_config_error(tmp_path: Path) -> None:
    from sysagent_process import plugin

    config = {
        "agent": {"state_dir": str(tmp_path)},
        "plugins": {"autoload": False},
        "collectors": {"process": {"include": {"patterns": ["java("]}}},
    }
    with pytest.raises(ConfigError) as e:
        Agent.from_config(config, builtins=(), plugins=[plugin])
    assert "collectors.process.include.patterns" in str(e.value) and "\n" not in str(e.value)


def _cli(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SYSAGENT_DISABLE_PLUGIN_AUTOLOAD"}
    env["XDG_STATE_HOME"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "sysagent", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_installed_entry_point_is_listed_and_collects(tmp_path: Path) -> None:
    r = _cli("plugins", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("process "))
    assert "entry point (sysagent-process 0.1.0)" in line and "collector process" in line
    snap = _cli("snapshot", "--format", "json", tmp_path=tmp_path)
    assert snap.returncode == 0, snap.stderr
    ours = [m for m in json.loads(snap.stdout)["metrics"] if m["scope"] == "sysagent_process.plugin"]
    names = {m["name"] for m in ours}
    assert {"process.cpu.time", "process.memory.usage", "sysagent.processes.matched"} <= names
    assert (
        len({p["attributes"]["process.pid"] for m in ours if m["name"] == "process.memory.usage" for p in m["points"]})
        == 10
    )
