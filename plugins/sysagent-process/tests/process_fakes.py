"""Fake psutil processes for the process plugin's tests (the machine measured is the fake)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import psutil


@dataclass
class FakeProc:
    """Answers like a psutil.Process; ``deny`` names methods that raise AccessDenied."""

    pid: int
    name_: str
    user: float = 0.0
    system: float = 0.0
    iowait: float = 0.0
    rss: int = 1000
    vms: int = 5000
    argv: tuple[str, ...] = ()
    owner: str = "root"
    created: float = 1000.0
    threads: int = 1
    fds: int = 4
    voluntary: int = 10
    involuntary: int = 2
    read_bytes: int = 100
    write_bytes: int = 200
    deny: frozenset[str] = frozenset()
    gone: bool = False
    calls: list[str] = field(default_factory=list)

    def _check(self, what: str) -> None:
        self.calls.append(what)
        if self.gone:
            raise psutil.NoSuchProcess(self.pid)
        if what in self.deny:
            raise psutil.AccessDenied(self.pid)

    @contextlib.contextmanager
    def oneshot(self) -> Iterator[None]:
        yield

    def name(self) -> str:
        self._check("name")
        return self.name_

    def cpu_times(self) -> Any:
        self._check("cpu_times")
        return SimpleNamespace(user=self.user, system=self.system, iowait=self.iowait)

    def memory_info(self) -> Any:
        self._check("memory_info")
        return SimpleNamespace(rss=self.rss, vms=self.vms)

    def cmdline(self) -> list[str]:
        self._check("cmdline")
        return list(self.argv)

    def username(self) -> str:
        self._check("username")
        return self.owner

    def create_time(self) -> float:
        self._check("create_time")
        return self.created

    def num_threads(self) -> int:
        self._check("num_threads")
        return self.threads

    def num_fds(self) -> int:
        self._check("num_fds")
        return self.fds

    def num_ctx_switches(self) -> Any:
        self._check("num_ctx_switches")
        return SimpleNamespace(voluntary=self.voluntary, involuntary=self.involuntary)

    def io_counters(self) -> Any:
        self._check("io_counters")
        return SimpleNamespace(read_bytes=self.read_bytes, write_bytes=self.write_bytes)
