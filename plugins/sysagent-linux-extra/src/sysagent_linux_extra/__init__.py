"""sysagent-linux-extra: pressure stall information, hardware sensors and NIC link speed."""

from __future__ import annotations

__version__ = "0.1.0"
