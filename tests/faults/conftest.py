"""Fixtures for the fault tests: our own Prometheus and InfluxDB (started by scripts/stack.sh), our own Collectors.

The fault tests stop and restart Collectors and Prometheus, so they do not share
the e2e session's stack: each test runs its own gateway Collector
(:class:`faults._gateway.Gateway`) in front of this package's backends, and
tells its agents apart by ``deployment.environment.name``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e._stack import Stack
from e2e.conftest import otelcol_bin

from faults._gateway import Gateway

__all__ = ["otelcol_bin"]


@pytest.fixture(scope="session")
def backends(tmp_path_factory: pytest.TempPathFactory, otelcol_bin: Path) -> Iterator[Stack]:
    """Prometheus (with its out-of-order window) and InfluxDB for the gateway to write to."""
    s = Stack.allocate(tmp_path_factory.mktemp("faults-stack"), SYSAGENT_OTELCOL_BIN=str(otelcol_bin))
    try:
        s.run("start", "prometheus", "influxdb")
        yield s
    finally:
        s.run("stop")


@pytest.fixture
def gateway(otelcol_bin: Path, backends: Stack, tmp_path: Path) -> Iterator[Gateway]:
    """A gateway Collector of this test's own, started; stopped at the end whatever happened."""
    gw = Gateway(otelcol_bin, tmp_path / "gateway", backends.prometheus_url, backends.influxdb_url)
    gw.start()
    try:
        yield gw
    finally:
        gw.stop()
