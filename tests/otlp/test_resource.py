"""Resource detection on a fake host root, with the OpenTelemetry environment variables."""

from __future__ import annotations

import platform
from pathlib import Path

from sysagent.hostfs import HostFS
from sysagent.resource import container_id, detect

MACHINE_ID = "0123456789abcdef0123456789abcdef"
DOCKER_ID = "a" * 12 + "0123456789abcdef" * 3 + "b" * 4


def fake_host(root: Path, machine_id: str = MACHINE_ID) -> HostFS:
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "machine-id").write_text(machine_id + "\n")
    (root / "etc" / "hostname").write_text("the-host\n")
    (root / "etc" / "os-release").write_text('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
    return HostFS(str(root))


def fake_proc(root: Path, cgroup: str = "0::/\n", mountinfo: str = "") -> str:
    root.mkdir(parents=True, exist_ok=True)
    (root / "cgroup").write_text(cgroup)
    (root / "mountinfo").write_text(mountinfo)
    return str(root)


def test_detects_host_and_service(tmp_path: Path) -> None:
    attrs = detect(fake_host(tmp_path / "h"), environ={}, self_proc=fake_proc(tmp_path / "p"))
    assert attrs["service.name"] == "sysagent"
    assert attrs["service.version"] == __import__("sysagent").__version__
    assert attrs["host.id"] == MACHINE_ID
    assert attrs["host.name"] == "the-host"
    assert attrs["os.type"] == "linux"
    assert attrs["os.description"] == f"Debian GNU/Linux 12 (bookworm) (Linux {platform.release()})"
    assert attrs["host.arch"] in {"amd64", "arm64", "arm32", "x86", "ppc64", "ppc32", "s390x", "ia64"}
    assert "container.id" not in attrs


def test_instance_id_is_stable_per_host_and_differs_between_hosts(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path / "p")
    a1 = detect(fake_host(tmp_path / "a"), environ={}, self_proc=proc)["service.instance.id"]
    a2 = detect(HostFS(str(tmp_path / "a")), environ={}, self_proc=proc)["service.instance.id"]
    b = detect(fake_host(tmp_path / "b", "f" * 32), environ={}, self_proc=proc)["service.instance.id"]
    assert a1 == a2 != b
    assert isinstance(a1, str) and len(a1) == 36 and a1[14] == "5"  # a UUIDv5


def test_environment_then_config_override(tmp_path: Path) -> None:
    env = {
        "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod,team=sre%2Cops,service.name=ignored",
        "OTEL_SERVICE_NAME": "edge-agent",
    }
    attrs = detect(
        fake_host(tmp_path / "h"), {"team": "platform", "rack": 7}, environ=env, self_proc=fake_proc(tmp_path / "p")
    )
    assert attrs["deployment.environment"] == "prod"
    assert attrs["service.name"] == "edge-agent"
    assert (attrs["team"], attrs["rack"]) == ("platform", 7)
    env_only = detect(fake_host(tmp_path / "h2"), environ=env, self_proc=fake_proc(tmp_path / "p"))
    assert env_only["team"] == "sre,ops"


def test_a_malformed_resource_variable_is_ignored_whole(tmp_path: Path) -> None:
    env = {"OTEL_RESOURCE_ATTRIBUTES": "good=1,broken"}
    attrs = detect(fake_host(tmp_path / "h"), environ=env, self_proc=fake_proc(tmp_path / "p"))
    assert "good" not in attrs and "broken" not in attrs


def test_container_id_from_cgroup_v1_v2_and_mountinfo(tmp_path: Path) -> None:
    v1 = fake_proc(tmp_path / "v1", f"12:memory:/docker/{DOCKER_ID}\n1:cpu:/docker/{DOCKER_ID}\n")
    v2 = fake_proc(tmp_path / "v2", f"0::/system.slice/docker-{DOCKER_ID}.scope\n")
    mounts = (
        f"612 590 254:1 /var/lib/docker/containers/{DOCKER_ID}/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw\n"
    )
    ns = fake_proc(tmp_path / "ns", "0::/\n", mounts)
    vm = fake_proc(tmp_path / "vm", "4:memory:/process_api/6cfe03aa40cc851e0d7fe1e2db88ccef\n0::/\n")
    assert container_id(v1) == container_id(v2) == container_id(ns) == DOCKER_ID
    assert container_id(vm) == ""
    attrs = detect(fake_host(tmp_path / "h"), environ={}, self_proc=v2)
    assert attrs["container.id"] == DOCKER_ID
