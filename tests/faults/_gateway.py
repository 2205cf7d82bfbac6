"""The gateway Collector (otel-collector/gateway.yaml) on fixed ports and storage, stopped and started at will."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from e2e._http import free_ports
from e2e._otelcol import Running, collector


@dataclass
class Gateway:
    """Keeps its ports and its storage folder (file_storage, the remote-write WAL) across restarts."""

    binary: Path
    tmp: Path
    prometheus_url: str
    influxdb_url: str
    ports: dict[str, int] = field(default_factory=dict)
    running: Running | None = None
    starts: int = 0
    _stack: contextlib.ExitStack | None = None

    def __post_init__(self) -> None:
        if not self.ports:
            names = ("GRPC", "HTTP", "HEALTH", "METRICS")
            self.ports = dict(zip(names, free_ports(len(names)), strict=True))
        self.storage = self.tmp / "otelcol-storage"

    @property
    def otlp_http(self) -> str:
        return f"http://127.0.0.1:{self.ports['HTTP']}"

    def env(self) -> dict[str, str]:
        env = {f"SYSAGENT_OTELCOL_{k}_PORT": str(v) for k, v in self.ports.items()}
        env.update(
            {
                "SYSAGENT_OTELCOL_STORAGE_DIR": str(self.storage),
                "SYSAGENT_PROMETHEUS_URL": self.prometheus_url,
                "SYSAGENT_INFLUXDB_URL": self.influxdb_url,
            }
        )
        return env

    def start(self) -> Running:
        assert self._stack is None, "already running"
        stack = contextlib.ExitStack()
        self.starts += 1
        run_dir = self.tmp / f"otelcol-run{self.starts}"  # a log per run: the helper names it by port
        run_dir.mkdir(parents=True, exist_ok=True)
        self.running = stack.enter_context(collector(self.binary, ["gateway.yaml"], run_dir, self.env()))
        self._stack = stack
        return self.running

    def stop(self) -> None:
        """SIGTERM (the e2e helper's way), waiting for the process to exit."""
        if self._stack is not None:
            self._stack.close()
        self._stack = None

    def log(self) -> str:
        logs = sorted(self.tmp.glob("otelcol-run*/otelcol-*.log"), key=os.path.getmtime)
        return "\n".join(p.read_text(errors="replace") for p in logs)

    def __enter__(self) -> Gateway:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_port_closed(port: int, timeout: float = 15.0) -> None:
    """Until nothing accepts on 127.0.0.1:``port`` (the stopped Collector let go of it)."""
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"127.0.0.1:{port} still accepts connections")
