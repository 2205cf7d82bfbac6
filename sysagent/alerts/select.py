"""From a batch's points to each alert series' value: match, reduce, complement."""

from __future__ import annotations

from collections.abc import Iterable

from sysagent.alerts.matchers import matches_all
from sysagent.alerts.rules import Rule
from sysagent.model import AttrKey, Point

Series = tuple[tuple[str, object], ...]


def _reduce(op: str, values: list[float]) -> float:
    if op == "sum":
        return sum(values)
    if op == "max":
        return max(values)
    if op == "min":
        return min(values)
    return sum(values) / len(values)


def select(rule: Rule, points: Iterable[Point]) -> list[tuple[Series, float]]:
    """Each series of this rule in these points, with the value the rule compares."""
    chosen: list[tuple[AttrKey, float]] = []
    for p in points:
        if not rule.where or matches_all(rule.where, dict(p.attributes)):
            chosen.append((p.attributes, p.value))
    if rule.reduce is not None and chosen:
        by = rule.reduce.by
        groups: dict[Series, list[float]] = {}
        for attrs, value in chosen:
            d = dict(attrs)
            groups.setdefault(tuple((k, d.get(k, "")) for k in by), []).append(value)
        out = [(key, _reduce(rule.reduce.op, values)) for key, values in groups.items()]
    else:
        out = list(chosen)
    if rule.complement:
        out = [(k, 1.0 - v) for k, v in out]
    return out
