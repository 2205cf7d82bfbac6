"""Tests for the example plugin, written with sysagent's pytest plugin (sysagent_harness)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sysagent_example.filehandles import FileHandles

from sysagent.testing import Harness


def test_reads_allocated_and_limit(sysagent_harness: Callable[..., Harness], tmp_path: Path) -> None:
    (tmp_path / "proc" / "sys" / "fs").mkdir(parents=True)
    (tmp_path / "proc" / "sys" / "fs" / "file-nr").write_text("2144\t0\t9223372036854775807\n")
    h = sysagent_harness(FileHandles, host_root=str(tmp_path))
    h.collect()
    h.assert_metric("system.linux.file_handles.usage", value=2144)
    h.assert_metric("system.linux.file_handles.limit", value=9223372036854775807)
    h.assert_all_metrics_covered()


def test_live_machine(sysagent_harness: Callable[..., Harness]) -> None:
    h = sysagent_harness(FileHandles)
    h.collect()
    [used] = h.assert_metric("system.linux.file_handles.usage")
    [limit] = h.assert_metric("system.linux.file_handles.limit")
    assert 0 < used.value <= limit.value
