"""Agents for the fault tests: few collectors every second, an NDJSON ground truth, a status port each."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from e2e._agent import AgentProcess, AgentRunner, subprocess_env
from e2e._http import free_ports

from faults._truth import Line, read_ndjson

#: Two host collectors every second, plus the agent's own metrics (every 5 s): few series, many points.
FEW_COLLECTORS: dict[str, Any] = {"memory": {"interval": "1s"}, "load": {"interval": "1s"}}
#: Everything else is switched off so the series stay few and the machine quiet.
DISABLED = ["cpu", "disk", "network", "paging", "filesystem", "connections", "system", "alerts"]


@dataclass
class FaultAgent:
    """One agent config (its own run id, state dir, NDJSON file and status port) and its processes."""

    runner: AgentRunner
    config: dict[str, Any]
    ndjson: Path
    status_port: int
    process: AgentProcess | None = None

    @property
    def run_id(self) -> str:
        return self.runner.run_id

    @property
    def state_dir(self) -> Path:
        return Path(self.config["agent"]["state_dir"])

    def start(self, env: dict[str, str] | None = None) -> AgentProcess:
        self.process = self.runner.start(self.config, env)
        return self.process

    def lines(self) -> list[Line]:
        return read_ndjson(self.ndjson) if self.ndjson.exists() else []

    def status(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.status_port}/status", timeout=5) as resp:
            data: dict[str, Any] = json.load(resp)
        return data

    def healthz(self) -> tuple[int, str]:
        """/healthz: status code and body."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.status_port}/healthz", timeout=5) as resp:
                return int(resp.status), resp.read().decode()
        except urllib.error.HTTPError as e:
            return int(e.code), e.read().decode()

    def otlp_status(self) -> dict[str, Any]:
        sink: dict[str, Any] = self.status()["sinks"]["otlp"]
        return sink

    def sent(self) -> int:
        """Points the otlp sink has had acknowledged (0 while the status endpoint is not up yet)."""
        try:
            return int(self.otlp_status()["points_sent"])
        except OSError:
            return 0

    def drained(self) -> bool:
        """Everything queued has been sent (and something was)."""
        try:
            st = self.otlp_status()
        except OSError:
            return False
        return bool(st["queue_items"] == 0 and st["points_sent"] > 0)

    def log(self) -> str:
        return "\n".join(p.log() for p in self.runner.started)


def fault_agent(
    tmp: Path,
    endpoint: str,
    *,
    queue: dict[str, Any] | None = None,
    collectors: dict[str, Any] | None = None,
    disable: list[str] | None = None,
    modules: list[str] | None = None,
    shutdown_timeout: str = "10s",
) -> FaultAgent:
    """An agent exporting OTLP/HTTP to ``endpoint`` and every batch to ``tmp/produced.ndjson``."""
    tmp.mkdir(parents=True, exist_ok=True)
    runner = AgentRunner(tmp, subprocess_env(tmp))
    ndjson = tmp / "produced.ndjson"
    otlp: dict[str, Any] = {"endpoint": endpoint, "protocol": "http/protobuf"}
    if queue:
        otlp["queue"] = queue
    (status_port,) = free_ports(1)
    config = runner.config(
        {"file": {"path": str(ndjson), "max_bytes": 0}, "otlp": otlp},
        collectors=FEW_COLLECTORS if collectors is None else collectors,
        plugins={"disable": DISABLED if disable is None else disable, "modules": modules or [], "autoload": False},
    )
    config["agent"].update({"status": {"port": status_port}, "shutdown_timeout": shutdown_timeout, "log_level": "INFO"})
    return FaultAgent(runner, config, ndjson, status_port)
