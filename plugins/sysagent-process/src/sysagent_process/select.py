"""Include/exclude of processes by executable name or by a regular expression on the command line."""

from __future__ import annotations

import re
from collections.abc import Callable

from sysagent_process.settings import ProcessMatch


def _regex(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


class Selector:
    """Decides whether a process is a candidate. The command line is read only when a
    pattern needs it (it costs a read of /proc/PID/cmdline per process)."""

    __slots__ = ("_exc_names", "_exc_re", "_inc_names", "_inc_re", "_include_all", "needs_command_line")

    def __init__(self, include: ProcessMatch, exclude: ProcessMatch) -> None:
        self._include_all = include.empty
        self._inc_names = frozenset(include.names)
        self._inc_re = _regex(include.patterns)
        self._exc_names = frozenset(exclude.names)
        self._exc_re = _regex(exclude.patterns)
        self.needs_command_line = bool(include.patterns or exclude.patterns)

    @property
    def selects_all(self) -> bool:
        return self._include_all and not self._exc_names and self._exc_re is None

    def __call__(self, name: str, command_line: Callable[[], str]) -> bool:
        if name in self._exc_names:
            return False
        line = command_line() if self.needs_command_line else ""
        if self._exc_re is not None and self._exc_re.search(line):
            return False
        if self._include_all or name in self._inc_names:
            return True
        return self._inc_re is not None and self._inc_re.search(line) is not None
