"""sysagent-process: per-process metrics, a bounded top-N of the host's processes."""

from __future__ import annotations

__version__ = "0.1.0"
