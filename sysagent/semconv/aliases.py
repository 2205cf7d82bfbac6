"""Spellings that the conventions replace with an enum member, and the function collectors use.

``system.filesystem.type`` has members (fat32, exfat, ntfs, refs, hfsplus, ext4)
that MUST be used where one applies; every other type passes as the OS names
it. The kernel and psutil name some of those types differently: Linux mounts
FAT32 as ``vfat`` (or ``msdos``) and NTFS as ``ntfs3`` (or ``ntfs`` / ``fuseblk``
through ntfs-3g, which cannot be told from other FUSE block filesystems);
Windows says ``NTFS``, ``FAT32``, ``exFAT``, ``ReFS``. No YAML here: collectors
import this on every start.
"""

from __future__ import annotations

#: The members of system.filesystem.type in the v1.44.0 model.
FILESYSTEM_TYPES = frozenset(("fat32", "exfat", "ntfs", "refs", "hfsplus", "ext4"))

#: attribute -> {spelling seen in the wild: the member to use instead}
ENUM_ALIASES: dict[str, dict[str, str]] = {
    "system.filesystem.type": {"vfat": "fat32", "msdos": "fat32", "fat": "fat32", "ntfs3": "ntfs", "hfs+": "hfsplus"},
}

#: Enums whose non-member values are allowed (the model lists a few common ones).
OPEN_ENUMS = frozenset(("system.filesystem.type",))

_FS = ENUM_ALIASES["system.filesystem.type"]


def filesystem_type(name: str) -> str:
    """The ``system.filesystem.type`` value for an OS's filesystem type name (``vfat`` -> ``fat32``)."""
    low = name.lower()
    member = _FS.get(low)
    if member is not None:
        return member
    return low if low in FILESYSTEM_TYPES else name
