"""The agent image, built by deploy/build.sh and run for real with buildah.

It is small, labelled, runs as a non-root user with no shell or package manager,
reports a fake host mounted at /hostfs exactly (64 GiB, 48 CPUs, a 2 TiB /data),
and, run against the real Collector and Prometheus on loopback with this
machine's / at /hostfs, delivers this host's series under this host's name.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import host_tree
import pytest
from buildah_run import ROOT, build_image, container
from e2e._backends import Prometheus
from e2e._http import free_ports
from e2e._stack import Stack
from host_checks import check_fake_host, values

import sysagent

pytestmark = pytest.mark.e2e
UID = 65532
MAX_BYTES = 120 * 1000 * 1000
#: What `podman diff` may show after a run: files and mount targets the runtime makes.
RUNTIME_PATHS = {"/etc", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/proc", "/sys", "/dev", "/run", "/hostfs"}


@pytest.fixture(scope="session")
def image() -> str:
    return build_image()


@pytest.fixture
def fake_host(tmp_path: Path) -> Iterator[Path]:
    """host_tree's fake host with a real 2 TiB filesystem at /data (a tmpfs of that size: it takes no memory)."""
    yield from _mounted(host_tree.make(tmp_path / "host"))


@pytest.fixture
def hidden_pid1_host(tmp_path: Path) -> Iterator[Path]:
    """The same host seen through a /proc mounted with hidepid: /proc/1 is not there."""
    yield from _mounted(host_tree.make(tmp_path / "host", with_pid1=False))


def _mounted(root: Path) -> Iterator[Path]:
    data = str(root / "data")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2T,mode=0755", "sysagent-test", data], check=True)
    try:
        yield root
    finally:
        subprocess.run(["umount", "--lazy", data], check=False)


def test_image_is_small_labelled_non_root_and_checks_its_health(image: str) -> None:
    out = subprocess.run(["podman", "image", "inspect", image], capture_output=True, text=True, check=True)
    info = json.loads(out.stdout)[0]
    config = info["Config"]
    print(f"\n{image}: {info['Size'] / 1e6:.1f} MB, {len(info['RootFS']['Layers'])} layer(s)")
    assert info["Size"] <= MAX_BYTES
    assert config["User"] == f"{UID}:{UID}"
    assert (config["Entrypoint"], config["Cmd"]) == (["sysagent"], ["run"])
    assert "/var/lib/sysagent" in config["Volumes"]
    labels = config["Labels"]
    assert labels["org.opencontainers.image.version"] == sysagent.__version__
    assert labels["org.opencontainers.image.licenses"] == "Apache-2.0"
    assert labels["org.opencontainers.image.source"].startswith("https://")
    assert info["Healthcheck"]["Test"] == ["CMD", "python3", "/etc/sysagent/healthcheck.py"]


def test_image_has_no_shell_package_manager_or_compiler(image: str) -> None:
    forbidden = {
        "sh",
        "bash",
        "dash",
        "apt",
        "apt-get",
        "dpkg",
        "pip",
        "pip3",
        "gcc",
        "cc",
        "g++",
        "ld",
        "make",
        "perl",
    }
    with container(image) as c:
        mount = subprocess.run(["buildah", "mount", c.name], capture_output=True, text=True, check=True).stdout.strip()
        try:
            found = {name for _, dirs, files in os.walk(mount) for name in files + dirs}
            assert not found & forbidden
            assert not any(name.startswith(("pip-", "setuptools")) for name in found)
        finally:
            subprocess.run(["buildah", "umount", c.name], capture_output=True, check=False)
        assert c.run(["python3", "-c", "import os; print(os.getuid(), os.getgid())"]).stdout.split() == [str(UID)] * 2


def test_snapshot_in_the_container_reports_the_fake_host_exactly(image: str, fake_host: Path) -> None:
    with container(image) as c:
        done = c.run(
            ["sysagent", "snapshot", "--format", "json"],
            volumes=[f"{fake_host}:/hostfs:ro"],
            env={"SYSAGENT_HOST_ROOT": "/hostfs"},
        )
    assert done.returncode == 0, done.stderr
    snap = json.loads(done.stdout)
    print("\nresource:", json.dumps(snap["resource"], sort_keys=True))
    # Non-root: /hostfs/boot is root's only, so /boot/efi is skipped; the runtime mounts are left out.
    data = {"system.device": "/dev/sdb1", "system.filesystem.type": "ext4", "limit": 2 * host_tree.TIB}
    check_fake_host(snap, mountpoints={"/", "/data"}, data=data)
    assert "Traceback" not in done.stderr


def test_snapshot_with_pid1_hidden_reads_the_own_mount_table_without_doubling_the_prefix(
    image: str, hidden_pid1_host: Path
) -> None:
    with container(image) as c:
        done = c.run(
            ["sysagent", "snapshot", "--format", "json"],
            volumes=[f"{hidden_pid1_host}:/hostfs:ro"],
            env={"SYSAGENT_HOST_ROOT": "/hostfs"},
        )
    assert done.returncode == 0, done.stderr
    snap = json.loads(done.stdout)
    assert values(snap, "system.filesystem.usage", "system.filesystem.mountpoint") == {"/", "/data"}
    data = [
        p for m in snap["metrics"] if m["name"] == "system.filesystem.usage" for p in m["points"]
        if p["attributes"]["system.filesystem.mountpoint"] == "/data"
    ]  # fmt: skip
    size = sum(p["value"] for p in data)  # system.filesystem.limit is opt-in: the states add up to the size
    assert (data[0]["attributes"]["system.filesystem.type"], size) == ("tmpfs", 2 * host_tree.TIB)
    assert "/hostfs" not in done.stdout
    assert "host networking" in done.stderr  # the network warning: pid 1's namespace could not be read


def host_name() -> str:
    """This machine's name as its /etc/hostname says (what the agent in the container must report)."""
    try:
        lines = [ln.strip() for ln in Path("/etc/hostname").read_text().splitlines()]
        return next(ln for ln in lines if ln and not ln.startswith("#"))
    except (OSError, StopIteration):
        return socket.gethostname()


@pytest.fixture(scope="module")
def backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The real gateway Collector and Prometheus on free loopback ports (scripts/stack.sh, as tests/e2e do)."""
    out = subprocess.run([str(ROOT / "otel-collector" / "build.sh")], capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, out.stderr[-4000:]
    stack = Stack.allocate(tmp_path_factory.mktemp("stack"), SYSAGENT_OTELCOL_BIN=out.stdout.strip().splitlines()[-1])
    try:
        stack.run("start", "prometheus", "otelcol")
        yield stack
    finally:
        stack.run("stop", "prometheus", "otelcol")


def test_the_containers_agent_delivers_the_hosts_series_under_the_hosts_name(
    image: str, backends: Stack, tmp_path: Path
) -> None:
    run_id = f"image-{uuid.uuid4().hex[:10]}"
    state = tmp_path / "state"
    state.mkdir()
    os.chown(state, UID, UID)
    status_port, metrics_port = free_ports(2)
    env = {
        "SYSAGENT_HOST_ROOT": "/hostfs",
        "OTEL_EXPORTER_OTLP_ENDPOINT": backends.otlp_http,
        "OTEL_RESOURCE_ATTRIBUTES": f"deployment.environment.name={run_id}",
        "SYSAGENT_STATUS_PORT": str(status_port),
        "SYSAGENT_PROMETHEUS_PORT": str(metrics_port),
        # buildah 1.28 mounts the image's anonymous VOLUME and a bind on the same path in
        # no fixed order (a bind on /var/lib/sysagent was hidden in some runs): bind elsewhere
        "SYSAGENT_STATE_DIR": "/run/sysagent-state",
    }
    prom = Prometheus(backends.prometheus_url)
    sel = f'deployment_environment_name="{run_id}"'
    with container(image) as c, open(tmp_path / "agent.log", "wb") as log:
        own_name = c.run(["python3", "-c", "import socket; print(socket.gethostname())"]).stdout.strip()
        assert own_name != host_name()  # the container has a name of its own: reporting it would be wrong
        cmd = c.command(
            ["sysagent", "run"], volumes=["/:/hostfs:ro,rslave"], binds={"/run/sysagent-state": str(state)}, env=env
        )
        agent = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            memory = prom.wait(f"system_memory_usage_bytes{{{sel}}}", timeout=90)
            assert {s.labels["host_name"] for s in memory} == {host_name()}
            root = prom.wait(f'system_filesystem_usage_bytes{{{sel}, system_filesystem_mountpoint="/"}}', timeout=90)
            st = os.statvfs("/")
            assert sum(s.value for s in root) == st.f_blocks * st.f_frsize  # used + free + reserved
            series = prom.series(f"{{{sel}}}")
            names = sorted({s["__name__"] for s in series})
            print(f"\n{len(series)} series from the container reached Prometheus, host_name={host_name()!r}:")
            print(" ", ", ".join(names))
            health = c.run(["python3", "/etc/sysagent/healthcheck.py"], env={"SYSAGENT_STATUS_PORT": str(status_port)})
            assert health.returncode == 0, health.stderr
        finally:
            agent.terminate()
            agent.wait(30)
        assert agent.returncode is not None, (tmp_path / "agent.log").read_text()
        down = c.run(["python3", "/etc/sysagent/healthcheck.py"], env={"SYSAGENT_STATUS_PORT": str(status_port)})
        assert down.returncode == 1  # no agent answering: unhealthy
        assert any(state.iterdir()), "the agent kept no state in its volume"
        changed = {line.split(" ", 1)[1] for line in c.diff() if line.strip()}
        allowed = RUNTIME_PATHS | {"/run", "/run/sysagent-state"}  # the bind's mountpoint, made by buildah
        assert changed <= allowed, f"the agent wrote outside its state volume: {changed - allowed}"
