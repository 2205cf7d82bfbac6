"""Reload is atomic: the new agent is built completely before it takes over."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from helpers import free_port, wait_for


def ticks(out: Path) -> list[float]:
    if not out.exists():
        return []
    return [
        p["value"]
        for line in out.read_text().splitlines()
        for m in json.loads(line)["metrics"]
        if m["name"] == "test.ticks"
        for p in m["points"]
    ]


def test_a_reload_whose_sink_cannot_start_keeps_the_old_agent(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    """The new config validates, but its prometheus sink's port is taken: the factory fails, the old agent runs on."""
    out = tmp_path / "m.ndjson"
    cfg = tmp_path / "run.yaml"
    base = (
        f"agent: {{state_dir: {tmp_path / 'state'}, status: {{enabled: false}}}}\n"
        "plugins: {modules: [fakeplugins.counting]}\n"
        "collectors: {counting: {interval: 0.2s, step: 1}}\n"
        "alerts: {enabled: false}\n"
    )
    cfg.write_text(base + f"sinks: {{file: {{path: {out}}}}}\n")
    taken = socket.socket()
    taken.bind(("127.0.0.1", free_port()))
    taken.listen()
    port = taken.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sysagent", "run", "-c", str(cfg)],
        env=subprocess_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: len(ticks(out)) >= 3)
        cfg.write_text(base + f"sinks: {{file: {{path: {out}}}, prometheus: {{port: {port}}}}}\n")
        v = subprocess.run(
            [sys.executable, "-m", "sysagent", "config", "validate", str(cfg)],
            env=subprocess_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert v.returncode == 0, v.stderr  # it validates: a port in use is the machine, not the config
        proc.send_signal(signal.SIGHUP)
        seen = len(ticks(out))
        assert wait_for(lambda: len(ticks(out)) >= seen + 5), "collection stopped after a failed reload"
        assert proc.poll() is None
        values = ticks(out)
        assert values == list(range(len(values))), "the counter restarted"
    finally:
        taken.close()
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    rejected = [line for line in stderr.splitlines() if "reload rejected" in line]
    assert len(rejected) == 1 and "sinks.prometheus" in rejected[0], stderr
    assert "Traceback" not in stderr


def test_a_reload_that_changes_the_prometheus_sink_keeps_its_port(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    """The new sink is built while the old one still listens on the same port: both bind it for a moment."""
    import urllib.request

    port = free_port()
    cfg = tmp_path / "run.yaml"
    base = (
        f"agent: {{state_dir: {tmp_path / 'state'}, status: {{enabled: false}}}}\n"
        "plugins: {modules: [fakeplugins.counting]}\n"
        "collectors: {counting: {interval: 0.2s, step: 1}}\n"
        "alerts: {enabled: false}\n"
    )
    cfg.write_text(base + f"sinks: {{prometheus: {{port: {port}}}}}\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sysagent", "run", "-c", str(cfg)],
        env=subprocess_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    def scrape() -> str:
        try:
            return str(urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode())
        except OSError:
            return ""

    try:
        assert wait_for(lambda: "test_ticks" in scrape())
        cfg.write_text(base + f"sinks: {{prometheus: {{port: {port}, stale_after: 30s}}}}\n")
        proc.send_signal(signal.SIGHUP)
        time.sleep(1.5)  # the reload happens; the process must still run
        assert wait_for(lambda: "test_ticks" in scrape())
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    assert "reload rejected" not in stderr, stderr
    assert "reloaded" in stderr
