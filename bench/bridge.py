"""The app's CPU per export: sysagent's SDK bridge against opentelemetry-instrumentation-system-metrics.

    python bench/bridge.py [--quick]

Three app processes run side by side in one run, each with the OpenTelemetry
SDK, a PeriodicExportingMetricReader and the OTLP/HTTP exporter sending every
second to one real local Collector (debug exporter): the SDK alone (the floor),
the SDK with sysagent.otel (every built-in collector every second), and the SDK
with the contrib instrumentor (its defaults). CPU is utime+stime of each whole
process over the same minutes, divided by the exports it made. Printed: CPU per
export, points per export and RSS of each; the bridge's cost as a share of
contrib's, for the whole process and above the floor (what instrumenting adds).
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

from _bridge_inproc import bridge_split, contrib_split
from _common import REPO, Report, ms, quick
from _services import OtelCollector, Process

INTERVAL = 1.0
APP = Path(__file__).with_name("_bridge_app.py")
COLLECTORS = ("cpu", "load", "memory", "paging", "filesystem", "disk", "network", "connections", "system")
MODES = ("none", "bridge", "contrib")


class App(Process):
    """One app process; follows its ``export N POINTS`` lines."""

    def __init__(self, mode: str, endpoint: str) -> None:
        state = tempfile.mkdtemp(prefix=f"bench-bridge-{mode}-")
        super().__init__([sys.executable, str(APP), mode, endpoint, str(INTERVAL), state], f"app-{mode}")
        self.exports = 0
        self.points = 0
        threading.Thread(target=self._follow, daemon=True).start()

    def _follow(self) -> None:
        seen = 0
        while self.proc.poll() is None:
            lines = self.log.read_text(errors="replace").splitlines()
            for line in lines[seen:]:
                if line.startswith("export "):
                    _, n, points = line.split()
                    self.exports, self.points = int(n), int(points)
            seen = len(lines)
            time.sleep(0.2)


def bridge_config(state: str) -> dict[str, object]:
    """Every built-in collector every INTERVAL; entry-point plugins off (built-ins only)."""
    collectors = {name: {"interval": INTERVAL} for name in COLLECTORS}
    return {"agent": {"state_dir": state}, "plugins": {"autoload": False}, "collectors": collectors}


def split(rep: Report) -> None:
    n = 30 if quick() else 200
    rep.section(f"in-process split, median of {n} (thread CPU of the thread that pays)")
    b = bridge_split(bridge_config(tempfile.mkdtemp(prefix="bench-bridge-split-")), n)
    c = contrib_split(n)
    rep.figure("bridge: collection + hand-off per cycle (sysagent's thread, no SDK lock)", ms(b["collect"]))
    rep.figure(f"bridge: SDK collect per export, under the SDK lock ({b['points']:.0f} points)", ms(b["sdk"]))
    rep.figure(f"contrib: SDK collect per export, psutil reads under the lock ({c['points']:.0f} points)", ms(c["sdk"]))
    rep.figure("OTLP encode per export: bridge / contrib", f"{ms(b['encode'])} / {ms(c['encode'])}")
    rep.figure("time under the SDK's collect lock, bridge / contrib", f"{b['sdk'] / c['sdk']:.3f}")
    own = b["collect"] + b["sdk"] + b["encode"]
    rep.figure("all instrumentation work per export, bridge / contrib", f"{own / (c['sdk'] + c['encode']):.3f}")


def main() -> int:
    rep = Report("bridge")
    split(rep)
    warmup, seconds = (6.0, 15.0) if quick() else (10.0, 60.0)
    rep.section(f"3 apps, OTLP/HTTP every {INTERVAL:g} s to one real Collector; {seconds:g} s measured")
    with OtelCollector() as col:
        apps = {m: App(m, col.endpoint) for m in MODES}
        try:
            time.sleep(warmup)
            start = {m: (a.cpu(), a.exports) for m, a in apps.items()}
            time.sleep(seconds)
            per: dict[str, float] = {}
            for m, a in apps.items():
                cpu, exports = a.cpu() - start[m][0], a.exports - start[m][1]
                assert exports > 0, f"{m}: no exports\n{a.tail()}"
                per[m] = cpu / exports
                label = f"{m}: CPU per export ({exports} exports), {a.points} points, RSS {a.rss():.1f} MB"
                rep.figure(label, ms(per[m]))
        finally:
            for a in apps.values():
                a.stop()
    rep.figure("bridge / contrib, whole app process", f"{per['bridge'] / per['contrib']:.3f}")
    above = (per["bridge"] - per["none"]) / max(per["contrib"] - per["none"], 1e-9)
    rep.figure("bridge / contrib, above the SDK-alone floor (what instrumenting adds)", f"{above:.3f}")
    rep.target("bridge CPU per export / contrib's, whole app process", per["bridge"] / per["contrib"], "<=", 0.1)
    return rep.summary()


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
