"""Every metric and attribute the plugin emits, checked against the conventions' model YAML (v1.44.0)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from sysagent_nvidia.collector import GpuCollector, NvidiaSettings

from sysagent.testing import Harness

KIND = {"gauge": "gauge", "updowncounter": "updowncounter", "counter": "counter"}


def model_dir() -> Path:
    """The conventions' model YAML that sysagent vendors (v1.44.0), or $SYSAGENT_SEMCONV_DIR's."""
    if os.environ.get("SYSAGENT_SEMCONV_DIR"):
        return Path(os.environ["SYSAGENT_SEMCONV_DIR"]) / "model"
    import sysagent.semconv

    return Path(sysagent.semconv.__file__).parent / "vendor" / "model"


def documents() -> Iterator[dict[str, Any]]:
    for path in sorted(model_dir().rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        if isinstance(doc, dict):
            yield doc


def load_model() -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    metrics: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[dict[str, Any]]] = {}
    for doc in documents():
        for metric in doc.get("metrics", []):
            metrics[metric["name"]] = metric
        for group in doc.get("attribute_groups", []):
            groups[group["id"]] = group.get("attributes", [])
    return metrics, groups


def allowed_keys(refs: list[dict[str, Any]], groups: dict[str, list[dict[str, Any]]]) -> set[str]:
    keys: set[str] = set()
    for ref in refs:
        if "ref_group" in ref:
            keys |= allowed_keys(groups[ref["ref_group"]], groups)
        else:
            keys.add(ref["ref"])
    return keys


def test_names_units_instruments_and_attributes_follow_the_model(
    sysagent_harness: Callable[..., Harness], fake_nvml: ModuleType
) -> None:
    metrics, groups = load_model()
    h = sysagent_harness(GpuCollector(NvidiaSettings(), None, nvml=fake_nvml))
    batch = h.collect()
    assert {m.spec.name for m in batch.metrics} == {s.name for s in GpuCollector.metrics}
    for data in batch.metrics:
        spec = data.spec
        model = metrics.get(spec.name)
        assert model is not None, f"{spec.name} is not in the conventions"
        assert (spec.kind.value, spec.unit) == (model["instrument"], model["unit"]), spec.name
        keys = allowed_keys(model.get("attributes", []), groups)
        for point in data.points:
            got = {k for k, _ in point.attributes}
            assert got <= keys, f"{spec.name}: {sorted(got - keys)} not allowed"
            assert "hw.id" in got, f"{spec.name}: hw.id is required"
        if spec.name in ("hw.power", "hw.energy"):
            assert all(dict(p.attributes)["hw.type"] == "gpu" for p in data.points)
