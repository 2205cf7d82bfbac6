"""Uptime and process counts by state from ``psutil.boot_time`` and ``psutil.process_iter``.

``system.uptime`` is now minus ``psutil.boot_time()`` (whole seconds on Linux,
so it can differ from /proc/uptime by up to a second). With
``process_states: all`` the processes are walked (``process_iter`` with only
``status``) and counted as the procfs collector counts them: running, sleeping
(also disk-sleep, idle, waiting, parked), stopped (also tracing-stop) and
defunct (zombie). psutil has no cheap count of running tasks nor of processes
created since boot, so with ``process_states: running`` (the default) no
``system.process.count`` is reported, and ``system.process.created`` never is.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from sysagent.registry import PluginContext

from .._settings import SystemSettings
from .._specs import PROCESS_COUNT, PROCESS_STATE_ATTRS, PROCESS_STATES, UPTIME
from ._common import Obs, load_psutil

#: psutil's status constants -> process.state (dead, being torn down, is not counted).
PSUTIL_STATUSES = {
    "running": "running", "sleeping": "sleeping", "disk-sleep": "sleeping", "idle": "sleeping",
    "waiting": "sleeping", "parked": "sleeping", "wake-kill": "sleeping", "waking": "sleeping", "locked": "sleeping",
    "stopped": "stopped", "tracing-stop": "stopped", "zombie": "defunct",
}  # fmt: skip


class Collector:
    """Calls ``psutil.boot_time`` (and walks processes with ``process_states: all``)."""

    def __init__(self, settings: SystemSettings, ctx: PluginContext, psutil: Any = None) -> None:
        self.settings = settings
        self._ps = load_psutil(ctx, psutil)
        self._walk = settings.process_states == "all"
        self.metrics = (UPTIME, PROCESS_COUNT) if self._walk else (UPTIME,)

    def collect(self) -> Iterable[Obs]:
        out: list[Obs] = [("system.uptime", time.time() - self._ps.boot_time(), ())]
        if self._walk:
            counts = dict.fromkeys(PROCESS_STATES, 0)
            for p in self._ps.process_iter(["status"]):
                state = PSUTIL_STATUSES.get(p.info.get("status") or "")
                if state is not None:
                    counts[state] += 1
            out += [("system.process.count", n, PROCESS_STATE_ATTRS[s]) for s, n in counts.items()]
        return out
