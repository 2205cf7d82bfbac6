"""The resource every batch carries: which host and which agent the metrics describe.

Detected attributes come first, then ``OTEL_RESOURCE_ATTRIBUTES`` and
``OTEL_SERVICE_NAME`` (as in every OpenTelemetry SDK), then ``agent.resource``
from the config, each overriding the one before. Host facts are read under the
host root, so an agent in a container with the host mounted describes the host;
``container.id`` describes where the agent itself runs.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import socket
import urllib.parse
import uuid
from collections.abc import Mapping

from sysagent._version import __version__
from sysagent.hostfs import HostFS
from sysagent.model import AttrValue

log = logging.getLogger(__name__)

#: The namespace the semantic conventions give for UUIDv5 service.instance.id values.
_INSTANCE_NS = uuid.UUID("4d63009a-8d0f-11ee-aad7-4c796ed8e320")
#: platform.machine() to the semantic conventions' host.arch values.
_ARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv7l": "arm32",
    "armv6l": "arm32",
    "i386": "x86",
    "i686": "x86",
    "ppc64le": "ppc64",
    "ppc64": "ppc64",
    "ppc": "ppc32",
    "s390x": "s390x",
    "ia64": "ia64",
}
_CONTAINER_ID = re.compile(r"(?<![0-9a-f])([0-9a-f]{64})(?![0-9a-f])")
_MACHINE_ID = re.compile(r"^[0-9a-f]{32}$")
#: Files the runtime bind-mounts into each container from its own folder for that
#: container (.../containers/ID/hostname, .../overlay-containers/ID/userdata/hosts).
_RUNTIME_FILES = frozenset(("/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/run/.containerenv"))
_RUNTIME_DIR = re.compile(r"(?:containers|sandboxes)/([0-9a-f]{64})(?:/|$)")


def detect(
    host: HostFS,
    extra: Mapping[str, AttrValue] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    self_proc: str = "/proc/self",
) -> dict[str, AttrValue]:
    """The agent's resource attributes (see the module docstring for the order)."""
    env = os.environ if environ is None else environ
    machine_id = _machine_id(host)
    host_name = (_first_line(host.resolve("/etc/hostname")) if host.root != "/" else "") or socket.gethostname()
    attrs: dict[str, AttrValue] = {
        "service.name": "sysagent",
        "service.version": __version__,
        "service.instance.id": str(uuid.uuid5(_INSTANCE_NS, f"sysagent:{machine_id or host_name}")),
        "host.name": host_name,
    }
    if machine_id:
        attrs["host.id"] = machine_id
    machine = platform.machine().lower()
    attrs["host.arch"] = _ARCH.get(machine, machine)
    attrs["os.type"] = "linux"
    attrs["os.description"] = _os_description(host)
    container = container_id(self_proc)
    if container:
        attrs["container.id"] = container
    attrs.update(parse_resource_attributes(env.get("OTEL_RESOURCE_ATTRIBUTES", "")))
    service_name = env.get("OTEL_SERVICE_NAME", "").strip()
    if service_name:
        attrs["service.name"] = service_name
    if extra:
        attrs.update(extra)
    return attrs


def parse_resource_attributes(text: str) -> dict[str, str]:
    """``OTEL_RESOURCE_ATTRIBUTES``: ``k=v,k2=v2`` with percent-encoded values.

    As the OpenTelemetry specification asks, a malformed value is discarded whole
    (with a warning) rather than applied in part.
    """
    attrs: dict[str, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            log.warning("OTEL_RESOURCE_ATTRIBUTES is not a list of key=value pairs; ignoring it")
            return {}
        try:
            attrs[key.strip()] = urllib.parse.unquote(value.strip(), errors="strict")
        except UnicodeDecodeError:
            log.warning("OTEL_RESOURCE_ATTRIBUTES has a value that is not percent-encoded UTF-8; ignoring it")
            return {}
    return attrs


def container_id(self_proc: str = "/proc/self") -> str:
    """The id of the container the agent runs in, from its cgroup or mounts; "" when none."""
    cgroup = _read(os.path.join(self_proc, "cgroup"))
    for line in cgroup.splitlines():
        path = line.split(":", 2)[-1]
        match = _CONTAINER_ID.search(path)
        if match:
            return match.group(1)
    # cgroup v2 with a private cgroup namespace shows "0::/": the files the runtime
    # bind-mounts (/etc/hostname...) still name it. Only those: with the host's /
    # mounted at /hostfs, mountinfo also lists other containers' mounts under it.
    found = ""
    for line in _read(os.path.join(self_proc, "mountinfo")).splitlines():
        f = line.split(" ")
        if len(f) > 4 and f[4] in _RUNTIME_FILES:
            match = _RUNTIME_DIR.search(f[3])
            if match and (not found or "containers/" in match.group(0)):
                found = match.group(1)  # a container's own folder wins over its pod sandbox's
    return found


def _machine_id(host: HostFS) -> str:
    """The host's /etc/machine-id (or the D-Bus copy), if it holds a valid id.

    "uninitialized" (systemd's first boot) and empty files are not ids. Under a
    host root, Debian's /var/lib/dbus/machine-id (a link to /etc/machine-id) is
    followed inside the root, not to the container's own file.
    """
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        value = _first_line(host.resolve(path)).lower()
        if _MACHINE_ID.match(value):
            return value
    return ""


def _os_description(host: HostFS) -> str:
    release = _read(host.resolve("/etc/os-release")) or _read(host.resolve("/usr/lib/os-release"))
    pretty = ""
    for line in release.splitlines():
        if line.startswith("PRETTY_NAME="):
            pretty = line.partition("=")[2].strip().strip("\"'")
    kernel = f"Linux {platform.release()}"
    return f"{pretty} ({kernel})" if pretty else kernel


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read(1 << 16)
    except OSError:
        return ""


def _first_line(path: str) -> str:
    """The first line that is not empty or a comment (hostname(5) allows ``#`` comments)."""
    for line in _read(path).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return line
    return ""
