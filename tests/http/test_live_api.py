"""The live page's data: headline values by aggregation, bounded history, /api/v1, SSE, the alert section."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from helpers import free_port, wait_for

from sysagent import Agent
from sysagent.http.live import CAPACITY, SERIES, LiveHost, Ring
from sysagent.model import Batch, MetricData, Point, Resource, Scope, counter, updowncounter

CPU_TIME = counter("system.cpu.time", "s")
MEM = updowncounter("system.memory.usage", "By")


def batch(t: float, *metrics: MetricData) -> Batch:
    return Batch(Scope("test"), Resource((("host.name", "h1"),)), int(t * 1e9), metrics, int((t - 1) * 1e9), "cpu")


def cpu_points(per_cpu: bool) -> MetricData:
    # Two CPUs; CPU 0 is 50% busy, CPU 1 is 10% busy: the host is 30% busy.
    rates = {0: {"idle": 0.5, "user": 0.5}, 1: {"idle": 0.9, "user": 0.1}}
    if per_cpu:
        pts = [
            Point((("cpu.logical_number", n), ("cpu.mode", m)), 1.0, rate=r)
            for n, modes in rates.items()
            for m, r in modes.items()
        ]
    else:
        pts = [Point((("cpu.mode", m),), 1.0, rate=rates[0][m] + rates[1][m]) for m in ("idle", "user")]
    return MetricData(CPU_TIME, tuple(pts))


def test_cpu_busy_is_the_same_from_per_cpu_series_or_the_total() -> None:
    for per_cpu in (True, False):
        live = LiveHost()
        live.observe(batch(100.0, cpu_points(per_cpu)))
        values: Any = live.current()["values"]
        assert abs(values["cpu.busy"] - 30.0) < 1e-9
        assert ("cpu.count" in values) is per_cpu


def test_memory_share_and_bounded_history() -> None:
    live = LiveHost()
    mem = MetricData(
        MEM,
        (Point((("system.memory.state", "used"),), 25.0), Point((("system.memory.state", "free"),), 75.0)),
    )
    now = time.time()
    for i in range(CAPACITY + 50):
        live.observe(batch(now - CAPACITY - 50 + i, mem))
    assert live.current()["values"] == {"memory.used": 25.0}  # type: ignore[comparison-overlap]
    raw = live.history("memory.used", 0, 0)
    assert len(raw) == CAPACITY and raw[-1][0] > raw[0][0]
    stepped = live.history("memory.used", now - 100, 10)
    assert 9 <= len(stepped) <= 11 and all(v == 25.0 for _, v in stepped)
    ring = Ring()
    assert len(ring.times) * 16 * len(SERIES) < 200 * 1024  # the README's stated bound


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def read_event(sock_file: Any) -> dict[str, Any]:
    """The next ``update`` event from an SSE stream."""
    while True:
        line = sock_file.readline()
        assert line, "stream closed"
        if line.startswith(b"data: "):
            data: dict[str, Any] = json.loads(line[6:])
            return data


def test_api_sse_and_alert_section_of_a_running_agent(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    port = free_port()
    interval = 0.5
    cfg = {
        "agent": {"state_dir": str(tmp_path), "status": {"port": port}},
        "collectors": {n: {"interval": f"{interval}s"} for n in ("cpu", "memory", "filesystem", "load", "system")},
        "sinks": {},
        "alerts": {"rules": [{"name": "uptime_low", "metric": "system.uptime", "warning": {"threshold": 1}}]},
    }
    with Agent.from_config(cfg):
        base = f"http://127.0.0.1:{port}"
        assert wait_for(lambda: "cpu.busy" in get(f"{base}/api/v1/metrics/current")[1]["values"])
        values = get(f"{base}/api/v1/metrics/current")[1]["values"]
        assert 0 <= values["cpu.busy"] <= 100 and 0 < values["memory.used"] < 100 and values["uptime"] > 0
        code, hist = get(f"{base}/api/v1/metrics/history?metric=memory.used&since=5m&step=1s")
        assert code == 200 and hist["unit"] == "%" and hist["points"]
        bad_queries = ("metric=nope", "metric=cpu.busy&since=forever", "metric=cpu.busy&step=-1", "metric=x&since=2h")
        for bad in bad_queries:
            code, body = get(f"{base}/api/v1/metrics/history?{bad}")
            assert code == 400 and "\n" not in body["error"], (bad, body)

        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
            f = s.makefile("rb")
            first = read_event(f)
            start = time.monotonic()
            second = read_event(f)
            assert second["seq"] > first["seq"] and time.monotonic() - start < 2 * interval + 0.5
            assert second["now"]["time"] > first["now"]["time"] or second["now"]["values"]

        assert wait_for(lambda: get(f"{base}/api/v1/alerts")[1]["firing"])
        firing = get(f"{base}/api/v1/alerts")[1]["firing"]
        assert firing[0]["rule"] == "uptime_low" and firing[0]["severity"] == "warning" and firing[0]["since"]
        code, hist = get(f"{base}/api/v1/alerts/history?since=10m")
        assert code == 200 and any(h["to"] == "firing:warning" for h in hist["history"])
        assert get(f"{base}/api/v1/alerts/history?since=soon")[0] == 400
        status = get(f"{base}/status")[1]
        assert status["sections"]["alerts"]["firing"][0]["rule"] == "uptime_low"
        assert get(f"{base}/healthz") == (200, {"status": "ok", "reasons": []})  # alerts are not the agent's health
        out = subprocess.run(
            [sys.executable, "-m", "sysagent", "status", "--address", f"127.0.0.1:{port}"],
            env=subprocess_env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        i = lines.index("alerts:")
        assert lines[i + 1].strip() == "firing: 1" and "rule=uptime_low" in lines[i + 2]
        assert "severity=warning" in lines[i + 2] and "since=" in lines[i + 2]
        page = urllib.request.urlopen(f"{base}/", timeout=5).read().decode()
        assert '<script src="/static/app.js"' in page
        assert urllib.request.urlopen(f"{base}/static/app.js", timeout=5).status == 200


def test_without_the_alert_plugin_there_is_no_alert_route_or_section(tmp_path: Path) -> None:
    port = free_port()
    cfg = {
        "agent": {"state_dir": str(tmp_path), "status": {"port": port}},
        "collectors": {"load": {"interval": "1s"}},
        "sinks": {},
    }
    with Agent.from_config(cfg, builtins=("sysagent.collectors.load",)):
        assert get(f"http://127.0.0.1:{port}/api/v1/alerts")[0] == 404
        assert get(f"http://127.0.0.1:{port}/status")[1]["sections"] == {}


def test_a_token_protects_the_endpoint_and_sysagent_status_sends_it(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    port = free_port()
    token = tmp_path / "token"
    token.write_text("t0ken-for-test\n")
    cfg = {
        "agent": {"state_dir": str(tmp_path), "status": {"port": port, "token_file": str(token)}},
        "collectors": {"load": {"interval": "1s"}},
        "sinks": {},
    }
    with Agent.from_config(cfg, builtins=("sysagent.collectors.load",)):
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 401
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/healthz", headers={"Authorization": "Bearer t0ken-for-test"}
        )
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.status == 200
        cmd = [sys.executable, "-m", "sysagent", "status", "--address", f"127.0.0.1:{port}"]
        denied = subprocess.run(cmd, env=subprocess_env, capture_output=True, text=True, timeout=30)
        assert denied.returncode == 1 and "401" in denied.stdout and "t0ken" not in denied.stdout
        ok = subprocess.run(
            [*cmd, "--token-file", str(token)], env=subprocess_env, capture_output=True, text=True, timeout=30
        )
        assert ok.returncode == 0, ok.stdout + ok.stderr


def test_status_shows_a_failing_channels_health_without_its_secret_url(tmp_path: Path) -> None:
    port, dead = free_port(), free_port()
    secret = "T0PSECRET-hook-path"
    cfg = {
        "agent": {"state_dir": str(tmp_path), "status": {"port": port}},
        "collectors": {"system": {"interval": "0.5s"}},
        "sinks": {},
        "alerts": {
            "channels": {"ops": {"type": "webhook", "url": f"http://127.0.0.1:{dead}/{secret}", "backoff_max": "1s"}},
            "rules": [{"name": "uptime_low", "metric": "system.uptime", "warning": {"threshold": 1}}],
        },
    }
    with Agent.from_config(cfg):
        base = f"http://127.0.0.1:{port}"

        def channel() -> dict[str, Any]:
            rows: list[dict[str, Any]] = get(f"{base}/status")[1]["sections"]["alerts"]["channels"]
            return rows[0] if rows else {}

        assert wait_for(lambda: channel().get("last_error"))
        row = channel()
        assert row["channel"] == "ops" and row["last_success"] is None and row["outbox"] >= 1
        raw = urllib.request.urlopen(f"{base}/status", timeout=5).read().decode()
        assert secret not in raw and secret not in json.dumps(get(f"{base}/api/v1/alerts")[1])
