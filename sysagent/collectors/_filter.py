"""Include/exclude lists of glob patterns, for devices, interfaces, mounts and types.

A name passes a :class:`NameFilter` when it matches an ``include`` pattern (or
``include`` is empty) and no ``exclude`` pattern. Patterns are shell globs
(``fnmatch``: ``*`` also matches ``/``), matched case-sensitively against the
whole name. Setting ``exclude`` in the config replaces the collector's default list.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence

from sysagent.settings import PluginSettings


class NameFilter(PluginSettings):
    """``{include: [...], exclude: [...]}``: glob patterns; empty ``include`` means all."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def matcher(self) -> Matcher:
        """A compiled matcher (build it once, in the collector's constructor)."""
        return Matcher(self.include, self.exclude)


def _compile(patterns: Sequence[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))


class Matcher:
    """Decides names against compiled patterns, remembering each name's answer.

    Names (devices, interfaces, mountpoints) repeat every cycle, so the answer
    is cached; the cache holds facts about names, never values.
    """

    __slots__ = ("_cache", "_exclude", "_include")

    def __init__(self, include: Sequence[str], exclude: Sequence[str]) -> None:
        self._include = _compile(include)
        self._exclude = _compile(exclude)
        self._cache: dict[str, bool] = {}

    def __call__(self, name: str) -> bool:
        ok = self._cache.get(name)
        if ok is None:
            ok = (self._include is None or self._include.match(name) is not None) and (
                self._exclude is None or self._exclude.match(name) is None
            )
            if len(self._cache) > 4096:  # names that never repeat must not grow it forever
                self._cache.clear()
            self._cache[name] = ok
        return ok
