"""Drive scripts/stack.sh: the real Collector and backends as processes on free loopback ports."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from e2e._http import free_ports

ROOT = Path(__file__).resolve().parents[2]
STACK_SH = ROOT / "scripts" / "stack.sh"
PORT_VARS = (
    "PROMETHEUS_PORT",
    "INFLUXDB_PORT",
    "INFLUXDB_RPC_PORT",
    "ALERTMANAGER_PORT",
    "SYSAGENT_OTELCOL_GRPC_PORT",
    "SYSAGENT_OTELCOL_HTTP_PORT",
    "SYSAGENT_OTELCOL_HEALTH_PORT",
    "SYSAGENT_OTELCOL_METRICS_PORT",
    "AGENT_METRICS_PORT",  # the agent's /metrics, scraped by Prometheus
)
#: Short delays so data shows up within seconds: the Collector's batch and
#: remote-write flush, Prometheus's scrape, InfluxDB's 1-minute continuous query.
FAST = {
    "SYSAGENT_OTELCOL_BATCH_TIMEOUT": "200ms",
    "SYSAGENT_OTELCOL_WAL_FLUSH": "1s",
    "PROMETHEUS_SCRAPE_INTERVAL": "1s",
    "SYSAGENT_INFLUX_CQ_EVERY": "2s",
}


@dataclass
class Stack:
    """One stack.sh stack in ``dir``; ``ports`` maps the PORT_VARS to numbers."""

    dir: Path
    ports: dict[str, int]
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def allocate(cls, dir: Path, **extra_env: str) -> Stack:
        return cls(dir, dict(zip(PORT_VARS, free_ports(len(PORT_VARS)), strict=True)), dict(extra_env))

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(FAST)
        env.update({k: str(v) for k, v in self.ports.items()})
        env["SYSAGENT_METRICS_TARGET"] = f"127.0.0.1:{self.ports['AGENT_METRICS_PORT']}"
        env.update(self.extra_env)
        return env

    def run(self, action: str, *services: str, timeout: float = 900) -> str:
        """Run ``stack.sh ACTION --dir DIR SERVICE...``; fail with its output when it fails."""
        cmd = [str(STACK_SH), action, "--dir", str(self.dir), *services]
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc.stdout

    def log(self, service: str) -> str:
        path = self.dir / f"{service}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @property
    def prometheus_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['PROMETHEUS_PORT']}"

    @property
    def influxdb_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['INFLUXDB_PORT']}"

    @property
    def alertmanager_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['ALERTMANAGER_PORT']}"

    @property
    def otlp_http(self) -> str:
        return f"http://127.0.0.1:{self.ports['SYSAGENT_OTELCOL_HTTP_PORT']}"

    @property
    def otlp_grpc(self) -> str:
        return f"http://127.0.0.1:{self.ports['SYSAGENT_OTELCOL_GRPC_PORT']}"

    @property
    def agent_metrics_port(self) -> int:
        return self.ports["AGENT_METRICS_PORT"]
