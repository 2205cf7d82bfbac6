"""Rule validation (one line naming rule and field), the default table, selection and templates."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from sysagent.alerts import templates
from sysagent.alerts.select import select
from sysagent.alerts.settings import AlertsSettings
from sysagent.model import Point


def error(raw: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as err:
        AlertsSettings.model_validate(raw)
    first = err.value.errors()[0]
    return str(first["msg"]).removeprefix("Value error, ")


def one(**fields: Any) -> dict[str, Any]:
    return {"rules": [{"name": "r1", "metric": "m", **fields}]}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"where": ["mode=~(idle"], "warning": 1}, "rule 'r1': where.0: bad regex '(idle' in matcher for 'mode'"),
        ({"where": ["mode idle"], "warning": 1}, "rule 'r1': where.0: bad matcher 'mode idle'"),
        (
            {"reduce": {"op": "median"}, "warning": 1},
            "rule 'r1': reduce.op: Input should be 'avg', 'sum', 'max' or 'min'",
        ),
        (
            {"warning": {"threshold": 80, "clear": 85}},
            "rule 'r1': warning.clear: 85.0 is on the wrong side of threshold",
        ),
        ({"op": "<", "critical": {"threshold": 5, "clear": 2}}, "rule 'r1': critical.clear: 2.0 is on the wrong side"),
        ({"warning": 90, "critical": 80}, "rule 'r1': critical.threshold: must be beyond the warning threshold"),
        ({}, "rule 'r1': needs a warning or a critical threshold"),
        ({"warning": 1, "for": "soon"}, "rule 'r1': for: expected a duration such as 5s or 2m, got 'soon'"),
        ({"warning": 1, "op": "=="}, "rule 'r1': op: Input should be '>', '>=', '<' or '<='"),
        ({"warning": 1, "annotations": {"summary": "{{ valeu }}"}}, "rule 'r1': annotations.summary: unknown template"),
        ({"warning": 1, "nodata": {"policy": "ignore"}}, "rule 'r1': nodata.policy: Input should be"),
        ({"warning": 1, "severity": "high"}, "rule 'r1': severity: Extra inputs are not permitted"),
    ],
)
def test_a_bad_rule_is_one_line_naming_rule_and_field(fields: dict[str, Any], message: str) -> None:
    text = error(one(**fields))
    assert text.startswith(message), text
    assert "\n" not in text


def test_other_section_errors() -> None:
    assert error({"defaults": {"disable": ["cpu"]}}).startswith("defaults: unknown default rule 'cpu'")
    assert error({"defaults": {"override": {"memory_high": {"warning": 0.99}}}}).startswith(
        "default rule 'memory_high': critical.threshold: must be beyond the warning threshold"
    )
    assert error({"repeat_interval": {"critical": "1m"}}).startswith("repeat_interval.critical: must be at least")
    twice = {"rules": [{"name": "a", "metric": "m", "warning": 1}] * 2}
    assert error(twice).startswith("rules: rule 'a' is defined twice")
    assert error({"channels": {"ops": {"url": "x"}}}).startswith("channels.ops.type: required")


def test_defaults_ship_enabled_and_can_be_disabled_overridden_or_replaced() -> None:
    names = [r.name for r in AlertsSettings().effective_rules()]
    assert names == ["cpu_high", "memory_high", "disk_full", "iowait_high"]
    s = AlertsSettings.model_validate(
        {
            "defaults": {"disable": ["iowait_high"], "override": {"disk_full": {"warning": {"threshold": 0.7}}}},
            "rules": [{"name": "memory_high", "metric": "system.memory.utilization", "critical": 0.99}],
        }
    )
    rules = {r.name: r for r in s.effective_rules()}
    assert list(rules) == ["cpu_high", "disk_full", "memory_high"]
    assert rules["disk_full"].levels()["warning"].threshold == 0.7
    assert rules["disk_full"].levels()["critical"].threshold == 0.9
    assert list(rules["memory_high"].levels()) == ["critical"]
    cpu = rules["cpu_high"]
    assert (cpu.level_for("warning"), cpu.level_for("critical")) == (300, 120)


def cpu_time(mode: str, rate: float | None, cpu: int | None = None) -> Point:
    attrs = (("cpu.logical_number", cpu), ("cpu.mode", mode)) if cpu is not None else (("cpu.mode", mode),)
    return Point(attrs, 100.0, 1, None if rate is None else rate * 5, rate)


def test_cpu_defaults_take_shares_of_cpu_time_with_or_without_per_cpu_series() -> None:
    rules = {r.name: r for r in AlertsSettings().effective_rules()}
    total = [cpu_time("idle", 0.2), cpu_time("user", 1.3), cpu_time("iowait", 0.5)]
    ((series, value),) = select(rules["cpu_high"], total)
    assert series == () and value == pytest.approx(0.9)
    per_cpu = [cpu_time("idle", 0.0, 0), cpu_time("user", 1.0, 0), cpu_time("idle", 0.2, 1), cpu_time("iowait", 0.8, 1)]
    ((series, value),) = select(rules["cpu_high"], per_cpu)
    assert series == () and value == pytest.approx(0.9)
    ((_, iowait),) = select(rules["iowait_high"], per_cpu)
    assert iowait == pytest.approx(0.4)
    assert select(rules["cpu_high"], [cpu_time("idle", None), cpu_time("user", None)]) == []  # the first collection


def test_reduce_by_and_matchers() -> None:
    (r,) = AlertsSettings.model_validate(
        one(where=["dev!~loop.*", "dir=read"], reduce={"op": "max", "by": ["host"]}, warning=1)
    ).rules
    points = [
        Point((("dev", "sda"), ("dir", "read"), ("host", "a")), 5.0),
        Point((("dev", "sdb"), ("dir", "read"), ("host", "a")), 7.0),
        Point((("dev", "loop0"), ("dir", "read"), ("host", "a")), 99.0),
        Point((("dev", "sda"), ("dir", "write"), ("host", "b")), 99.0),
        Point((("dev", "sda"), ("dir", "read"), ("host", "b")), 1.0),
    ]
    assert sorted(select(r, points)) == [((("host", "a"),), 7.0), ((("host", "b"),), 1.0)]


def test_templates() -> None:
    ctx = templates.Context("disk_full", "critical", 0.934, 0.9, {"system.filesystem.mountpoint": "/var"})
    text = "{{labels.system.filesystem.mountpoint}} {{ value | percent }} > {{ threshold }} ({{ rule }}/{{severity}})"
    assert templates.render(text, ctx) == "/var 93.4% > 0.9 (disk_full/critical)"
    assert templates.render("{{ labels.nope }}|{{ value | round }}", ctx) == "|1"
    with pytest.raises(ValueError, match="unknown template filter 'upper'"):
        templates.check("{{ value | upper }}")
