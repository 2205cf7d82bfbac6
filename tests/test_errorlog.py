"""Errors are logged once per kind and always counted; changing messages cannot flood the log."""

from __future__ import annotations

import logging

import pytest

from sysagent.errorlog import ErrorLog


def test_logged_once_counted_always_and_recovery_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    log = ErrorLog(logging.getLogger("t"))
    for _ in range(5):
        log.error("collector 'x'", "failed", OSError("gone"))
    log.success("collector 'x'")
    messages = [r.getMessage() for r in caplog.records]
    assert len([m for m in messages if "gone" in m]) == 1
    assert messages[-1] == "collector 'x' recovered (5 errors so far)"
    assert log.counts["collector 'x'"] == 5


def test_changing_messages_are_bounded(caplog: pytest.LogCaptureFixture) -> None:
    log = ErrorLog(logging.getLogger("t"))
    for i in range(100):
        log.error("collector 'y'", "failed", ValueError(f"bad value at {i}"))
    assert len([r for r in caplog.records if "bad value" in r.getMessage()]) == ErrorLog.MAX_KINDS + 1
    assert log.counts["collector 'y'"] == 100
