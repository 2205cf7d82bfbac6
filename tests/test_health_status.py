"""Self-observability: sysagent.* metrics, /healthz, /status and `sysagent status`."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from fakeplugins import sinkplug
from helpers import free_port, wait_for

from sysagent import Agent


def get(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def make(tmp_path: Path, port: int, modules: list[str], **extra: object) -> Agent:
    cfg: dict[str, object] = {
        "agent": {"state_dir": str(tmp_path), "status": {"port": port}, **extra.pop("agent", {})},  # type: ignore[dict-item]
        "plugins": {"modules": ["fakeplugins.counting", "fakeplugins.sinkplug", *modules]},
        "collectors": {"counting": {"interval": "0.2s"}, "sysagent": {"interval": "0.2s"}},
        "sinks": {"memory": {}},
        **extra,
    }
    return Agent.from_config(cfg, builtins=("sysagent.selfmetrics",))


def test_healthy_agent_answers_200_and_status_prints_it(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    port = free_port()
    with make(tmp_path, port, []) as agent:
        assert wait_for(lambda: all(j.stats.runs >= 2 for j in agent.jobs))
        code, body = get(f"http://127.0.0.1:{port}/healthz")
        assert (code, body) == (200, {"status": "ok", "reasons": []})
        out = subprocess.run(
            [sys.executable, "-m", "sysagent", "status", "--address", f"127.0.0.1:{port}"],
            env=subprocess_env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert out.returncode == 0, out.stderr
        assert "healthy" in out.stdout.splitlines()[0]
        assert any(line.split()[0] == "counting" for line in out.stdout.splitlines()[2:] if line.strip())


def test_collector_that_keeps_failing_makes_it_unhealthy(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    port = free_port()
    with make(tmp_path, port, ["fakeplugins.raising"]) as agent:
        jobs = {j.name: j for j in agent.jobs}
        assert wait_for(lambda: jobs["raising"].stats.consecutive_errors >= 3)
        code, body = get(f"http://127.0.0.1:{port}/healthz")
        assert code == 503
        assert body["status"] == "unhealthy"
        assert any("collector raising failed" in r for r in body["reasons"])  # type: ignore[attr-defined]
        out = subprocess.run(
            [sys.executable, "-m", "sysagent", "status", "--address", f"127.0.0.1:{port}"],
            env=subprocess_env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert out.returncode == 3
        assert "UNHEALTHY" in out.stdout and "! collector raising failed" in out.stdout


def test_self_metrics_report_the_agents_own_counters(tmp_path: Path) -> None:
    sinkplug.SINKS.clear()
    with make(tmp_path, free_port(), ["fakeplugins.raising"]) as agent:
        sink = sinkplug.SINKS[0]
        assert wait_for(lambda: len(sink.points("sysagent.collection.errors")) >= 6)
        jobs = {j.name: j for j in agent.jobs}
        errors = {dict(p.attributes)["sysagent.collector"]: p.value for p in sink.points("sysagent.collection.errors")}
        assert 1 <= errors["raising"] <= jobs["raising"].stats.errors
        assert errors["counting"] == 0
        rss = sink.points("sysagent.process.memory.rss")[-1].value
        with open("/proc/self/status") as f:
            vm_rss = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS"))
        assert 0.5 * vm_rss < rss < 2 * vm_rss
        cpu = [p.value for p in sink.points("sysagent.process.cpu.time")]
        assert cpu[-1] >= cpu[0] > 0


def test_export_failing_too_long_makes_it_unhealthy(tmp_path: Path) -> None:
    port, dead = free_port(), free_port()
    agent = Agent.from_config(
        {
            "agent": {"state_dir": str(tmp_path), "status": {"port": port}, "health": {"export_failure": "1s"}},
            "plugins": {"modules": ["fakeplugins.counting"]},
            "collectors": {"counting": {"interval": "0.2s"}},
            "sinks": {"otlp": {"endpoint": f"http://127.0.0.1:{dead}", "queue": {"backoff_max": "0.5s"}}},
        },
        builtins=("sysagent.sinks.otlp",),
    )
    with agent:
        assert wait_for(lambda: get(f"http://127.0.0.1:{port}/healthz")[0] == 503)
        _, body = get(f"http://127.0.0.1:{port}/healthz")
        reason = next(r for r in body["reasons"] if r.startswith("sink otlp: exports failing"))  # type: ignore[attr-defined]
        assert "Connection refused" in reason
        _, status = get(f"http://127.0.0.1:{port}/status")
        assert status["sinks"]["otlp"]["queue_items"] >= 1  # type: ignore[index]
