"""The entry point: registers the ``oci`` collector (default interval 5 minutes).

Volume sizes and performance change rarely and the Core API is rate-limited per
tenancy, so this collector runs far less often than the host collectors.
"""

from __future__ import annotations

from sysagent import Registry, hookimpl
from sysagent_oci.collector import OciVolumeCollector
from sysagent_oci.settings import OciSettings

INTERVAL = 300.0
TIMEOUT = 120.0


@hookimpl
def sysagent_collectors(registry: Registry) -> None:
    registry.add_collector("oci", OciVolumeCollector, settings=OciSettings, interval=INTERVAL, timeout=TIMEOUT)
