"""Derived metrics the framework computes so that a plugin never keeps previous values.

A collector lists derivations in its ``derive`` attribute. After each collection
the framework computes them from this cycle's and the previous cycle's points.
"""

from __future__ import annotations

from dataclasses import dataclass

from sysagent.model import MetricSpec


@dataclass(frozen=True, slots=True)
class Utilization:
    """Share of a counter's increase per value of one attribute.

    For each group of series of ``source`` that agree on every attribute except
    ``over``, each series' share is its delta divided by the sum of the group's
    deltas since the previous collection. ``system.cpu.utilization`` is
    ``Utilization(target=..., source="system.cpu.time", over="cpu.mode")``: the
    share of each mode in the CPU time that passed, per logical CPU or in total.
    """

    target: MetricSpec
    source: str
    over: str


Derivation = Utilization
