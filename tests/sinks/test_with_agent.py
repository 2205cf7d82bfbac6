"""The sinks fed by the real agent and its built-in collectors on this machine."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from sysagent.agent import Agent
from sysagent.sinks.console import ConsoleSettings, ConsoleSink
from sysagent.sinks.prometheus import PrometheusSink

from .builders import context


def test_console_summary_of_the_built_in_collectors(tmp_path: Path) -> None:
    agent = Agent.from_config({"agent": {"state_dir": str(tmp_path)}, "sinks": {}})
    out = io.StringIO()
    console = ConsoleSink(ConsoleSettings(when="always"), context(tmp_path), out=out)
    for _ in range(3):  # the third line shows network rates from the second cycle
        for batch in agent.collect_once(prime=0.1).batches:
            console.export(batch)
        time.sleep(0.1)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3, lines  # one per cycle: collect_once primes the CPU, so each has a utilization
    pattern = (
        r"\d\d:\d\d:\d\d  cpu +\d+\.\d%  mem +\d+\.\d%  disk +\d+\.\d% /\S*"
        r"  net rx \d+(\.\d)? (B|KiB|MiB|GiB)/s tx \d+(\.\d)? (B|KiB|MiB|GiB)/s  load \d+\.\d\d"
    )
    assert re.fullmatch(pattern, lines[2]), lines[2]


@pytest.mark.e2e  # promtool, from Debian's prometheus package
def test_agent_serves_its_host_metrics_to_prometheus_and_writes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "metrics.ndjson"
    config = {"agent": {"state_dir": str(tmp_path)}, "sinks": {"prometheus": {"port": 0}, "file": {"path": str(path)}}}
    with Agent.from_config(config) as agent:
        sink = agent.sinks["prometheus"]
        assert isinstance(sink, PrometheusSink)
        deadline = time.monotonic() + 20
        text = ""
        while time.monotonic() < deadline and "system_filesystem_usage_bytes" not in text:
            time.sleep(0.2)
            text = urllib.request.urlopen(sink.url + "/metrics", timeout=10).read().decode()
        agent_resource = agent.resource
    for family in ("system_cpu_time_seconds_total", "system_memory_usage_bytes", "system_network_io_bytes_total"):
        assert f"# TYPE {family} " in text
    host_name = agent_resource.get("host.name")
    assert f'host_name="{host_name}"' in text.split("target_info{", 1)[1].split("}", 1)[0]
    exe = shutil.which("promtool")
    assert exe, "promtool is missing: apt-get install prometheus"
    result = subprocess.run([exe, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    batches = [json.loads(line) for line in path.read_text().splitlines()]
    assert {"cpu", "memory", "network", "filesystem"} <= {b["collector"] for b in batches}
    assert all(b["resource"]["host.name"] == host_name for b in batches)
