"""Generate sysagent's Grafana dashboards into backends/grafana/dashboards/ (committed; a test checks they are fresh).

    python backends/grafana/generate.py          # write the JSON
    python backends/grafana/generate.py --check  # exit 1 when a committed file differs

Needs ``pip install 'sysagent[dashboards]'`` (grafana-foundation-sdk).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import agent_dashboard  # noqa: E402
import fleet_dashboard  # noqa: E402
import host_dashboard  # noqa: E402
import influxdb_dashboard  # noqa: E402
from _common import to_json  # noqa: E402

OUT = HERE / "dashboards"
DASHBOARDS: dict[str, Callable[[], object]] = {
    "fleet.json": fleet_dashboard.fleet,
    "host.json": host_dashboard.host,
    "agent.json": agent_dashboard.agent,
    "host-influxdb.json": influxdb_dashboard.host,
}


def render() -> dict[str, str]:
    """File name -> JSON text of every dashboard."""
    return {name: to_json(build()) for name, build in DASHBOARDS.items()}  # type: ignore[arg-type]


def main(argv: list[str]) -> int:
    stale = []
    for name, text in render().items():
        path = OUT / name
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
            continue
        path.write_text(text)
        print(f"wrote {path.relative_to(HERE.parent.parent)}")
    if stale:
        print(f"stale: {', '.join(stale)}; run python backends/grafana/generate.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
