"""Base pydantic models for plugin settings, and the duration type they use.

Every plugin's settings model subclasses :class:`PluginSettings` (or the collector /
sink variants), so unknown keys are rejected everywhere with the same message.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def parse_duration(value: Any) -> float:
    """Seconds from a number or a string such as ``"500ms"``, ``"5s"``, ``"2m"``, ``"1h"``."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 5s or 2m")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        seconds = float(m.group(1)) * _UNIT[m.group(2)]
    else:
        raise ValueError(f"expected a duration such as 5s or 2m, got {value!r}")
    if seconds < 0:
        raise ValueError("must not be negative")
    return seconds


#: A non-negative number of seconds, written as a number or "5s", "2m", "1h", "500ms".
Duration = Annotated[float, BeforeValidator(parse_duration)]


class PluginSettings(BaseModel):
    """Base for every settings model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CollectorSettings(PluginSettings):
    """Settings every collector has. ``interval`` 0 means: once at start.

    None means the collector's registered default.
    """

    interval: Duration | None = None
    timeout: Duration | None = None
    #: False: the collector does not run (an installed plugin's collector included).
    enabled: bool = True


class SinkSettings(PluginSettings):
    """Settings every sink has (none yet beyond strictness)."""
