"""sysagent-containers: cgroup v2 (and v1) metrics per container and per systemd slice."""

from __future__ import annotations

__version__ = "0.1.0"
