"""Fixtures for the end-to-end tests: the real stack on free loopback ports, query clients, agents.

The stack (Prometheus, InfluxDB, Alertmanager and the gateway Collector) is started
once per session by scripts/stack.sh in a temporary folder, exactly as a user
starts it, and stopped at the end. A missing binary fails the session: nothing
here is skipped.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e._agent import AgentRunner, subprocess_env
from e2e._backends import InfluxDB, Prometheus
from e2e._stack import ROOT, Stack


@pytest.fixture(scope="session")
def otelcol_bin() -> Path:
    """Our Collector distribution, built (or taken from the cache) by otel-collector/build.sh."""
    out = subprocess.run([str(ROOT / "otel-collector" / "build.sh")], capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, out.stderr[-4000:]
    return Path(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, otelcol_bin: Path) -> Iterator[Stack]:
    """The whole local stack, started by scripts/stack.sh."""
    s = Stack.allocate(tmp_path_factory.mktemp("stack"), SYSAGENT_OTELCOL_BIN=str(otelcol_bin))
    try:
        s.run("start")
        yield s
    finally:
        s.run("stop")


@pytest.fixture(scope="session")
def prom(stack: Stack) -> Prometheus:
    return Prometheus(stack.prometheus_url)


@pytest.fixture(scope="session")
def influx(stack: Stack) -> InfluxDB:
    return InfluxDB(stack.influxdb_url)


@pytest.fixture
def agents(tmp_path: Path) -> Iterator[AgentRunner]:
    """Starts ``python -m sysagent run -c CONFIG`` subprocesses; each test's series carry its own run id."""
    runner = AgentRunner(tmp_path, subprocess_env(tmp_path))
    try:
        yield runner
    finally:
        runner.close()
