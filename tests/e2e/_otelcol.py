"""Run our Collector binary with given configs and environment, until the test is done."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from e2e._http import free_ports, http_status, wait_for
from e2e._stack import ROOT

CONFIGS = ROOT / "otel-collector"


@dataclass(frozen=True)
class Running:
    http: str  # base URL of the OTLP/HTTP receiver
    grpc: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def collector(binary: Path, configs: list[str], tmp: Path, env: dict[str, str] | None = None) -> Iterator[Running]:
    """Start ``binary --config CONFIGS/...`` on free ports (``env`` may fix them); wait until healthy; stop after."""
    grpc, http, health, metrics = free_ports(4)
    full_env = {
        **os.environ,
        "SYSAGENT_OTELCOL_GRPC_PORT": str(grpc),
        "SYSAGENT_OTELCOL_HTTP_PORT": str(http),
        "SYSAGENT_OTELCOL_HEALTH_PORT": str(health),
        "SYSAGENT_OTELCOL_METRICS_PORT": str(metrics),
        "SYSAGENT_OTELCOL_STORAGE_DIR": str(tmp / f"otelcol-storage-{health}"),
        "SYSAGENT_OTELCOL_BATCH_TIMEOUT": "200ms",
        "SYSAGENT_OTELCOL_WAL_FLUSH": "1s",
        **(env or {}),
    }
    args = [str(binary)]
    for c in configs:
        args += ["--config", str(CONFIGS / c)]
    log_path = tmp / f"otelcol-{health}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(args, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    http_port, grpc_port = full_env["SYSAGENT_OTELCOL_HTTP_PORT"], full_env["SYSAGENT_OTELCOL_GRPC_PORT"]
    health_port = full_env["SYSAGENT_OTELCOL_HEALTH_PORT"]
    running = Running(f"http://127.0.0.1:{http_port}", f"http://127.0.0.1:{grpc_port}", log_path)
    try:

        def healthy() -> bool:
            assert proc.poll() is None, f"the Collector exited:\n{running.log()[-3000:]}"
            return http_status(f"http://127.0.0.1:{health_port}/") == 200

        wait_for("the Collector's health check", healthy, timeout=30)
        yield running
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
