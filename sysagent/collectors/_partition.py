"""Whether a block device is a partition, for the disk collectors of both backends.

By default only whole disks are reported (a partition's I/O is also its disk's).
``/sys/class/block/NAME/partition`` exists for partitions; without /sys (or for
a name it does not know) the usual partition names are recognised.
"""

from __future__ import annotations

import os
import re

#: Names of partitions, for when /sys/class/block is not there to ask.
PARTITION_NAME = re.compile(r"^(?:(?:h|s|v|xv)d[a-z]+\d+|(?:nvme\d+n\d+|mmcblk\d+)p\d+)$")


def looks_like_partition(sys_block: str, name: str) -> bool:
    """True for a partition; ``sys_block`` is the host's ``/sys/class/block``."""
    base = os.path.join(sys_block, name)
    if os.path.isdir(base):
        return os.path.exists(os.path.join(base, "partition"))
    return PARTITION_NAME.match(name) is not None
