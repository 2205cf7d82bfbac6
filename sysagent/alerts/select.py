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


def _group(attrs: AttrKey, by: tuple[str, ...]) -> Series:
    d = dict(attrs)
    return tuple((k, d.get(k, "")) for k in by)


def _shares(rule: Rule, points: Iterable[Point]) -> list[tuple[Series, float]]:
    """Per group: the matching points' summed rate over all points' summed rate (no rates yet: nothing)."""
    by = rule.reduce.by if rule.reduce is not None else ()
    part: dict[Series, float] = {}
    whole: dict[Series, float] = {}
    for p in points:
        if p.rate is None:
            continue
        key = _group(p.attributes, by)
        whole[key] = whole.get(key, 0.0) + p.rate
        if not rule.where or matches_all(rule.where, dict(p.attributes)):
            part[key] = part.get(key, 0.0) + p.rate
    out = [(key, part.get(key, 0.0) / total) for key, total in whole.items() if total > 0]
    return [(k, 1.0 - v) for k, v in out] if rule.complement else out


def select(rule: Rule, points: Iterable[Point]) -> list[tuple[Series, float]]:
    """Each series of this rule in these points, with the value the rule compares."""
    if rule.share:
        return _shares(rule, points)
    chosen: list[tuple[AttrKey, float]] = []
    for p in points:
        if not rule.where or matches_all(rule.where, dict(p.attributes)):
            chosen.append((p.attributes, p.value))
    if rule.reduce is not None and chosen:
        by = rule.reduce.by
        groups: dict[Series, list[float]] = {}
        for attrs, value in chosen:
            groups.setdefault(_group(attrs, by), []).append(value)
        out = [(key, _reduce(rule.reduce.op, values)) for key, values in groups.items()]
    else:
        out = list(chosen)
    if rule.complement:
        out = [(k, 1.0 - v) for k, v in out]
    return out
