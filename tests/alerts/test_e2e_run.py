"""End to end: ``sysagent run`` as a subprocess, notifications arriving at real loopback receivers."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from e2e._http import get_json, wait_for

from alerts._recorder import Recorder

pytestmark = pytest.mark.e2e
QUIET = ["connections", "disk", "network", "paging", "filesystem", "system", "cpu", "selfmetrics"]


class Agent:
    def __init__(self, tmp: Path, env: dict[str, str], config: dict[str, Any]) -> None:
        self.config_path = tmp / "sysagent.yaml"
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        self.env = env
        self.log = tmp / "agent.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sysagent", "run", "-c", str(self.config_path)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"),
        )

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sysagent", "alerts", *args, "-c", str(self.config_path)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return int(self.proc.returncode)


@pytest.fixture
def agents(tmp_path: Path, subprocess_env: dict[str, str]) -> Iterator[list[Agent]]:
    started: list[Agent] = []
    yield started
    for a in started:
        a.stop()


def base_config(tmp: Path, **alerts: Any) -> dict[str, Any]:
    return {
        "agent": {"state_dir": str(tmp / "state")},
        "plugins": {"disable": QUIET, "modules": ["alerts.valueplugin"]},
        "collectors": {"memory": {"interval": "1s"}, "filevalue": {"path": str(tmp / "value")}},
        "sinks": {},
        "alerts": alerts,
    }


def test_low_threshold_on_a_real_host_metric_fires_within_a_cycle_plus_for(
    tmp_path: Path, subprocess_env: dict[str, str], agents: list[Agent], recorder: Recorder
) -> None:
    config = base_config(
        tmp_path,
        channels={"hook": {"type": "webhook", "url": recorder.url}},
        rules=[
            {
                "name": "memory_used_any",
                "metric": "system.memory.utilization",
                "where": ["system.memory.state=used"],
                "warning": {"threshold": 0.0001, "for": "2s"},
            }
        ],
    )
    started = time.time()
    agents.append(Agent(tmp_path, subprocess_env, config))
    (req,) = recorder.wait(1, timeout=1 + 2 + 15)  # one 1 s cycle plus 'for', and room for start-up
    alert = req.json["alerts"][0]
    assert (req.json["status"], alert["labels"]["alertname"], alert["labels"]["severity"]) == (
        "firing",
        "memory_used_any",
        "warning",
    )
    history = agents[0].cli("history", "--rule", "memory_used_any").stdout
    pending, firing = (line for line in history.splitlines() if "->" in line and "hook" not in line)
    assert "inactive -> pending" in pending and "pending -> firing:warning first" in firing
    assert "firing/first -> hook: delivered" in history
    assert time.time() - started < 60
    assert agents[0].stop() == 0


def test_controlled_value_fires_changes_severity_and_resolves_at_every_channel(
    tmp_path: Path, subprocess_env: dict[str, str], agents: list[Agent], alertmanager: str
) -> None:
    slack, discord = Recorder(), Recorder()
    value = tmp_path / "value"
    value.write_text("10")
    config = base_config(
        tmp_path,
        channels={
            "slack": {"type": "slack", "url": slack.url + "/services/T0/B0/XXXX"},
            "discord": {"type": "discord", "url": discord.url + "/api/webhooks/1/token"},
            "am": {"type": "alertmanager", "url": alertmanager, "resend_interval": "2s"},
        },
        rules=[
            {
                "name": "value_high",
                "metric": "test.file.value",
                "warning": {"threshold": 50, "clear": 45},
                "critical": 90,
                "annotations": {"summary": "value {{ value }} above {{ threshold }}"},
            }
        ],
    )
    try:
        agent = Agent(tmp_path, subprocess_env, config)
        agents.append(agent)
        time.sleep(2)
        value.write_text("60")
        slack.wait(1, timeout=20)
        value.write_text("95")
        slack.wait(2, timeout=20)

        def am_state() -> list[Any]:
            return [a for a in get_json(f"{alertmanager}/api/v2/alerts") if a["labels"]["alertname"] == "value_high"]

        wait_for(
            "alertmanager lists value_high as critical",
            lambda: [a for a in am_state() if a["labels"]["severity"] == "critical"],
            timeout=20,
        )
        value.write_text("10")
        slack.wait(3, timeout=20)
        discord.wait(3, timeout=20)
        wait_for("alertmanager no longer lists value_high", lambda: not am_state() or None, timeout=20)
        assert agent.stop() == 0
        # What each channel received, in order.
        got = [
            (
                r.json["blocks"][1]["fields"][0]["text"],
                r.json["blocks"][1]["fields"][1]["text"],
                r.json["blocks"][1]["fields"][4]["text"],
            )
            for r in slack.requests
        ]
        assert got == [
            ("*Status*\nfiring", "*Severity*\nwarning", "*Reason*\nfirst"),
            ("*Status*\nfiring", "*Severity*\ncritical", "*Reason*\nseverity changed: warning -> critical"),
            ("*Status*\nresolved", "*Severity*\ncritical", "*Reason*\nresolved: value 10 past clear threshold 90"),
        ]
        titles = [e["title"] for r in discord.requests for e in r.json["embeds"]]
        assert [t.split(" ")[0] for t in titles] == ["[WARNING]", "[CRITICAL]", "[RESOLVED]"]
        assert all("value_high" in t for t in titles)
        assert slack.requests[0].json["blocks"][0]["text"]["text"].endswith("value 60 above 50")
        (tmp_path / "received.json").write_text(
            json.dumps(
                {
                    "slack": slack.requests[0].json,
                    "discord": discord.requests[1].json,
                },
                indent=1,
            )
        )
        rules = agent.cli("rules").stdout
        assert "value_high  test.file.value  warning > 50 for 0s, critical > 90 for 0s" in rules
        assert "inactive" in rules.split("value_high", 1)[1]
    finally:
        slack.close()
        discord.close()


def test_cli_test_command_goes_through_the_real_pipeline(
    tmp_path: Path, subprocess_env: dict[str, str], recorder: Recorder
) -> None:
    from alerts._recorder import Answer

    recorder.answer(Answer(429, {"Retry-After": "1"}))
    config = base_config(tmp_path, channels={"ops": {"type": "slack", "url": recorder.url}})
    path = tmp_path / "sysagent.yaml"
    path.write_text(yaml.safe_dump(config))
    out = subprocess.run(
        [sys.executable, "-m", "sysagent", "alerts", "test", "--channel", "ops", "-c", str(path)],
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "firing: attempt 1 retry 429 HTTP 429",
        "firing: attempt 2 delivered 200",
        "resolved: attempt 1 delivered 200",
    ]
    assert [r.json["blocks"][1]["fields"][0]["text"] for r in recorder.requests] == [
        "*Status*\nfiring",
        "*Status*\nfiring",
        "*Status*\nresolved",
    ]


def test_mute_from_the_cli_holds_a_running_agents_notifications(
    tmp_path: Path, subprocess_env: dict[str, str], agents: list[Agent], recorder: Recorder
) -> None:
    value = tmp_path / "value"
    value.write_text("1")
    config = base_config(
        tmp_path,
        channels={"hook": {"type": "webhook", "url": recorder.url}},
        rules=[{"name": "value_high", "metric": "test.file.value", "warning": 50}],
    )
    agent = Agent(tmp_path, subprocess_env, config)
    agents.append(agent)
    out = agent.cli("mute", "alertname=value_high", "--for", "2h", "--comment", "planned work", "--creator", "ann")
    assert out.returncode == 0 and out.stdout.startswith("mute 1: alertname=value_high until"), out.stderr
    assert "by ann: planned work" in agent.cli("mutes").stdout
    time.sleep(2)
    value.write_text("70")
    wait_for("a muted transition in history", lambda: "[muted]" in agent.cli("history").stdout, timeout=20)
    assert recorder.requests == []
    assert agent.cli("unmute", "1").returncode == 0
    (req,) = recorder.wait(1, timeout=20)
    assert (req.json["status"], req.json["alerts"][0]["labels"]["alertname"]) == ("firing", "value_high")


def test_with_no_channel_notifications_go_to_the_log_once_each(
    tmp_path: Path, subprocess_env: dict[str, str], agents: list[Agent]
) -> None:
    """Issue 14: the shipped state (no channel configured) still tells someone: the log channel."""
    value = tmp_path / "value"
    value.write_text("5")
    config = base_config(
        tmp_path, rules=[{"name": "value_high", "metric": "test.file.value", "warning": {"threshold": 1, "clear": 1}}]
    )
    agent = Agent(tmp_path, subprocess_env, config)
    agents.append(agent)

    def lines(word: str) -> list[str]:
        return [x for x in agent.log.read_text().splitlines() if "alert value_high" in x and word in x]

    wait_for("the firing line", lambda: lines("firing:warning"), timeout=20)
    value.write_text("0")
    wait_for("the resolved line", lambda: lines("resolved"), timeout=20)
    time.sleep(2.5)  # two more cycles: nothing is said again
    assert agent.stop() == 0
    log = agent.log.read_text()
    assert "alerts: 5 rules; notifying: log" in log  # the 4 shipped rules and this one
    (fired,) = lines("firing:warning")
    (resolved,) = lines("resolved")
    assert " WARNING " in fired and "value=5 threshold=1" in fired and "source=file" in fired
    assert " INFO " in resolved


def test_disabled_alerting_runs_no_evaluator_and_creates_no_store(
    tmp_path: Path, subprocess_env: dict[str, str], agents: list[Agent]
) -> None:
    config = base_config(tmp_path, enabled=False)
    config["sinks"] = {"file": {"path": str(tmp_path / "m.ndjson")}}
    agent = Agent(tmp_path, subprocess_env, config)
    agents.append(agent)
    out = tmp_path / "m.ndjson"
    wait_for("a batch", lambda: out.exists() and out.stat().st_size > 0, timeout=20)
    time.sleep(1.5)
    assert agent.stop() == 0
    collectors = {json.loads(line)["collector"] for line in (tmp_path / "m.ndjson").read_text().splitlines()}
    assert "alerts" not in collectors and "memory" in collectors
    assert not list((tmp_path / "state").glob("alerts*"))
    r = agent.cli("rules")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "alerting is off" in r.stderr
