"""OpenTelemetry names to Prometheus names, as the Collector's Prometheus exporter makes them.

Follows the OpenTelemetry-to-Prometheus compatibility spec and the translator the
Collector and Prometheus share (otlptranslator, "underscore escaping with
suffixes"): the name is split on characters outside ``[a-zA-Z0-9:]`` and joined
with ``_``; the unit adds a suffix unless the name already has it (``By`` ->
``bytes``, ``s`` -> ``seconds``, ``By/s`` -> ``bytes_per_second``; annotations
such as ``{packet}`` add nothing); counters end in ``_total`` and gauges of unit
``1`` in ``_ratio``. So ``system.network.io`` (counter, By) is
``system_network_io_bytes_total`` and ``system.cpu.utilization`` is
``system_cpu_utilization_ratio``.

One deliberate difference: a gauge whose name ends in ``_count``, ``_sum`` or
``_bucket`` (``system.process.count``) keeps its name but is typed ``untyped``
rather than ``gauge``, because Prometheus reserves those suffixes for histograms
and summaries and ``promtool check metrics`` rejects them on a gauge. The series
names stay those of the Collector's exporter, so dashboards work with both.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from sysagent.model import MetricKind, MetricSpec

_UNITS = {
    "d": "days", "h": "hours", "min": "minutes", "s": "seconds", "ms": "milliseconds",
    "us": "microseconds", "ns": "nanoseconds",
    "By": "bytes", "KiBy": "kibibytes", "MiBy": "mebibytes", "GiBy": "gibibytes", "TiBy": "tibibytes",
    "KBy": "kilobytes", "MBy": "megabytes", "GBy": "gigabytes", "TBy": "terabytes",
    "m": "meters", "V": "volts", "A": "amperes", "J": "joules", "W": "watts", "g": "grams",
    "Cel": "celsius", "Hz": "hertz", "1": "", "%": "percent",
}  # fmt: skip
_PER_UNITS = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year"}
_NAME_SPLIT = re.compile(r"[^a-zA-Z0-9:]+")
_INVALID_LABEL = re.compile(r"[^a-zA-Z0-9_]+")
_RESERVED = ("_count", "_sum", "_bucket")


class PromName(NamedTuple):
    """How one metric is exposed: the family name, its type and its unit word.

    ``family`` has no ``_total``: prometheus_client appends it to counter samples.
    """

    family: str
    type: str  # "counter", "gauge" or "unknown" (untyped)
    unit: str  # the OpenMetrics UNIT ("bytes", "seconds"); "" if none


def _clean(token: str) -> str:
    return _NAME_SPLIT.sub("_", token).strip("_")


def unit_suffixes(unit: str) -> tuple[str, str]:
    """(main, per) unit words: ``By/s`` -> ("bytes", "per_second"); annotations give ""."""
    main, _, per = unit.partition("/")
    main, per = main.strip(), per.strip()
    main_word = "" if not main or "{" in main or "}" in main else _UNITS.get(main, main)
    per_word = "" if not per or "{" in per or "}" in per else _PER_UNITS.get(per, per)
    return _clean(main_word), _clean(f"per_{per_word}") if per_word else ""


def metric_name(spec: MetricSpec) -> PromName:
    """The Prometheus family for an OpenTelemetry metric (see the module docstring)."""
    tokens = [t for t in _NAME_SPLIT.split(spec.name) if t]
    main, per = unit_suffixes(spec.unit)
    units: list[str] = []
    if main and main not in tokens:
        units.append(main)
    if per and per not in tokens:
        units.append(per)
    tokens += units
    counter = spec.kind is MetricKind.COUNTER
    if counter:
        tokens = [t for t in tokens if t != "total"]
    elif spec.unit == "1" and spec.kind is MetricKind.GAUGE:
        tokens = [t for t in tokens if t != "ratio"] + ["ratio"]
    family = "_".join(tokens)
    if family[:1].isdigit():
        family = "_" + family
    kind = "counter" if counter else "unknown" if family.endswith(_RESERVED) else "gauge"
    unit_word = "ratio" if family.endswith("_ratio") and spec.unit == "1" else "_".join(w for w in (main, per) if w)
    if unit_word and not family.endswith("_" + unit_word):
        unit_word = ""
    return PromName(family, kind, unit_word)


def label_name(key: str) -> str:
    """An attribute key as a label name: ``network.io.direction`` -> ``network_io_direction``."""
    name = _INVALID_LABEL.sub("_", key)
    name = re.sub("__+", "_", name) if not name.startswith("__") else "__" + re.sub("__+", "_", name[2:])
    if name[:1].isdigit():
        name = "key_" + name
    return name


def label_value(value: object) -> str:
    """Attribute values as label values; booleans as ``true``/``false`` like OTLP's JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
