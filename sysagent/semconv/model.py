"""The vendored semantic-conventions model (v1.44.0), loaded from its YAML into plain tables.

``vendor/model/**.yaml`` is the conventions' own model, unchanged: metric groups
(name, instrument, unit, attribute refs with requirement levels) and attribute
registries (type, enum members, deprecations). Whether a *metric* is opt-in is
not in the YAML but in the generated docs (``This metric is [opt-in]``), so
``vendor/docs/system/*.md`` is read for that. Loaded once per process.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

VENDOR = Path(__file__).parent / "vendor"
VERSION = "1.44.0"

_HEADING = re.compile(r"^### Metric: `([^`]+)`", re.MULTILINE)
_OPT_IN = "This metric is [opt-in]"


@dataclass(frozen=True, slots=True)
class AttributeDef:
    """One registry attribute: its type and, for enums, the member values (deprecated ones apart)."""

    name: str
    type: str  # "string", "int", "double", "boolean", "string[]", ... or "enum"
    members: frozenset[str] = frozenset()
    deprecated_members: frozenset[str] = frozenset()
    deprecated: str | None = None  # the deprecation note (e.g. "renamed to x"), None if current


@dataclass(frozen=True, slots=True)
class MetricDef:
    """One metric of the model: instrument, unit, attribute keys and which of them are opt-in."""

    name: str
    instrument: str  # counter | updowncounter | gauge | histogram
    unit: str
    attributes: frozenset[str] = frozenset()
    opt_in_attributes: frozenset[str] = frozenset()
    opt_in: bool = False
    deprecated: str | None = None


@dataclass(frozen=True, slots=True)
class Model:
    """Every metric and registry attribute of the vendored model, by name."""

    metrics: dict[str, MetricDef] = field(default_factory=dict)
    attributes: dict[str, AttributeDef] = field(default_factory=dict)


def _deprecation(node: dict[str, Any]) -> str | None:
    dep = node.get("deprecated")
    if dep is None:
        return None
    if isinstance(dep, dict):
        if dep.get("renamed_to"):
            return f"renamed to {dep['renamed_to']}"
        return str(dep.get("note") or dep.get("reason") or "deprecated").strip()
    return str(dep)


def _attribute(node: dict[str, Any]) -> AttributeDef:
    kind = node.get("type")
    if isinstance(kind, dict):
        current = frozenset(str(m["value"]) for m in kind.get("members", ()) if "deprecated" not in m)
        old = frozenset(str(m["value"]) for m in kind.get("members", ()) if "deprecated" in m)
        return AttributeDef(node["id"], "enum", current, old, _deprecation(node))
    return AttributeDef(node["id"], str(kind), deprecated=_deprecation(node))


def _metric(node: dict[str, Any], opt_in: set[str]) -> MetricDef:
    refs = [a for a in node.get("attributes") or () if "ref" in a]
    name = node["metric_name"]
    return MetricDef(
        name=name,
        instrument=node["instrument"],
        unit=str(node.get("unit", "")),
        attributes=frozenset(a["ref"] for a in refs),
        opt_in_attributes=frozenset(a["ref"] for a in refs if a.get("requirement_level") == "opt_in"),
        opt_in=name in opt_in,
        deprecated=_deprecation(node),
    )


def opt_in_metrics(docs: Path = VENDOR / "docs") -> set[str]:
    """Metric names whose section of the generated docs says ``This metric is [opt-in]``."""
    names: set[str] = set()
    for md in sorted(docs.rglob("*.md")):
        text = md.read_text(encoding="utf-8")
        heads = list(_HEADING.finditer(text))
        for i, m in enumerate(heads):
            end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
            if _OPT_IN in text[m.end() : end]:
                names.add(m.group(1))
    return names


@functools.cache
def load(root: Path = VENDOR) -> Model:
    """Parse every YAML file under ``root/model`` (cached: the model does not change at run time).

    Both file formats occur: the older ``groups:`` one, and ``file_format:
    definition/2`` (the hardware model) with top-level ``metrics:`` whose
    attributes may name an ``attribute_groups`` entry with ``ref_group``.
    """
    opt_in = opt_in_metrics(root / "docs")
    model = Model()
    docs = [yaml.safe_load(p.read_text(encoding="utf-8")) or {} for p in sorted((root / "model").rglob("*.yaml"))]
    groups = {g["id"]: list(g.get("attributes") or ()) for doc in docs for g in doc.get("attribute_groups") or ()}

    def expand(attrs: list[dict[str, Any]], depth: int = 0) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for a in attrs:
            if "ref_group" in a and depth < 8:
                out += expand(groups.get(a["ref_group"], []), depth + 1)
            elif "ref" in a:
                out.append(a)
        return out

    for doc in docs:
        for group in doc.get("groups") or ():
            if group.get("type") == "metric":
                metric = _metric(group, opt_in)
                model.metrics[metric.name] = metric
            for node in group.get("attributes") or ():
                if "id" in node:
                    attr = _attribute(node)
                    model.attributes[attr.name] = attr
        for node in doc.get("metrics") or ():  # definition/2
            v1 = {**node, "metric_name": node["name"], "attributes": expand(list(node.get("attributes") or ()))}
            if node.get("requirement_level") == "opt_in":
                opt_in = opt_in | {node["name"]}
            metric = _metric(v1, opt_in)
            model.metrics[metric.name] = metric
    return model
