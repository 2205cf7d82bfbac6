"""deploy/kubernetes: every object loads into the client's typed models, and the security settings hold."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from buildah_run import ROOT
from kube_models import load

import sysagent

KUBE = ROOT / "deploy" / "kubernetes"
BENCH_RSS = 42.5e6  # README.md: RSS of `sysagent run` with the default sinks
UNITS = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30}


def documents() -> list[tuple[str, dict[str, Any]]]:
    docs = []
    for path in sorted(KUBE.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs += [(path.name, d) for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


@pytest.fixture(scope="module")
def objects() -> dict[tuple[str, str], Any]:
    return {(d["kind"], d["metadata"]["name"]): load(d, name) for name, d in documents()}


def bytes_of(quantity: str) -> float:
    for suffix, factor in UNITS.items():
        if quantity.endswith(suffix):
            return float(quantity[: -len(suffix)]) * factor
    return float(quantity)


def test_every_manifest_loads_into_the_clients_models(objects: dict[tuple[str, str], Any]) -> None:
    assert sorted(objects) == [
        ("ConfigMap", "sysagent"), ("ConfigMap", "sysagent-gateway"), ("DaemonSet", "sysagent"),
        ("Deployment", "sysagent-gateway"), ("Namespace", "sysagent"), ("Service", "sysagent"),
        ("Service", "sysagent-gateway"), ("ServiceAccount", "sysagent"),
    ]  # fmt: skip
    assert {o.metadata.namespace for o in objects.values() if o.kind != "Namespace"} == {"sysagent"}


def test_an_unknown_or_mistyped_field_fails_the_load() -> None:
    ((name, ds),) = [(n, d) for n, d in documents() if d["kind"] == "DaemonSet"]
    typo = copy.deepcopy(ds)
    sc = typo["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    sc["readOnlyRootFileSystem"] = sc.pop("readOnlyRootFilesystem")
    with pytest.raises(AssertionError, match=r"unknown field.*readOnlyRootFileSystem"):
        load(typo, name)
    wrong = copy.deepcopy(ds)
    wrong["spec"]["template"]["spec"]["hostPID"] = "no"
    with pytest.raises(AssertionError, match="hostPID: expected bool"):
        load(wrong, name)


def check_locked_down(pod: Any) -> None:
    """Non-root, read-only root filesystem, no privilege escalation, every capability dropped."""
    assert pod.security_context.run_as_non_root is True
    assert pod.security_context.run_as_user not in (None, 0)
    assert pod.security_context.seccomp_profile.type == "RuntimeDefault"
    assert pod.automount_service_account_token is False
    for c in pod.containers:
        sc = c.security_context
        assert sc.read_only_root_filesystem is True
        assert sc.allow_privilege_escalation is False
        assert sc.privileged is False
        assert sc.capabilities.drop == ["ALL"] and not sc.capabilities.add
        for kind in ("requests", "limits"):
            assert set(getattr(c.resources, kind)) == {"cpu", "memory"}, (c.name, kind)


def test_the_daemonset_reads_the_node_read_only_and_is_locked_down(objects: dict[tuple[str, str], Any]) -> None:
    pod = objects["DaemonSet", "sysagent"].spec.template.spec
    check_locked_down(pod)
    (agent,) = pod.containers
    assert agent.image == f"sysagent:{sysagent.__version__}"
    volumes = {v.name: v for v in pod.volumes}
    assert volumes["hostfs"].host_path.path == "/"
    mounts = {m.name: m for m in agent.volume_mounts}
    hostfs = mounts["hostfs"]
    assert (hostfs.mount_path, hostfs.read_only, hostfs.mount_propagation) == ("/hostfs", True, "HostToContainer")
    assert [m.mount_path for m in mounts.values() if not m.read_only] == ["/var/lib/sysagent"]
    env = {e.name: e for e in agent.env}
    assert env["SYSAGENT_HOST_ROOT"].value == "/hostfs"
    assert env["K8S_NODE_NAME"].value_from.field_ref.field_path == "spec.nodeName"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"].value == "http://sysagent-gateway.sysagent.svc:4318"
    # Chosen off (the agent reads /hostfs/proc/1/net), and said so.
    assert (pod.host_network, pod.host_pid) == (False, False)
    # Runs on every node: one toleration that matches every taint.
    assert any(t.operator == "Exists" and t.key is None and t.effect is None for t in pod.tolerations)
    assert bytes_of(agent.resources.requests["memory"]) >= BENCH_RSS
    assert bytes_of(agent.resources.limits["memory"]) >= 3 * BENCH_RSS
    for probe in (agent.liveness_probe, agent.readiness_probe):
        assert (probe.http_get.path, probe.http_get.port) == ("/healthz", "metrics")
    assert pod.service_account_name in {name for kind, name in objects if kind == "ServiceAccount"}


def test_the_gateway_runs_otel_collector_gateway_yaml_and_is_locked_down(objects: dict[tuple[str, str], Any]) -> None:
    pod = objects["Deployment", "sysagent-gateway"].spec.template.spec
    check_locked_down(pod)
    (otelcol,) = pod.containers
    compose = yaml.safe_load((ROOT / "backends" / "compose.yaml").read_text())
    assert otelcol.image == compose["services"]["otelcol"]["image"]  # one Collector version everywhere
    assert otelcol.args == ["--config=/etc/sysagent/gateway.yaml"]
    data = objects["ConfigMap", "sysagent-gateway"].data
    assert data["gateway.yaml"] == (ROOT / "otel-collector" / "gateway.yaml").read_text()


def test_every_reference_resolves(objects: dict[tuple[str, str], Any]) -> None:
    """ConfigMaps, Service selectors and target ports, as the API server would resolve them."""
    workloads = [o for (kind, _), o in objects.items() if kind in ("DaemonSet", "Deployment")]
    for w in workloads:
        labels = w.spec.template.metadata.labels
        assert w.spec.selector.match_labels.items() <= labels.items()
        for v in w.spec.template.spec.volumes:
            if v.config_map:
                assert ("ConfigMap", v.config_map.name) in objects
    for (kind, name), svc in objects.items():
        if kind != "Service":
            continue
        (target,) = [w for w in workloads if svc.spec.selector.items() <= w.spec.template.metadata.labels.items()]
        ports = {p.name for c in target.spec.template.spec.containers for p in c.ports}
        assert {p.target_port for p in svc.spec.ports} <= ports, name


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((KUBE / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted({name for name, _ in documents()})
    assert kustomization["images"] == [{"name": "sysagent", "newTag": sysagent.__version__}]


def test_the_agents_config_in_the_configmap_is_valid(objects: dict[tuple[str, str], Any], tmp_path: Path) -> None:
    path = tmp_path / "sysagent.yaml"
    path.write_text(objects["ConfigMap", "sysagent"].data["sysagent.yaml"])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "sysagent", "config", "validate", str(path)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    cfg = yaml.safe_load(path.read_text())
    assert cfg["agent"]["host_root"] == "/hostfs" and cfg["agent"]["state_dir"] == "/var/lib/sysagent"
