"""The built-in host collectors: one module per collector, each an ordinary plugin.

Each module has a ``@hookimpl sysagent_collectors(registry)`` that registers one
collector with its settings model and default interval. The modules here are
the procfs backend: they read the kernel's files under ``agent.host_root`` (see
:mod:`sysagent.hostfs`), once per cycle, and keep no previous values: rates and
utilizations of counters come from the runner. ``psutil/`` holds the psutil
backend, a collector per file; ``agent.backend`` picks one (see
:mod:`._backend`), and both emit the declarations of :mod:`._specs`.
"""

from __future__ import annotations

#: Built-in collector plugins, in load order (the order of their batches).
BUILTIN_COLLECTORS: tuple[str, ...] = (
    "sysagent.collectors.host",
    "sysagent.collectors.cpu",
    "sysagent.collectors.load",
    "sysagent.collectors.memory",
    "sysagent.collectors.paging",
    "sysagent.collectors.filesystem",
    "sysagent.collectors.disk",
    "sysagent.collectors.network",
    "sysagent.collectors.connections",
    "sysagent.collectors.system",
)

__all__ = ["BUILTIN_COLLECTORS"]
