"""Run the real agent (``python -m sysagent``) as a subprocess with a config written to disk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from e2e._stack import ROOT

#: Collectors run every second so the tests see several cycles quickly; the
#: loopback interface is kept (excluded by default) because the tests' own
#: queries make its counters rise.
FAST_COLLECTORS: dict[str, Any] = {
    "cpu": {"interval": "1s"},
    "memory": {"interval": "1s"},
    "disk": {"interval": "1s"},
    "network": {"interval": "1s", "interfaces": {"exclude": []}},
}


def agent_config(run_id: str, state_dir: Path, sinks: dict[str, Any], **sections: Any) -> dict[str, Any]:
    """A config whose series carry ``deployment.environment.name=run_id``, so each test finds its own."""
    cfg: dict[str, Any] = {
        "agent": {"state_dir": str(state_dir), "resource": {"deployment.environment.name": run_id}},
        "collectors": FAST_COLLECTORS,
        "sinks": sinks,
    }
    cfg.update(sections)
    return cfg


@dataclass
class AgentProcess:
    """A running ``sysagent run``; its stderr goes to ``log_path``."""

    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, then SIGKILL if it does not exit in ``timeout`` s; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return int(self.proc.returncode)


@dataclass
class AgentRunner:
    """Writes configs under ``tmp`` and starts agents; stops them all in ``close``."""

    tmp: Path
    env: dict[str, str]
    run_id: str = field(default_factory=lambda: f"e2e-{uuid.uuid4().hex[:12]}")
    started: list[AgentProcess] = field(default_factory=list)

    def config(self, sinks: dict[str, Any], **sections: Any) -> dict[str, Any]:
        return agent_config(self.run_id, self.tmp / "state", sinks, **sections)

    def write(self, config: dict[str, Any], name: str = "sysagent.yaml") -> Path:
        path = self.tmp / name
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    def start(self, config: dict[str, Any], env: dict[str, str] | None = None) -> AgentProcess:
        path = self.write(config, f"agent-{len(self.started)}.yaml")
        log_path = self.tmp / f"agent-{len(self.started)}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "sysagent", "run", "-c", str(path)],
                cwd=ROOT,
                env={**self.env, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        agent = AgentProcess(proc, log_path)
        self.started.append(agent)
        return agent

    def snapshot(self, config: dict[str, Any]) -> dict[str, Any]:
        """``sysagent snapshot --format json`` with ``config``: what the agent collects right now."""
        path = self.write(config, "snapshot.yaml")
        out = subprocess.run(
            [sys.executable, "-m", "sysagent", "snapshot", "--format", "json", "-c", str(path)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        result: dict[str, Any] = json.loads(out.stdout)
        return result

    def close(self) -> None:
        for agent in self.started:
            agent.stop()


def point_value(snapshot: dict[str, Any], name: str, **attributes: str) -> float:
    """The sum of metric ``name``'s points whose attributes include ``attributes`` (over CPUs, say)."""
    values = [
        float(point["value"])
        for metric in snapshot["metrics"]
        if metric["name"] == name
        for point in metric["points"]
        if all(point["attributes"].get(k) == v for k, v in attributes.items())
    ]
    assert values, f"no {name}{attributes} in the snapshot"
    return sum(values)


def subprocess_env(tmp: Path) -> dict[str, str]:
    """The environment of an agent subprocess: the checkout importable, state under ``tmp``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["XDG_STATE_HOME"] = str(tmp / "xdg-state")
    env["SYSAGENT_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    for var in [v for v in env if v.startswith("OTEL_")]:
        del env[var]  # the tests' configs say everything explicitly
    return env


def assert_in_range(measured: float, low: float, high: float, rel: float = 0.05) -> None:
    """``measured`` (from a snapshot) lies within the backend's [low, high] over the same seconds, give or take ``rel``.

    Used memory moves on a shared machine (the snapshot process itself adds its
    RSS), so the backend's samples are read over a window that spans the snapshot.
    """
    slack = rel * abs(measured)
    assert low - slack <= measured <= high + slack, f"snapshot {measured} outside backend range [{low}, {high}]"


def timed_snapshot(runner: AgentRunner, config: dict[str, Any], settle: float = 2.5) -> tuple[dict[str, Any], int]:
    """A snapshot, and how many seconds back a backend query must look to cover it (after ``settle`` s)."""
    start = time.monotonic()
    snap = runner.snapshot(config)
    time.sleep(settle)
    return snap, int(time.monotonic() - start) + 5
