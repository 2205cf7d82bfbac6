"""Check declared metrics and emitted points against the vendored conventions model.

For each :class:`~sysagent.MetricSpec`: the instrument matches the kind, the unit
matches, the name is not deprecated. For each point: every attribute key is a
registry attribute (not deprecated) that the metric lists, its value has the
attribute's type and, for enums, is a current member (or, for open enums such
as ``system.filesystem.type``, is not a known alias of one). No metric mixes a
total with its parts (a point whose attributes are a strict subset of another
point's). With ``defaults=True`` (a collector run with its default options),
opt-in metrics and opt-in attributes are disagreements too.

A name the model does not define is an *extension*: allowed, but its attribute
keys are still checked against the registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sysagent.model import Attributes, AttrKey, AttrValue, Batch, MetricKind, MetricSpec, Resource, attr_key

from .aliases import ENUM_ALIASES, OPEN_ENUMS
from .model import AttributeDef, Model, load

_INSTRUMENT = {MetricKind.COUNTER: "counter", MetricKind.UPDOWNCOUNTER: "updowncounter", MetricKind.GAUGE: "gauge"}
_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "int": (int,), "double": (float, int), "boolean": (bool,)}

Points = Mapping[str, Iterable[Attributes]] | Iterable[Batch]


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One way a metric differs from the conventions: ``what`` is the aspect, ``detail`` says how."""

    metric: str
    what: str  # name | instrument | unit | attribute | value | opt-in | total
    detail: str

    def __str__(self) -> str:
        return f"{self.metric}: {self.what}: {self.detail}"


def points_of(batches: Iterable[Batch]) -> dict[str, list[AttrKey]]:
    """``{metric name: [attributes of each point]}`` of some batches."""
    out: dict[str, list[AttrKey]] = {}
    for b in batches:
        for m in b.metrics:
            out.setdefault(m.spec.name, []).extend(p.attributes for p in m.points)
    return out


def _normalise(points: Points | None) -> dict[str, list[AttrKey]]:
    if points is None:
        return {}
    if isinstance(points, Mapping):
        return {name: [attr_key(a) for a in attrs] for name, attrs in points.items()}
    return points_of(points)


def check(
    specs: Iterable[MetricSpec],
    points: Points | None = None,
    *,
    defaults: bool = False,
    allow_attributes: Iterable[str] = (),
    resource: Resource | Mapping[str, AttrValue] | None = None,
    model: Model | None = None,
) -> list[Disagreement]:
    """Every disagreement of ``specs`` (and the points' attributes) with the model; [] when all agree.

    ``points``: ``{metric name: [attributes, ...]}`` or batches. ``allow_attributes``:
    extra keys a plugin documents (its own extension attributes, or registry
    attributes it puts on a metric that does not list them).
    ``resource``: resource attributes; a key that the model defines as a metric
    (``system.cpu.logical.count``) is a disagreement.
    """
    model = model or load()
    specs = list(specs)
    seen = _normalise(points)
    allowed = frozenset(allow_attributes)
    out: list[Disagreement] = []
    for spec in specs:
        out += _check_spec(model, spec, defaults)
        for attrs in seen.get(spec.name, ()):
            out += _check_point(model, spec.name, attrs, defaults, allowed)
        out += _check_totals(spec.name, seen.get(spec.name, ()))
    declared = {s.name for s in specs}
    out += [Disagreement(n, "name", "emitted but not declared") for n in seen if n not in declared]
    res = resource.as_dict() if isinstance(resource, Resource) else dict(resource or {})
    out += [Disagreement(k, "name", "a metric in the conventions, sent as a resource attribute")
            for k in res if k in model.metrics]  # fmt: skip
    return _unique(out)


def _unique(items: list[Disagreement]) -> list[Disagreement]:
    return list(dict.fromkeys(items))


def _check_spec(model: Model, spec: MetricSpec, defaults: bool) -> list[Disagreement]:
    d = model.metrics.get(spec.name)
    if d is None:
        return []
    out: list[Disagreement] = []
    if d.deprecated:
        out.append(Disagreement(spec.name, "name", f"deprecated: {d.deprecated}"))
    if _INSTRUMENT[spec.kind] != d.instrument:
        out.append(Disagreement(spec.name, "instrument", f"{spec.kind.value}, the model says {d.instrument}"))
    if spec.unit != d.unit:
        out.append(Disagreement(spec.name, "unit", f"{spec.unit!r}, the model says {d.unit!r}"))
    if defaults and d.opt_in:
        out.append(Disagreement(spec.name, "opt-in", "an opt-in metric is emitted by default"))
    return out


def _check_point(
    model: Model, metric: str, attrs: AttrKey, defaults: bool, allowed: frozenset[str]
) -> list[Disagreement]:
    d = model.metrics.get(metric)
    out: list[Disagreement] = []
    for key, value in attrs:
        a = model.attributes.get(key)
        if a is None:
            if key not in allowed:
                out.append(Disagreement(metric, "attribute", f"{key!r} is not a registry attribute"))
            continue
        if a.deprecated:
            out.append(Disagreement(metric, "attribute", f"{key!r} is deprecated: {a.deprecated}"))
        if d is not None and key not in d.attributes and key not in allowed:
            out.append(Disagreement(metric, "attribute", f"{key!r} is not an attribute of this metric"))
        if d is not None and defaults and key in d.opt_in_attributes:
            out.append(Disagreement(metric, "opt-in", f"the opt-in attribute {key!r} is emitted by default"))
        problem = _value_problem(a, value)
        if problem:
            out.append(Disagreement(metric, "value", f"{key}={value!r}: {problem}"))
    return out


def _value_problem(a: AttributeDef, value: object) -> str | None:
    if a.type == "enum":
        if not isinstance(value, str):
            return "an enum value must be a string"
        if value in a.deprecated_members:
            return "a deprecated member"
        if value in a.members:
            return None
        alias = ENUM_ALIASES.get(a.name, {}).get(value.lower())
        if alias is not None:
            return f"the member {alias!r} MUST be used"
        if value.lower() in a.members:
            return f"the member is spelled {value.lower()!r}"
        if a.name in OPEN_ENUMS:
            return None
        return f"not a member ({', '.join(sorted(a.members))})"
    types = _TYPES.get(a.type)
    if types is not None and (not isinstance(value, types) or (bool not in types and isinstance(value, bool))):
        return f"expected {a.type}, got {type(value).__name__}"
    return None


def _check_totals(metric: str, points: Iterable[AttrKey]) -> list[Disagreement]:
    """A point whose attributes are a strict subset of another's is their total: summing double-counts."""
    sets = {frozenset(p) for p in points}
    by_size = sorted(sets, key=len)
    for i, small in enumerate(by_size):
        for big in by_size[i + 1 :]:
            if len(small) < len(big) and small < big:
                extra = sorted(k for k, _ in big - small)
                return [Disagreement(metric, "total", f"a total and its parts by {', '.join(extra)} share the name")]
    return []
