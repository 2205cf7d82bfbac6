"""Load averages over 1, 5 and 15 minutes from ``psutil.getloadavg``.

Windows has no load average (psutil emulates one from the processor queue
length, starting a thread and reporting zeros for its first seconds): there
this collector declares and emits nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sysagent.model import MetricSpec
from sysagent.registry import PluginContext

from .._settings import LoadSettings
from .._specs import LOAD_1M, LOAD_5M, LOAD_15M
from ._common import WINDOWS, Obs, load_psutil


class Collector:
    """Calls ``psutil.getloadavg`` (not on Windows)."""

    def __init__(self, settings: LoadSettings, ctx: PluginContext, psutil: Any = None, windows: bool = WINDOWS) -> None:
        self.settings = settings
        self._ps = load_psutil(ctx, psutil)
        self._windows = windows
        self.metrics: tuple[MetricSpec, ...] = () if windows else (LOAD_1M, LOAD_5M, LOAD_15M)

    def collect(self) -> Iterable[Obs]:
        if self._windows:
            return ()
        one, five, fifteen = self._ps.getloadavg()
        return (
            ("system.cpu.load_average.1m", float(one), ()),
            ("system.cpu.load_average.5m", float(five), ()),
            ("system.cpu.load_average.15m", float(fifteen), ()),
        )
