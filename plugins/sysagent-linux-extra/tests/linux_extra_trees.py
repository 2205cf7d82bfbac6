"""Fake /proc/pressure, /sys/class/hwmon and /sys/class/net trees for the linux-extra tests."""

from __future__ import annotations

import os
from pathlib import Path


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def pressure(root: Path, *, irq: bool = False) -> None:
    p = root / "proc" / "pressure"
    write(
        p / "cpu",
        "some avg10=1.00 avg60=2.00 avg300=3.00 total=5000000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
    )
    write(
        p / "memory",
        "some avg10=0.00 avg60=0.00 avg300=0.00 total=1500\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=500\n",
    )
    write(
        p / "io",
        "some avg10=0.87 avg60=0.91 avg300=0.77 total=4525242\nfull avg10=0.78 avg60=0.68 avg300=0.63 total=3760751\n",
    )
    if irq:
        write(p / "irq", "full avg10=0.00 avg60=0.00 avg300=0.00 total=42\n")
    write(root / "proc" / "stat", "cpu  1 2 3 4\nbtime 1700000000\nprocesses 5\n")


def hwmon_chip(root: Path, index: int, name: str, device: str | None, files: dict[str, str]) -> Path:
    chip = root / "sys" / "class" / "hwmon" / f"hwmon{index}"
    write(chip / "name", name + "\n")
    for file, text in files.items():
        write(chip / file, text + "\n")
    if device is not None:
        target = root / "sys" / "devices" / "platform" / device
        target.mkdir(parents=True, exist_ok=True)
        os.symlink(target, chip / "device")
    return chip


def nic(root: Path, name: str, *, device: bool, speed: str | None, operstate: str, address: str) -> None:
    d = root / "sys" / "class" / "net" / name
    write(d / "operstate", operstate + "\n")
    write(d / "address", address + "\n")
    if speed is not None:
        write(d / "speed", speed + "\n")
    if device:
        target = root / "sys" / "devices" / "pci0000:00" / name
        target.mkdir(parents=True, exist_ok=True)
        os.symlink(target, d / "device")
