"""The pluggy markers, kept apart so that any module can import them without cycles."""

from __future__ import annotations

import pluggy

PROJECT = "sysagent"

#: Marks a plugin's hook implementation: ``@hookimpl def sysagent_collectors(registry): ...``
hookimpl = pluggy.HookimplMarker(PROJECT)
