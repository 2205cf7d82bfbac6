"""The rules that ship enabled: the original spec's table.

- CPU > 80% for 5 min: WARNING; > 95% for 2 min: CRITICAL
- memory > 85%: WARNING; > 95%: CRITICAL
- disk > 80%: WARNING; > 90%: CRITICAL (per mountpoint)
- I/O wait > 50% for 5 min: WARNING

Utilizations are shares (0..1), as the semantic conventions define them; the
CPU rules take shares of ``system.cpu.time``'s rates (``share: true``). Users
disable a default with ``alerts.defaults.disable: [NAME]``, change fields with
``alerts.defaults.override: {NAME: {...}}``, or replace it with a rule of the same name.
"""

from __future__ import annotations

from typing import Any

_PCT = "{{ value | percent }}"

DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    {
        "name": "cpu_high",
        # busy = 1 - the idle share of all CPU time, from the counters' rates: the same
        # with or without per-CPU series, and with system.cpu.utilization off (its default)
        "metric": "system.cpu.time",
        "where": ["cpu.mode=idle"],
        "share": True,
        "complement": True,
        "warning": {"threshold": 0.80, "clear": 0.75, "for": "5m"},
        "critical": {"threshold": 0.95, "clear": 0.90, "for": "2m"},
        "annotations": {"summary": f"CPU busy {_PCT} (threshold {{{{ threshold | percent }}}})"},
    },
    {
        "name": "memory_high",
        "metric": "system.memory.utilization",
        "where": ["system.memory.state=used"],
        "warning": {"threshold": 0.85, "clear": 0.82},
        "critical": {"threshold": 0.95, "clear": 0.92},
        "annotations": {"summary": f"memory used {_PCT} (threshold {{{{ threshold | percent }}}})"},
    },
    {
        "name": "disk_full",
        "metric": "system.filesystem.utilization",
        "where": ["system.filesystem.state=used"],
        "warning": {"threshold": 0.80, "clear": 0.78},
        "critical": {"threshold": 0.90, "clear": 0.88},
        "annotations": {
            "summary": f"{{{{ labels.system.filesystem.mountpoint }}}} is {_PCT} full"
            " (threshold {{ threshold | percent }})",
        },
    },
    {
        "name": "iowait_high",
        "metric": "system.cpu.time",
        "where": ["cpu.mode=iowait"],
        "share": True,
        "warning": {"threshold": 0.50, "clear": 0.45, "for": "5m"},
        "annotations": {"summary": f"CPU I/O wait {_PCT} (threshold {{{{ threshold | percent }}}})"},
    },
)

DEFAULT_NAMES = tuple(r["name"] for r in DEFAULT_RULES)
