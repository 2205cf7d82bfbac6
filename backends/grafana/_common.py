"""Shared builders for sysagent's Grafana dashboards (grafana-foundation-sdk): panels, variables, targets."""

from __future__ import annotations

import json
from typing import Any

from grafana_foundation_sdk.builders import common as common_b
from grafana_foundation_sdk.builders import dashboard as dash_b
from grafana_foundation_sdk.builders import prometheus as prom_b
from grafana_foundation_sdk.builders import stat as stat_b
from grafana_foundation_sdk.builders import timeseries as ts_b
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as common_m
from grafana_foundation_sdk.models import dashboard as dash_m

PROMETHEUS = dash_m.DataSourceRef(type_val="prometheus", uid="sysagent-prometheus")
INFLUXDB = dash_m.DataSourceRef(type_val="influxdb", uid="sysagent-influxdb")
#: The original spec's thresholds (sysagent/alerts/defaults.py): warning, critical, in percent.
CPU_THRESHOLDS = (80.0, 95.0)
MEMORY_THRESHOLDS = (85.0, 95.0)
DISK_THRESHOLDS = (80.0, 90.0)
TIME_OPTIONS = ["1h", "6h", "24h", "7d", "30d"]
REFRESH = "10s"


class InfluxQL(cogvariants.Dataquery):
    """An InfluxQL target (the SDK has no InfluxDB builder): raw query text, time-series result."""

    def __init__(self, query: str, alias: str = "") -> None:
        self.query, self.alias, self.ref_id = query, alias, "A"

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"refId": self.ref_id, "datasource": INFLUXDB.to_json(), "rawQuery": True}
        out.update({"query": self.query, "resultFormat": "time_series"})
        if self.alias:
            out["alias"] = self.alias
        return out


class InfluxTarget(cogbuilder.Builder[cogvariants.Dataquery]):
    def __init__(self, query: str, alias: str = "", ref_id: str = "A") -> None:
        self._internal = InfluxQL(query, alias)
        self._internal.ref_id = ref_id

    def build(self) -> cogvariants.Dataquery:
        return self._internal


def prom(expr: str, legend: str = "", ref_id: str = "A", instant: bool = False) -> prom_b.Dataquery:
    q = prom_b.Dataquery().expr(expr).legend_format(legend or "__auto").ref_id(ref_id).datasource(PROMETHEUS)
    return q.instant() if instant else q.range()


def _thresholds(steps: tuple[float, ...]) -> dash_b.ThresholdsConfig:
    colors = ["green", "orange", "red"]
    values: list[dash_m.Threshold] = [dash_m.Threshold(None, "green")]
    values += [dash_m.Threshold(v, colors[i + 1]) for i, v in enumerate(steps)]
    return dash_b.ThresholdsConfig().mode(dash_m.ThresholdsMode.ABSOLUTE).steps(values)


def timeseries(
    title: str,
    unit: str,
    targets: list[Any],
    *,
    thresholds: tuple[float, ...] = (),
    lo: float | None = None,
    hi: float | None = None,
    w: int = 12,
    h: int = 8,
    description: str = "",
) -> ts_b.Panel:
    p = ts_b.Panel().title(title).unit(unit).targets(targets).span(w).height(h).fill_opacity(10).line_width(1)
    if description:
        p = p.description(description)
    if thresholds:
        style = common_b.GraphThresholdsStyleConfig().mode(common_m.GraphTresholdsStyleMode.DASHED)
        p = p.thresholds(_thresholds(thresholds)).thresholds_style(style)
    if lo is not None:
        p = p.min(lo)
    if hi is not None:
        p = p.max(hi)
    return p


def stat(
    title: str, unit: str, targets: list[Any], *, thresholds: tuple[float, ...] = (), w: int = 4, h: int = 4
) -> stat_b.Panel:
    p = stat_b.Panel().title(title).unit(unit).targets(targets).span(w).height(h)
    if thresholds:
        p = p.thresholds(_thresholds(thresholds))
    return p


def query_var(name: str, label: str, query: str, datasource: dash_m.DataSourceRef = PROMETHEUS) -> Any:
    return (
        dash_b.QueryVariable(name)
        .label(label)
        .query(query)
        .datasource(datasource)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .refresh(dash_m.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dash_m.VariableSort.ALPHABETICAL_ASC)
    )


def dashboard(uid: str, title: str, description: str, panels: list[Any], variables: list[Any]) -> dash_b.Dashboard:
    d = (
        dash_b.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["sysagent"])
        .refresh(REFRESH)
        .time("now-1h", "now")
        .timepicker(dash_b.TimePicker().refresh_intervals(["10s", "30s", "1m", "5m"]).time_options(TIME_OPTIONS))
        .tooltip(dash_m.DashboardCursorSync.CROSSHAIR)
        .variables(variables)
        .link(
            dash_b.DashboardLink("sysagent")
            .type(dash_m.DashboardLinkType.DASHBOARDS)
            .tags(["sysagent"])
            .as_dropdown(True)
            .include_vars(True)
            .keep_time(True)
        )
    )
    for p in panels:
        d = d.with_row(p) if isinstance(p, dash_b.Row) else d.with_panel(p)
    return d


def to_json(d: dash_b.Dashboard) -> str:
    return json.dumps(d.build(), cls=JSONEncoder, indent=2, sort_keys=True) + "\n"
