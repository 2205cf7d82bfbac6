"""The ``oci`` collector: attached volumes from the Core API joined with the host's mounts.

Per volume (``source=block-volume-api``): allocated size, VPUs per GB, lifecycle
status. Per mount on a volume (``source=statvfs``): bytes used. Both carry
``oci.volume.id`` (the join key), ``oci.volume.type`` and ``oci.volume.name``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator

from sysagent import PluginContext
from sysagent_oci import identity
from sysagent_oci import metrics as m
from sysagent_oci.api import Volume, VolumeApi, describe
from sysagent_oci.auth import make_clients, resolve_mode
from sysagent_oci.mounts import HostDisks, used_bytes
from sysagent_oci.settings import OciSettings

log = logging.getLogger("sysagent.oci")

Row = tuple[str, float, dict[str, str]]


class OciVolumeCollector:
    """See the module docstring. ``statvfs`` is the machine's (tests pass a fake)."""

    metrics = m.ALL

    def __init__(
        self, settings: OciSettings, ctx: PluginContext, statvfs: Callable[[str], os.statvfs_result] = os.statvfs
    ) -> None:
        self.settings = settings
        self.host = ctx.host
        self.disks = HostDisks(ctx.host)
        self.statvfs = statvfs
        self.mode = resolve_mode(settings, ctx.host)
        self.instance = identity.from_settings(settings)
        self.api: VolumeApi | None = None
        self._logged: set[str] = set()

    def collect(self) -> list[Row]:
        if self.mode is None:  # logged at the first collection, when the agent's logging is set up
            self._once("no OCI config file and not an OCI instance: not collecting volumes", logging.INFO)
            return []
        if self.instance is None:
            try:
                self.instance = identity.fetch(self.settings.metadata_url)
            except identity.MetadataError as e:
                self._once(str(e))
                return []
        if self.api is None:
            try:
                clients = make_clients(self.settings, self.mode, self.instance.region)
            except Exception as e:  # the SDK's errors have no common base; one line whatever it is
                self._once(f"cannot set up {self.mode} auth: {describe(e)}")
                return []
            self.api = VolumeApi(clients.compute, clients.blockstorage, self.settings.max_api_calls)
        inst = self.instance
        volumes = self.api.refresh(inst.id, inst.compartment_id, inst.availability_domain)
        return list(self._rows(volumes))

    def _rows(self, volumes: list[Volume]) -> Iterator[Row]:
        mounts = self.disks.mounts()
        on_disks = self.disks.mount_disks(mounts)
        root_disks = on_disks.get("/", set())
        for vol in volumes:
            base = {"oci.volume.id": vol.id, "oci.volume.type": vol.type}
            if vol.name:
                base["oci.volume.name"] = vol.name
            disks = self.disks.volume_disk(vol, root_disks)
            api = {**base, "source": m.SOURCE_API}
            if disks:
                api["system.device"] = ",".join(sorted(disks))
            if vol.size_bytes is not None:
                yield (m.LIMIT.name, vol.size_bytes, api)
            if vol.vpus_per_gb is not None:
                yield (m.VPUS.name, vol.vpus_per_gb, api)
            if vol.state:
                for state in (*m.STATES, *([vol.state] if vol.state not in m.STATES else [])):
                    yield (m.STATUS.name, int(state == vol.state), {**api, "oci.volume.state": state})
            for mount in mounts:
                if not disks & on_disks[mount.mountpoint]:
                    continue
                try:
                    used = used_bytes(self.host, mount.mountpoint, self.statvfs)
                except OSError as e:
                    self._once(f"statvfs {mount.mountpoint}: {e.strerror or e}")
                    continue
                yield (
                    m.USAGE.name,
                    used,
                    {
                        **base,
                        "source": m.SOURCE_STATVFS,
                        "system.device": mount.device,
                        "system.filesystem.mountpoint": mount.mountpoint,
                        "system.filesystem.type": mount.fstype,
                    },
                )

    def _once(self, message: str, level: int = logging.WARNING) -> None:
        if message not in self._logged:
            self._logged.add(message)
            log.log(level, "oci: %s", message)
