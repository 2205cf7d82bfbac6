"""The gateway with TLS (mutual) and bearer-token auth: the right token gets through, others are refused.

The CA and certificates are made by the test; the Collector runs gateway.yaml
with the gateway-tls.yaml and gateway-auth.yaml overlays, in front of the
session's Prometheus and InfluxDB.
"""

from __future__ import annotations

import re
import ssl
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e._agent import AgentRunner
from e2e._backends import Prometheus
from e2e._otelcol import Running, collector
from e2e._stack import Stack
from e2e._tls import Pki, make_pki

pytestmark = pytest.mark.e2e
TOKEN = uuid.uuid4().hex


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def secure_gateway(
    otelcol_bin: Path, stack: Stack, pki: Pki, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    tmp = tmp_path_factory.mktemp("secure-gateway")
    token_file = tmp / "token"
    token_file.write_text(TOKEN + "\n")
    env = {
        "SYSAGENT_OTELCOL_TLS_CERT": str(pki.server_cert),
        "SYSAGENT_OTELCOL_TLS_KEY": str(pki.server_key),
        "SYSAGENT_OTELCOL_TLS_CLIENT_CA": str(pki.ca),
        "SYSAGENT_OTELCOL_TOKEN_FILE": str(token_file),
        "SYSAGENT_PROMETHEUS_URL": stack.prometheus_url,
        "SYSAGENT_INFLUXDB_URL": stack.influxdb_url,
    }
    with collector(otelcol_bin, ["gateway.yaml", "gateway-tls.yaml", "gateway-auth.yaml"], tmp, env) as running:
        yield running


def _post(url: str, pki: Pki, token: str | None, client_cert: bool = True) -> int:
    ctx = ssl.create_default_context(cafile=str(pki.ca))
    if client_cert:
        ctx.load_cert_chain(str(pki.client_cert), str(pki.client_key))
    headers = {"Content-Type": "application/x-protobuf"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url + "/v1/metrics", data=b"", headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def test_collector_checks_token_and_client_certificate(secure_gateway: Running, pki: Pki) -> None:
    url = secure_gateway.http.replace("http://", "https://")
    assert _post(url, pki, TOKEN) == 200
    assert _post(url, pki, "not-the-token") == 401
    assert _post(url, pki, None) == 401
    with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionResetError)):
        _post(url, pki, TOKEN, client_cert=False)  # mutual TLS: no client certificate, no connection
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(secure_gateway.http + "/v1/metrics", data=b"", timeout=5)  # plain HTTP


def _sink(gateway: Running, protocol: str, pki: Pki, auth: dict[str, object]) -> dict[str, object]:
    base = gateway.grpc if protocol == "grpc" else gateway.http
    return {
        "endpoint": base.replace("http://", "https://"),
        "protocol": protocol,
        "headers": auth,
        "tls": {"ca_file": str(pki.ca), "cert_file": str(pki.client_cert), "key_file": str(pki.client_key)},
    }


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_agent_with_the_token_gets_through(
    secure_gateway: Running, pki: Pki, prom: Prometheus, agents: AgentRunner, tmp_path: Path, protocol: str
) -> None:
    header_file = tmp_path / "authorization"
    header_file.write_text(f"Bearer {TOKEN}\n")
    agent = agents.start(
        agents.config({"otlp": _sink(secure_gateway, protocol, pki, {"Authorization": {"file": str(header_file)}})})
    )
    prom.wait(f'system_memory_usage_bytes{{deployment_environment_name="{agents.run_id}"}}', timeout=45)
    assert agent.alive()
    assert TOKEN not in agent.log()


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
@pytest.mark.parametrize("auth", ["wrong", "missing"])
def test_agent_refused_reports_clearly_and_keeps_running(
    secure_gateway: Running, pki: Pki, prom: Prometheus, agents: AgentRunner, protocol: str, auth: str
) -> None:
    headers: dict[str, object] = {"Authorization": "Bearer wrong-token"} if auth == "wrong" else {}
    agent = agents.start(agents.config({"otlp": _sink(secure_gateway, protocol, pki, headers)}))
    refusal = re.compile(r"401|unauthori[sz]ed|unauthenticated", re.IGNORECASE)
    deadline = time.monotonic() + 30
    while not refusal.search(agent.log()) and time.monotonic() < deadline:
        assert agent.alive(), agent.log()
        time.sleep(0.5)
    time.sleep(5)  # several collection cycles later
    log = agent.log()
    assert agent.alive(), log
    lines = [line for line in log.splitlines() if refusal.search(line)]
    assert lines, f"no refusal reported:\n{log}"
    assert "Traceback" not in log
    assert len(lines) <= 10, "refusals are reported with backoff, not once per cycle"
    assert "wrong-token" not in log, "header values never appear in logs"
    assert prom.query(f'system_memory_usage_bytes{{deployment_environment_name="{agents.run_id}"}}') == []
