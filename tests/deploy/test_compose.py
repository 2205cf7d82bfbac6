"""backends/compose.yaml: podman-compose accepts it, and the agent in it is the image, sandboxed, reporting the host.

podman cannot run containers on this project's machines (see buildah_run.py), so
the stack is not brought up here; tests/deploy/test_image.py runs the agent's
image against the real Collector and Prometheus instead.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from buildah_run import ROOT

import sysagent

BACKENDS = ROOT / "backends"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The file as ``podman-compose config`` resolves it (PyPI podman-compose; Debian's 1.0.3 has no ``config``)."""
    done = subprocess.run(
        [sys.executable, "-m", "podman_compose", "-f", str(BACKENDS / "compose.yaml"), "config"],
        capture_output=True, text=True, timeout=60, cwd=BACKENDS,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    config: dict[str, Any] = yaml.safe_load(done.stdout)
    return config


def test_every_reference_in_the_stack_resolves(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"sysagent", "otelcol", "prometheus", "influxdb", "alertmanager", "grafana"} <= set(services)
    named = set(yaml.safe_load((BACKENDS / "compose.yaml").read_text())["volumes"])
    for name, svc in services.items():
        assert set(svc.get("depends_on", {})) <= set(services), name
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (BACKENDS / source).exists(), f"{name}: {source} is missing"
            elif not source.startswith("/"):
                assert source in named, f"{name}: volume {source} is not declared"


def test_every_service_has_a_health_check_but_the_collector(compose: dict[str, Any]) -> None:
    """The Collector's image holds only its binary: nothing in it can ask the health_check endpoint."""
    without = {name for name, svc in compose["services"].items() if "healthcheck" not in svc}
    assert without == {"otelcol"}


def test_the_agent_is_built_from_the_containerfile_and_reports_the_host(compose: dict[str, Any]) -> None:
    agent = compose["services"]["sysagent"]
    assert Path(agent["build"]["context"]).resolve() == ROOT
    assert (ROOT / agent["build"]["dockerfile"]).is_file()
    assert agent["image"] == f"sysagent:{sysagent.__version__}"
    assert agent["healthcheck"]["test"] == ["CMD", "python3", "/etc/sysagent/healthcheck.py"]
    assert "/:/hostfs:ro,rslave" in agent["volumes"]
    assert agent["environment"]["SYSAGENT_HOST_ROOT"] == "/hostfs"
    assert agent["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"
    assert (agent["read_only"], agent["cap_drop"], agent["network_mode"]) == (True, ["ALL"], "host")
    assert any(v.endswith(":/var/lib/sysagent") for v in agent["volumes"])


def test_grafana_is_provisioned_with_the_stacks_datasources(compose: dict[str, Any]) -> None:
    grafana = compose["services"]["grafana"]
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    sources = [
        yaml.safe_load(p.read_text()) for p in sorted((BACKENDS / "grafana/provisioning/datasources").glob("*.yaml"))
    ]
    urls = {d["type"]: d["url"] for s in sources for d in s["datasources"]}
    assert "127.0.0.1:9090" in urls["prometheus"] and "127.0.0.1:8086" in urls["influxdb"]
