"""Pressure, hwmon and NIC collectors on this machine, and installed as an entry point."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sysagent_linux_extra.hwmon import HwmonCollector
from sysagent_linux_extra.nic import NicCollector
from sysagent_linux_extra.pressure import PressureCollector

from sysagent.testing import Harness

Make = Callable[..., Harness]


def test_live_pressure(sysagent_harness: Make) -> None:
    files = [r for r in ("cpu", "memory", "io", "irq") if os.access(f"/proc/pressure/{r}", os.R_OK)]
    h = sysagent_harness(PressureCollector)
    h.collect()
    time.sleep(0.05)
    batch = h.collect()
    names = {m.spec.name for m in batch.metrics}
    assert names == {f"system.{r}.linux.pressure.total" for r in files}
    for r in files:
        direct = Path(f"/proc/pressure/{r}").read_text()
        for point in h.assert_metric(f"system.{r}.linux.pressure.total"):
            kind = dict(point.attributes)["system.linux.pressure.stall_type"]
            total = int(re.search(rf"^{kind} .*total=(\d+)", direct, re.M).group(1))  # type: ignore[union-attr]
            assert point.value <= total / 1e6  # read before the direct read; counters only grow
            assert point.rate is not None and point.rate >= 0


def test_live_hwmon_reports_every_readable_sensor(sysagent_harness: Make) -> None:
    base = Path("/sys/class/hwmon")
    expected = 0
    for chip in base.iterdir() if base.exists() else []:
        for f in chip.iterdir():
            if re.match(r"^(temp|fan|in|energy)\d+_input$|^power\d+_(input|average)$", f.name):
                try:
                    ok = f.read_text().strip().lstrip("-").isdigit()
                except OSError:
                    ok = False
                sensor = f.name.split("_")[0]
                fault = chip / f"{sensor}_fault"
                both = f.name.endswith("_average") and (chip / f"{sensor}_input").exists()
                expected += ok and not both and not (fault.exists() and fault.read_text().strip() == "1")
    h = sysagent_harness(HwmonCollector, settings={"limits": False})
    batch = h.collect()
    assert batch.point_count == expected


def test_live_nic_link_state(sysagent_harness: Make) -> None:
    net = Path("/sys/class/net")
    physical = {d.name: (d / "operstate").read_text().strip() for d in net.iterdir() if (d / "device").exists()}
    h = sysagent_harness(NicCollector)
    batch = h.collect()
    up = batch.metric("hw.network.up")
    got = {dict(p.attributes)["hw.id"]: p.value for p in (up.points if up else ())}
    assert got == {name: int(state == "up") for name, state in physical.items() if name != "lo"}


def test_installed_entry_point_is_listed_and_collects(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SYSAGENT_DISABLE_PLUGIN_AUTOLOAD"}
    env["XDG_STATE_HOME"] = str(tmp_path)
    run = [sys.executable, "-m", "sysagent"]
    r = subprocess.run([*run, "plugins"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("linux-extra "))
    assert "entry point (sysagent-linux-extra 0.1.0)" in line
    assert "collector pressure, collector hwmon, collector nic" in line
    snap = subprocess.run([*run, "snapshot", "--format", "json"], env=env, capture_output=True, text=True, timeout=120)
    assert snap.returncode == 0, snap.stderr
    ours = {m["name"] for m in json.loads(snap.stdout)["metrics"] if m["scope"] == "sysagent_linux_extra.plugin"}
    if os.path.exists("/proc/pressure/cpu"):
        assert "system.cpu.linux.pressure.total" in ours
