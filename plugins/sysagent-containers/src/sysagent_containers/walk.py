"""Finding the cgroups to report: containers, shallow slices, and configured paths.

Each hierarchy is walked breadth-first to ``max_depth``. A container's cgroup is
not descended into (its children are the container's own business).
"""

from __future__ import annotations

import os
import re

from sysagent import HostFS
from sysagent_containers.identify import Container, container_of
from sysagent_containers.layout import Layout, Parts
from sysagent_containers.settings import ContainersSettings


def path_glob(pattern: str) -> str:
    """A regex for a cgroup path glob: ``*`` and ``?`` stay within one path part, ``**``
    spans parts (``/batch/*`` is the children of /batch, ``/batch/**`` all below it)."""
    out = []
    for token in re.split(r"(\*\*|\*|\?)", pattern):
        out.append({"**": ".*", "*": "[^/]*", "?": "[^/]"}.get(token) or re.escape(token))
    return "".join(out) + r"\Z"


class Walker:
    """Returns ``{cgroup path parts: Container or None}`` for one cycle."""

    def __init__(self, host: HostFS, layout: Layout, settings: ContainersSettings) -> None:
        self.host = host
        self.layout = layout
        self.settings = settings
        pattern = "|".join(f"(?:{path_glob(p)})" for p in settings.paths)
        self._paths = re.compile(pattern) if pattern else None
        #: cgroups found beyond ``max_cgroups`` in the last walk (left out)
        self.dropped = 0

    def _wanted_path(self, parts: Parts) -> bool:
        return self._paths is not None and self._paths.match("/" + "/".join(parts)) is not None

    def walk(self) -> dict[Parts, Container | None]:
        found: dict[Parts, Container | None] = {}
        if self._wanted_path(()):
            found[()] = None
        for hierarchy in self.layout.hierarchies:
            self._walk_one(hierarchy, found)
        limit = self.settings.max_cgroups
        self.dropped = max(0, len(found) - limit)
        if self.dropped:
            found = dict(sorted(found.items())[:limit])
        return found

    def _walk_one(self, hierarchy: Parts, found: dict[Parts, Container | None]) -> None:
        s = self.settings
        level: list[Parts] = [()]
        for depth in range(1, s.max_depth + 1):
            below: list[Parts] = []
            for parent in level:
                try:
                    with os.scandir(self.host.path(*hierarchy, *parent)) as it:
                        names = [e.name for e in it if e.is_dir(follow_symlinks=False)]
                except OSError:  # vanished, or not readable
                    continue
                for name in names:
                    parts = (*parent, name)
                    container = container_of(parts) if s.containers else None
                    if container is not None:
                        found[parts] = container
                        continue
                    if (name.endswith(".slice") and depth <= s.slice_depth) or self._wanted_path(parts):
                        found.setdefault(parts, None)
                    below.append(parts)
            level = below
            if not level:
                break
