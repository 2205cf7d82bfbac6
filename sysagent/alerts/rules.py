"""Alert rule models and their validation.

A rule selects series of one metric (name plus matchers), optionally reduces
them across attributes, and compares each series with a warning and/or a
critical level. Each level has a threshold, a clear threshold (hysteresis) and
its own ``for``. A bad rule is rejected with one line naming the rule and field.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, PlainValidator, ValidationError, model_validator

from sysagent.alerts import templates
from sysagent.alerts.matchers import Matcher, parse_matcher
from sysagent.settings import Duration, PluginSettings

Op = Literal[">", ">=", "<", "<="]
COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
#: Severities in rising order; ``nodata`` is the severity of a NODATA alert.
LEVELS = ("warning", "critical")
MatcherField = Annotated[Matcher, PlainValidator(parse_matcher), PlainSerializer(str)]
_NAME = re.compile(r"^[A-Za-z_][\w.\-]*$")


def _level_shorthand(value: Any) -> Any:
    return {"threshold": value} if isinstance(value, (int, float)) and not isinstance(value, bool) else value


class Level(PluginSettings):
    """One severity's threshold, clear threshold and ``for`` (None: the rule's ``for``)."""

    model_config = PluginSettings.model_config | {"validate_by_name": True, "validate_by_alias": True}

    threshold: float
    clear: float | None = None
    for_: Duration | None = Field(default=None, alias="for")


class Reduce(PluginSettings):
    """Combine the selected series into one per distinct value of ``by``."""

    op: Literal["avg", "sum", "max", "min"]
    by: tuple[str, ...] = ()


class NoData(PluginSettings):
    """What a series that stopped reporting does: keep its state, fire NODATA, or resolve.

    ``after`` None means three times the interval at which the series was seen.
    """

    policy: Literal["keep_last", "alert", "resolve"] = "keep_last"
    after: Duration | None = None


class Rule(PluginSettings):
    """One alert rule. Each selected (and reduced) series is its own alert."""

    model_config = PluginSettings.model_config | {"validate_by_name": True, "validate_by_alias": True}

    name: str
    metric: str
    where: tuple[MatcherField, ...] = ()
    reduce: Reduce | None = None
    complement: bool = False  #: compare 1 - value (e.g. busy = 1 - idle share)
    #: compare the selected points' rate as a share of the rate of all the metric's points
    #: (per ``reduce.by`` group): CPU busy from system.cpu.time, with or without per-CPU series
    share: bool = False
    op: Op = ">"
    warning: Annotated[Level | None, BeforeValidator(_level_shorthand)] = None
    critical: Annotated[Level | None, BeforeValidator(_level_shorthand)] = None
    for_: Duration = Field(default=0.0, alias="for")
    keep_firing_for: Duration = 0.0
    nodata: NoData = NoData()
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    channels: tuple[str, ...] | None = None  #: None: every configured channel

    @model_validator(mode="after")
    def _check(self) -> Rule:
        if not _NAME.match(self.name):
            raise ValueError("name: must be letters, digits, '_', '.' or '-'")
        levels = self.levels()
        if not levels:
            raise ValueError("needs a warning or a critical threshold")
        cmp = COMPARE[self.op]
        for sev, level in levels.items():
            if level.clear is not None and cmp(level.clear, level.threshold):
                side = "above" if self.op.startswith(">") else "below"
                raise ValueError(
                    f"{sev}.clear: {level.clear} is on the wrong side of threshold {level.threshold}"
                    f" (must not be {side} it for op {self.op!r})"
                )
        if len(levels) == 2 and cmp(self.warning.threshold, self.critical.threshold):  # type: ignore[union-attr]
            raise ValueError("critical.threshold: must be beyond the warning threshold")
        for kind, table in (("labels", self.labels), ("annotations", self.annotations)):
            for key, text in table.items():
                try:
                    templates.check(text)
                except ValueError as exc:
                    raise ValueError(f"{kind}.{key}: {exc}") from None
        return self

    def levels(self) -> dict[str, Level]:
        """The configured levels, lowest severity first."""
        return {s: lv for s, lv in (("warning", self.warning), ("critical", self.critical)) if lv is not None}

    def level_for(self, severity: str) -> float:
        """The ``for`` of one level, in seconds."""
        level = self.levels()[severity]
        return self.for_ if level.for_ is None else level.for_

    def clear_of(self, severity: str) -> float:
        level = self.levels()[severity]
        return level.threshold if level.clear is None else level.clear


def load_rule(raw: Any, where: str = "rule") -> Rule:
    """Validate one rule; errors become one line: ``rule 'NAME': field: message``."""
    if isinstance(raw, Rule):
        return raw
    name = raw.get("name", "?") if isinstance(raw, Mapping) else "?"
    try:
        return Rule.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise ValueError(f"{where} {name!r}: {loc + ': ' if loc else ''}{msg}") from None
