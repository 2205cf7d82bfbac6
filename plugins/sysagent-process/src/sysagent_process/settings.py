"""Settings of the process collector: which processes, how many, ranked by what.

Cardinality is bounded by ``top`` (at most that many processes are reported per
cycle), so a host with 5,000 processes still exports a fixed number of series.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from sysagent import CollectorSettings, PluginSettings


class ProcessMatch(PluginSettings):
    """``names``: exact executable names; ``patterns``: regular expressions searched in
    the command line (arguments joined by spaces, or the name for kernel threads)."""

    names: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for p in value:
            try:
                re.compile(p)
            except re.error as e:
                raise ValueError(f"invalid regular expression {p!r}: {e}") from None
        return value

    @property
    def empty(self) -> bool:
        return not self.names and not self.patterns


class ProcessSettings(CollectorSettings):
    """``top``: report the N processes that used the most ``by`` (cpu: CPU time since the
    previous cycle; memory: resident memory). ``include``/``exclude`` apply before ranking;
    an empty ``include`` means every process."""

    top: int = Field(default=10, ge=1, le=10000)
    by: Literal["cpu", "memory"] = "cpu"
    include: ProcessMatch = ProcessMatch()
    exclude: ProcessMatch = ProcessMatch()
