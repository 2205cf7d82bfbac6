"""The package version, read by the build and by ``sysagent --version``."""

from __future__ import annotations

__version__ = "0.1.0"
