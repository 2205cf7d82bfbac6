"""The metrics this plugin emits. The conventions (v1.44.0) have no cloud volume metrics,
so the names follow their patterns (``*.limit`` / ``*.usage`` as in system.filesystem.* and
hw.logical_disk.*, ``*.status`` with a state attribute as in hw.status); see the README.
"""

from __future__ import annotations

from sysagent import gauge, updowncounter

#: Allocated size of the volume, from the Block Volume API (sizeInGBs, binary GB).
LIMIT = updowncounter("oci.volume.limit", "By", "Allocated size of the volume (Block Volume API)", integer=True)
#: Bytes used on each filesystem mounted from the volume, from statvfs.
USAGE = updowncounter("oci.volume.usage", "By", "Space used on a filesystem of the volume (statvfs)", integer=True)
VPUS = gauge("oci.volume.vpus_per_gb", "{vpu}/GiBy", "Performance units per GB (Block Volume API)", integer=True)
STATUS = updowncounter("oci.volume.status", "1", "1 for the volume's lifecycle state, 0 for the others", integer=True)

ALL = (LIMIT, USAGE, VPUS, STATUS)

#: Lifecycle states of Volume and BootVolume in the Core API, lower-cased.
STATES = ("provisioning", "restoring", "available", "terminating", "terminated", "faulty")

SOURCE_API = "block-volume-api"
SOURCE_STATVFS = "statvfs"
