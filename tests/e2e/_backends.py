"""Query clients for the real backends: Prometheus's HTTP API and InfluxDB 1.x InfluxQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from e2e._http import get_json, wait_for


@dataclass(frozen=True)
class Sample:
    """One series of an instant query: its labels and value."""

    labels: dict[str, str]
    value: float


class Prometheus:
    """Prometheus's /api/v1 query API."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _data(self, path: str, params: dict[str, str]) -> Any:
        body = get_json(f"{self.url}/api/v1/{path}", params)
        assert body["status"] == "success", body
        return body["data"]

    def query(self, promql: str) -> list[Sample]:
        """An instant query (vector results only)."""
        data = self._data("query", {"query": promql})
        assert data["resultType"] == "vector", data
        return [Sample(r["metric"], float(r["value"][1])) for r in data["result"]]

    def series(self, match: str) -> list[dict[str, str]]:
        """Label sets of the series matching ``match`` (last hour)."""
        return list(self._data("series", {"match[]": match}))

    def wait(self, promql: str, timeout: float = 30.0, min_count: int = 1) -> list[Sample]:
        """Poll ``promql`` until it returns at least ``min_count`` series."""
        return wait_for(f"PromQL {promql}", lambda: r if len(r := self.query(promql)) >= min_count else None, timeout)


class InfluxDB:
    """InfluxDB 1.x /query with InfluxQL; rows come back as dicts column -> value."""

    def __init__(self, url: str, db: str = "sysagent") -> None:
        self.url = url
        self.db = db

    def query(self, influxql: str) -> list[dict[str, Any]]:
        body = get_json(f"{self.url}/query", {"db": self.db, "q": influxql, "epoch": "ms"})
        rows: list[dict[str, Any]] = []
        for result in body["results"]:
            assert "error" not in result, result["error"]
            for series in result.get("series", []):
                tags = series.get("tags", {})
                rows.extend(
                    {**tags, **dict(zip(series["columns"], values, strict=True))} for values in series["values"]
                )
        return rows

    def wait(self, influxql: str, timeout: float = 30.0, min_count: int = 1) -> list[dict[str, Any]]:
        """Poll ``influxql`` until it returns at least ``min_count`` rows."""
        return wait_for(
            f"InfluxQL {influxql}", lambda: r if len(r := self.query(influxql)) >= min_count else None, timeout
        )
