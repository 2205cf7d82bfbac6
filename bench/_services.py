"""Real processes the benches measure or talk to: node_exporter, the Collector, ``sysagent run``.

Each binds to a free port on 127.0.0.1, logs to a file in its own temporary
folder, and is stopped (SIGTERM, then SIGKILL) by the context manager that started it.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import yaml
from _common import REPO, free_port, proc_cpu, rss_mb

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"


class Process:
    """A child process with a log file; a context manager that stops it."""

    def __init__(self, argv: list[str], name: str, **popen: Any) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        self.log = self.dir / f"{name}.log"
        self._log = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        popen.setdefault("stdout", self._log)
        self.proc = subprocess.Popen(argv, stderr=self._log, **popen)
        self.pid = self.proc.pid

    def cpu(self) -> float:
        return proc_cpu(self.pid)

    def rss(self) -> float:
        return rss_mb(self.pid)

    def wait_port(self, port: int, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.log.name} exited with {self.proc.returncode}: {self.tail()}")
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s: {self.tail()}")

    def tail(self, n: int = 2000) -> str:
        return self.log.read_text(errors="replace")[-n:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


class NodeExporter(Process):
    """node_exporter with its default collectors, scraped over one kept-alive connection.

    Scrapes ask for no compression (as curl does): the cheaper case for node_exporter,
    so a ratio against it is conservative for sysagent.
    """

    def __init__(self) -> None:
        self.port = free_port()
        super().__init__([NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{self.port}"], "node_exporter")
        self.wait_port(self.port)
        self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def scrape(self) -> bytes:
        self._conn.request("GET", "/metrics")
        response = self._conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"node_exporter answered {response.status}")
        return body

    def series(self) -> int:
        return sum(1 for line in self.scrape().splitlines() if line and not line.startswith(b"#"))

    def cpu_per_scrape(self, scrapes: int) -> float:
        """Mean CPU seconds node_exporter spent per scrape over ``scrapes`` scrapes (/proc ticks)."""
        before = self.cpu()
        for _ in range(scrapes):
            self.scrape()
        return (self.cpu() - before) / scrapes


def collector_binary() -> str:
    """The Collector built by ``otel-collector/build.sh`` (cached; the script prints the path last)."""
    out = subprocess.run(
        ["bash", str(REPO / "otel-collector" / "build.sh")], check=True, capture_output=True, text=True
    ).stdout
    return out.strip().splitlines()[-1]


class OtelCollector(Process):
    """The real Collector: OTLP/HTTP in on a free port, the debug exporter (basic) out."""

    _POINTS = re.compile(rb'"data points": (\d+)')

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        config = {
            "receivers": {"otlp": {"protocols": {"http": {"endpoint": f"127.0.0.1:{self.port}"}}}},
            "exporters": {"debug": {"verbosity": "basic"}},
            "service": {
                "pipelines": {"metrics": {"receivers": ["otlp"], "exporters": ["debug"]}},
                # zap samples repeated log lines by default: off, so that every request is logged and counted
                "telemetry": {"metrics": {"level": "none"}, "logs": {"sampling": {"enabled": False}}},
            },
        }
        path = Path(tempfile.mkdtemp(prefix="bench-otelcol-cfg-")) / "config.yaml"
        path.write_text(yaml.safe_dump(config))
        self.binary = collector_binary()
        super().__init__([self.binary, "--config", str(path)], "otelcol")
        self.wait_port(self.port)

    def points_received(self) -> int:
        """Data points the debug exporter logged (one line per request it got)."""
        return sum(int(n) for n in self._POINTS.findall(self.log.read_bytes()))


class AgentProcess(Process):
    """``python -m sysagent run -c CFG``; counts the console sink's lines (one per CPU tick)."""

    def __init__(self, config: dict[str, Any], repo: Path = REPO) -> None:
        cfg_dir = Path(tempfile.mkdtemp(prefix="bench-agent-cfg-"))
        config = {**config, "agent": {"state_dir": str(cfg_dir / "state"), **config.get("agent", {})}}
        path = cfg_dir / "sysagent.yaml"
        path.write_text(yaml.safe_dump(config))
        # built-in plugins only: the example plugin installed in this environment is not a default
        env = {**os.environ, "PYTHONPATH": str(repo), "SYSAGENT_DISABLE_PLUGIN_AUTOLOAD": "1"}
        super().__init__(
            [sys.executable, "-m", "sysagent", "run", "-c", str(path)],
            "agent",
            stdout=subprocess.PIPE,
            cwd=str(repo),
            env=env,
        )
        self.lines = 0
        self._reader = threading.Thread(target=self._count, daemon=True)
        self._reader.start()

    def _count(self) -> None:
        assert self.proc.stdout is not None
        for _ in self.proc.stdout:
            self.lines += 1

    def wait_lines(self, n: int, timeout: float) -> None:
        end = time.monotonic() + timeout
        while self.lines < n:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sysagent exited with {self.proc.returncode}: {self.tail()}")
            if time.monotonic() > end:
                raise RuntimeError(f"sysagent printed {self.lines} of {n} lines in {timeout}s: {self.tail()}")
            time.sleep(0.05)
