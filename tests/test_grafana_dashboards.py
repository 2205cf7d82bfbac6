"""The committed Grafana dashboards are what backends/grafana/generate.py makes, with units and the spec's options."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DASHBOARDS = ROOT / "backends" / "grafana" / "dashboards"


def test_committed_dashboards_are_fresh() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "backends/grafana/generate.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr


def test_every_panel_has_a_unit_and_every_dashboard_the_spec_options() -> None:
    names = sorted(p.name for p in DASHBOARDS.glob("*.json"))
    assert names == ["agent.json", "fleet.json", "host-influxdb.json", "host.json"]
    for name in names:
        d = json.loads((DASHBOARDS / name).read_text())
        assert d["refresh"] == "10s"
        assert d["timepicker"]["time_options"] == ["1h", "6h", "24h", "7d", "30d"]
        assert {"job", "host"} <= {v["name"] for v in d["templating"]["list"]}
        for p in d["panels"]:
            if p["type"] != "row":
                assert p["fieldConfig"]["defaults"].get("unit"), f"{name}: {p['title']} has no unit"
                if any(w in p["title"] for w in ("CPU busy", "Memory used", "Filesystem used", "Fullest filesystem")):
                    steps = p["fieldConfig"]["defaults"]["thresholds"]["steps"]
                    assert len(steps) == 3, f"{name}: {p['title']} lacks the spec's thresholds"
