"""Attribute matchers: ``key = value``, ``key != value``, ``key =~ regex``, ``key !~ regex``.

The same syntax selects series in a rule (``where:``) and labels in a mute.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_SYNTAX = re.compile(r"^\s*([A-Za-z_][\w.\-]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$")


@dataclass(frozen=True, slots=True)
class Matcher:
    """One condition on one attribute; a missing attribute matches as the empty string."""

    key: str
    op: str
    value: str
    regex: re.Pattern[str] | None = None

    def matches(self, attributes: Mapping[str, object]) -> bool:
        raw = attributes.get(self.key)
        actual = "" if raw is None else str(raw)
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        assert self.regex is not None
        found = self.regex.fullmatch(actual) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        return f"{self.key}{self.op}{self.value}"


def parse_matcher(text: object) -> Matcher:
    """Parse ``"key OP value"``; raises ValueError with a one-line reason."""
    if isinstance(text, Matcher):
        return text
    if not isinstance(text, str):
        raise ValueError(f"expected a matcher such as 'key=value', got {type(text).__name__}")
    m = _SYNTAX.match(text)
    if m is None:
        raise ValueError(f"bad matcher {text!r}: expected KEY=VALUE, KEY!=VALUE, KEY=~REGEX or KEY!~REGEX")
    key, op, value = m.groups()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    regex = None
    if op in ("=~", "!~"):
        try:
            regex = re.compile(value)
        except re.error as exc:
            raise ValueError(f"bad regex {value!r} in matcher for {key!r}: {exc}") from None
    return Matcher(key, op, value, regex)


def matches_all(matchers: Iterable[Matcher], attributes: Mapping[str, object]) -> bool:
    return all(m.matches(attributes) for m in matchers)
