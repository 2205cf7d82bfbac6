"""Run every target of a generated Grafana dashboard against the real backend, as Grafana would.

Template variables are resolved from the backend the way Grafana resolves them
(``label_values(...)`` through the series API, ``SHOW TAG VALUES`` / ``SHOW FIELD
KEYS`` through InfluxQL), then ``$__rate_interval``, ``$__interval`` and
``$timeFilter`` are substituted. Each target must run without error, return data,
and hold values in the range its panel's unit implies.
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from e2e._backends import InfluxDB, Prometheus
from e2e._http import get_json
from e2e._stack import ROOT

DASHBOARDS = ROOT / "backends" / "grafana" / "dashboards"
#: Unit -> (low, high) every value must lie in.
RANGES = {"percent": (0.0, 100.0), "percentunit": (0.0, 1.0)}
NON_NEGATIVE = (0.0, math.inf)
_PROM_METRIC = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{")
_INFLUX_FROM = re.compile(r'FROM "\$rp"\."([^"]+)"')
_LABEL_VALUES = re.compile(r"^label_values\((.*),\s*(\w+)\)$")


@dataclass
class Checked:
    """What running one dashboard found."""

    panels: int = 0
    queries: int = 0
    series: int = 0
    failures: list[str] = field(default_factory=list)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DASHBOARDS / name).read_text())
    return data


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for p in dashboard["panels"]:
        if p["type"] == "row":
            out.extend(p.get("panels", []))
        else:
            out.append(p)
    return out


def substitute(text: str, values: dict[str, str]) -> str:
    for name in sorted(values, key=len, reverse=True):
        text = text.replace(f"${{{name}}}", values[name]).replace(f"${name}", values[name])
    return text


def check_range(where: str, unit: str, values: list[float]) -> list[str]:
    lo, hi = RANGES.get(unit, NON_NEGATIVE)
    bad = [v for v in values if math.isnan(v) or not lo - 1e-6 <= v <= hi + 1e-6]
    return [f"{where}: {len(bad)} value(s) outside [{lo}, {hi}] for unit {unit}, e.g. {bad[0]}"] if bad else []


class PromRunner:
    """Runs a Prometheus dashboard for one host over the last ``window`` seconds."""

    def __init__(self, prom: Prometheus, fixed: dict[str, str], window: float = 90.0) -> None:
        self.prom, self.fixed, self.window = prom, fixed, window

    def resolve(self, dashboard: dict[str, Any]) -> dict[str, str]:
        values: dict[str, str] = {"__rate_interval": "20s", "__interval": "5s"}
        for var in dashboard["templating"]["list"]:
            m = _LABEL_VALUES.match(substitute(var["query"], values))
            assert m, f"variable {var['name']}: unexpected query {var['query']}"
            found = {s.get(m.group(2)) for s in self.prom.series(m.group(1))}
            want = self.fixed[var["name"]]
            assert want in found, f"variable {var['name']}: {want!r} not among {sorted(v for v in found if v)[:10]}"
            values[var["name"]] = want
        return values

    def emitted(self, metric: str) -> bool:
        return bool(self.prom.series(f'{metric}{{host_name="{self.fixed["host"]}"}}'))

    def run(self, dashboard: dict[str, Any]) -> Checked:
        values, out = self.resolve(dashboard), Checked()
        end = time.time()
        for p in panels(dashboard):
            out.panels += 1
            unit = p.get("fieldConfig", {}).get("defaults", {}).get("unit", "")
            results: dict[str, list[list[float]]] = {}
            for t in p["targets"]:
                out.queries += 1
                where = f"{p['title']!r} {t['refId']}"
                expr = substitute(t["expr"], values)
                out.failures += [
                    f"{where}: the agent does not emit {m}"
                    for m in set(_PROM_METRIC.findall(expr))
                    if not self.emitted(m)
                ]
                body = get_json(
                    f"{self.prom.url}/api/v1/query_range",
                    {"query": expr, "start": str(end - self.window), "end": str(end), "step": "5"},
                )
                if body.get("status") != "success":
                    out.failures.append(f"{where}: {body.get('error')}")
                    continue
                series = body["data"]["result"]
                if not series:
                    out.failures.append(f"{where}: empty result for {expr}")
                    continue
                out.series += len(series)
                results[t["refId"]] = [[float(v) for _, v in s["values"]] for s in series]
                out.failures += check_range(where, unit, [v for s in results[t["refId"]] for v in s])
            if p["title"] == "Memory by state" and "A" in results and "B" in results:
                used, total = results["A"][0], results["B"][0]
                if any(u > tt for u, tt in zip(used[-len(total) :], total[-len(used) :], strict=False)):
                    out.failures.append("'Memory by state': used exceeds total")
        return out


class InfluxRunner:
    """Runs the InfluxDB dashboard for one host and one retention policy over the last ``window`` seconds."""

    def __init__(
        self, influx: InfluxDB, fixed: dict[str, str], rp: str, interval: str, *, rates_may_be_empty: bool = False
    ) -> None:
        self.influx, self.fixed, self.rp, self.interval, self.window = influx, fixed, rp, interval, "30m"
        #: A rate needs two buckets; one_month's 5-minute buckets take up to 10 minutes of data to have two.
        self.rates_may_be_empty = rates_may_be_empty
        self.empty_rates = 0

    def query(self, q: str) -> dict[str, Any]:
        body: dict[str, Any] = get_json(f"{self.influx.url}/query", {"db": self.influx.db, "q": q, "epoch": "s"})
        return body["results"][0]

    def resolve(self, dashboard: dict[str, Any]) -> dict[str, str]:
        values = {"rp": self.rp, "__interval": self.interval, "timeFilter": f"time > now() - {self.window}"}
        for var in dashboard["templating"]["list"]:
            if var["type"] != "query":
                continue
            result = self.query(substitute(var["query"], {**values, "job": ".*", "host": ".*"}))
            assert "error" not in result, f"variable {var['name']}: {result['error']}"
            column = 1 if var["query"].upper().startswith("SHOW TAG VALUES") else 0  # as Grafana reads them
            found = {row[column] for s in result.get("series", []) for row in s["values"]}
            if var.get("regex"):  # Grafana keeps the values its /regex/ matches
                pattern = re.compile(var["regex"].strip("/"))
                found = {v for v in found if pattern.search(v)}
            want = self.fixed.get(var["name"])
            if want is None:  # the field variables: one field per policy
                assert len(found) == 1, f"variable {var['name']} in {self.rp}: fields {found}"
                want = next(iter(found))
            assert want in found, f"variable {var['name']}: {want!r} not among {sorted(found)[:10]}"
            values[var["name"]] = want
        return values

    def run(self, dashboard: dict[str, Any]) -> Checked:
        values, out = self.resolve(dashboard), Checked()
        measurements = {
            row[0]
            for s in self.query(f'SHOW MEASUREMENTS ON "{self.influx.db}"').get("series", [])
            for row in s["values"]
        }
        for p in panels(dashboard):
            out.panels += 1
            unit = p.get("fieldConfig", {}).get("defaults", {}).get("unit", "")
            for t in p["targets"]:
                out.queries += 1
                where = f"{p['title']!r} {t['refId']} ({self.rp})"
                q = substitute(t["query"], values)
                out.failures += [
                    f"{where}: the agent does not emit {m}"
                    for m in _INFLUX_FROM.findall(t["query"])
                    if m not in measurements
                ]
                result = self.query(q)
                if "error" in result:
                    out.failures.append(f"{where}: {result['error']}")
                    continue
                series = result.get("series", [])
                vals = [float(v) for s in series for row in s["values"] for v in row[1:] if v is not None]
                if not vals and self.rates_may_be_empty and "non_negative_derivative" in q:
                    self.empty_rates += 1
                    continue
                if not vals:
                    out.failures.append(f"{where}: empty result for {q}")
                    continue
                out.series += len(series)
                out.failures += check_range(where, unit, vals)
        return out


def write_summary(path: Path, name: str, checked: Checked) -> None:
    """One line per dashboard run, for the report (tmp/artifacts/dashboards.txt)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    verdict = "PASS" if not checked.failures else f"FAIL ({len(checked.failures)})"
    with path.open("a") as f:
        f.write(f"{name}: {checked.panels} panels, {checked.queries} queries, {checked.series} series: {verdict}\n")
