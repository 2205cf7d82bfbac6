"""Which backend builds a built-in collector: procfs (Linux's /proc and /sys) or psutil.

``agent.backend`` is ``auto`` (procfs on Linux, psutil elsewhere), ``procfs`` or
``psutil``. Each built-in collector registers one factory under its usual name
(``cpu``, ``memory``, ...) with one settings model; the factory reads the backend
from the config in its :class:`~sysagent.registry.PluginContext` and builds the
procfs class or the class of the same-named module of :mod:`sysagent.collectors.psutil`
(imported only then, so psutil is imported only by a psutil backend).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from sysagent.registry import Factory, PluginContext

BACKENDS = ("auto", "procfs", "psutil")


def resolve(backend: str, platform: str = sys.platform) -> str:
    """``procfs`` or ``psutil`` for a configured backend on ``platform``."""
    if backend == "auto":
        return "procfs" if platform.startswith("linux") else "psutil"
    return backend


def backend_of(ctx: PluginContext) -> str:
    """The resolved backend of a context (a context without a config gets ``auto``)."""
    agent = getattr(ctx.config, "agent", None)
    return resolve(getattr(agent, "backend", "auto"))


def choose(name: str, procfs: type[Any]) -> Factory:
    """A factory building ``procfs`` or ``sysagent.collectors.psutil.<name>.Collector``.

    Keyword arguments (a fake ``statvfs`` in tests) pass through.
    """

    def factory(settings: Any, ctx: PluginContext, **kwargs: Any) -> Any:
        if backend_of(ctx) == "psutil":
            module = importlib.import_module(f"sysagent.collectors.psutil.{name}")
            return module.Collector(settings, ctx, **kwargs)
        if not sys.platform.startswith("linux"):
            raise ValueError("agent.backend: procfs reads Linux's /proc; use auto or psutil on this system")
        return procfs(settings, ctx, **kwargs)

    factory.__doc__ = procfs.__doc__
    factory.__qualname__ = factory.__name__ = f"{name}_collector"
    return factory
