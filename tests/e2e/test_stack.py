"""scripts/stack.sh and the backends it starts: status, loopback-only listeners, Alertmanager's config."""

from __future__ import annotations

import datetime
import json
import urllib.request
import uuid

import psutil
import pytest

from e2e._http import get_json, wait_for
from e2e._stack import Stack

pytestmark = pytest.mark.e2e


def test_status_lists_every_service_running(stack: Stack) -> None:
    out = stack.run("status")
    for service in ("prometheus", "influxdb", "alertmanager", "otelcol"):
        line = next(line for line in out.splitlines() if line.startswith(service))
        assert "running (pid" in line, out
    assert f"http://127.0.0.1:{stack.ports['SYSAGENT_OTELCOL_HTTP_PORT']}" in out
    stack.run("start")  # idempotent: everything already runs


def test_every_service_listens_on_loopback_only(stack: Stack) -> None:
    ports = {port for name, port in stack.ports.items() if name != "AGENT_METRICS_PORT"}
    listening = {
        (c.laddr[0], c.laddr[1])
        for c in psutil.net_connections("tcp")
        if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr[1] in ports
    }
    assert {port for _, port in listening} == ports, "each service listens on its configured port"
    assert {ip for ip, _ in listening} == {"127.0.0.1"}


def test_alertmanager_accepts_the_alert_plugins_payload(stack: Stack) -> None:
    name = f"E2E{uuid.uuid4().hex[:8]}"
    now = datetime.datetime.now(datetime.UTC)
    alert = {
        "labels": {"alertname": name, "host_name": "vm", "severity": "warning"},
        "annotations": {"summary": "memory used above 90%"},
        "startsAt": now.isoformat(),
        "endsAt": (now + datetime.timedelta(minutes=5)).isoformat(),
        "generatorURL": "http://127.0.0.1/sysagent",
    }
    req = urllib.request.Request(
        f"{stack.alertmanager_url}/api/v2/alerts",
        data=json.dumps([alert]).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.status == 200

    def firing() -> list[dict[str, object]]:
        alerts = get_json(f"{stack.alertmanager_url}/api/v2/alerts", {"filter": f'alertname="{name}"'})
        return [a for a in alerts if a["status"]["state"] == "active"]

    got = wait_for("the alert to be active", firing, timeout=15)
    assert got[0]["annotations"] == {"summary": "memory used above 90%"}
    groups = get_json(f"{stack.alertmanager_url}/api/v2/alerts/groups")
    mine = [g for g in groups if g["labels"].get("alertname") == name]
    assert mine and mine[0]["labels"] == {"alertname": name, "host_name": "vm"}  # group_by in alertmanager.yml
