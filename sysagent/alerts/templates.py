"""Tiny templates for labels and annotations: ``{{ value }}``, ``{{ labels.X }}``, ``{{ threshold }}``.

Also ``{{ rule }}``, ``{{ severity }}`` and the filters ``| percent`` and ``| round``.
Deliberately not Jinja: no code runs from a config file, and an unknown name
is an error at load, not at 3 a.m.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_FIELD = re.compile(r"\{\{\s*([\w.\-]+)\s*(?:\|\s*(\w+)\s*)?\}\}")
_NAMES = ("value", "threshold", "rule", "severity")
_FILTERS = ("percent", "round")


@dataclass(frozen=True, slots=True)
class Context:
    rule: str
    severity: str
    value: float | None
    threshold: float | None
    labels: Mapping[str, object]


def check(template: str) -> None:
    """Raise ValueError naming the first unknown field or filter."""
    for m in _FIELD.finditer(template):
        name, flt = m.group(1), m.group(2)
        if name not in _NAMES and not name.startswith("labels."):
            raise ValueError(f"unknown template field {name!r} (use value, threshold, rule, severity, labels.X)")
        if flt is not None and flt not in _FILTERS:
            raise ValueError(f"unknown template filter {flt!r} (use percent or round)")


def _number(value: float | None, flt: str | None) -> str:
    if value is None:
        return "n/a"
    if flt == "percent":
        return f"{value * 100:.1f}%"
    if flt == "round":
        return str(round(value))
    return f"{value:.4g}"


def render(template: str, ctx: Context) -> str:
    """Fill in a template; a missing label renders as the empty string."""

    def field(m: re.Match[str]) -> str:
        name, flt = m.group(1), m.group(2)
        if name == "value":
            return _number(ctx.value, flt)
        if name == "threshold":
            return _number(ctx.threshold, flt)
        if name == "rule":
            return ctx.rule
        if name == "severity":
            return ctx.severity
        raw = ctx.labels.get(name.removeprefix("labels."))
        return "" if raw is None else str(raw)

    return _FIELD.sub(field, template)
