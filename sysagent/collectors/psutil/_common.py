"""What the psutil collectors share: the psutil module for a context, platform flags, boot time."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

from sysagent.model import AttrKey
from sysagent.registry import PluginContext

#: What the collectors return: ``(name, value, attributes)``.
Obs = tuple[str, float, AttrKey]

LINUX = sys.platform.startswith("linux")
WINDOWS = sys.platform == "win32"
MACOS = sys.platform == "darwin"


def load_psutil(ctx: PluginContext, fake: Any = None) -> Any:
    """The psutil module (or the test's fake of it), pointed at the host's /proc on Linux.

    psutil's documented ``PROCFS_PATH`` is process-wide: it is set to
    ``{host_root}/proc`` every time (``/proc`` without a host root), so an agent
    reads the /proc of its own host root, not whatever an earlier agent in the
    same process (a reload, a test) set.
    """
    if fake is not None:
        return fake
    import psutil

    if LINUX:
        psutil.PROCFS_PATH = ctx.host.proc
    return psutil


def boot_time_ns(ps: ModuleType | Any) -> int:
    """When the host booted, in ns since the epoch (0 if psutil cannot tell)."""
    try:
        return int(ps.boot_time() * 1_000_000_000)
    except (OSError, RuntimeError, AttributeError):
        return 0
