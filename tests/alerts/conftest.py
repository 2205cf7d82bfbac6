"""Fixtures for the alert plugin: a recording HTTP server, an SMTP server, a real Alertmanager."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e._http import free_ports, http_status, wait_for

from alerts._recorder import Recorder
from sysagent.alerts.store import Store

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    r = Recorder()
    yield r
    r.close()


@pytest.fixture(scope="session")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Alertmanager on a free loopback port, with its own data dir and a null receiver."""
    assert shutil.which(ALERTMANAGER), f"{ALERTMANAGER} is missing: apt-get install prometheus-alertmanager"
    folder = tmp_path_factory.mktemp("alertmanager")
    config = folder / "alertmanager.yml"
    config.write_text("route:\n  receiver: none\n  group_wait: 1s\nreceivers:\n  - name: none\n")
    port, cluster = free_ports(2)
    proc = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={config}",
            f"--storage.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--cluster.listen-address=127.0.0.1:{cluster}",
            "--cluster.advertise-address=127.0.0.1:" + str(cluster),
        ],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "log").open("w"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for("alertmanager ready", lambda: http_status(f"{url}/-/ready") == 200, timeout=30)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def state_dir(tmp_path: Path) -> str:
    return str(tmp_path / "state")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(str(tmp_path / "alerts.sqlite"))
