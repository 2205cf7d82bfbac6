"""A plugin with a misspelled hook name: start-up must fail loudly."""

from __future__ import annotations

from sysagent import Registry, hookimpl


@hookimpl
def sysagent_colectors(registry: Registry) -> None:
    pass
