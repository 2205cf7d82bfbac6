"""The live page in a real browser (Debian's chromium + chromedriver, driven by selenium).

The page loads without console errors, its charts draw points from real
collections, a new value arrives over SSE within two intervals, and an alert
fired by a low threshold shows up. Screenshots (light, dark, narrow) are saved
under tmp/artifacts/livepage/ and the folder is printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tmp" / "artifacts" / "livepage"
INTERVAL = 1.0
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"

pytestmark = pytest.mark.e2e


@pytest.fixture
def agent_url(tmp_path: Path, subprocess_env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    cfg = {
        "agent": {"state_dir": str(tmp_path / "state"), "status": {"port": port}},
        "collectors": {
            n: {"interval": f"{INTERVAL}s"}
            for n in ("cpu", "memory", "filesystem", "disk", "network", "load", "system")
        },
        "sinks": {},
        "alerts": {"rules": [{"name": "uptime_low", "metric": "system.uptime", "warning": {"threshold": 1}}]},
    }
    path = tmp_path / "agent.yaml"
    path.write_text(yaml.safe_dump(cfg))
    with open(tmp_path / "agent.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sysagent", "run", "-c", str(path)],
            env=subprocess_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_for(lambda: _up(url), 30), (tmp_path / "agent.log").read_text()
        yield url
    finally:
        proc.terminate()
        proc.wait(20)


def _up(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/api/v1/metrics/current", timeout=2) as r:
            return b"cpu.busy" in r.read()
    except OSError:
        return False


@pytest.fixture
def browser() -> Iterator[Any]:
    for binary in (CHROMIUM, CHROMEDRIVER):
        assert os.access(binary, os.X_OK), f"{binary} is missing: apt-get install chromium chromium-driver"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1100",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def _seq(driver: Any) -> int:
    return int(driver.execute_script("return Number(document.body.dataset.seq || 0)"))


def _points(driver: Any, key: str) -> int:
    return int(
        driver.execute_script(
            f"const p = document.querySelector('polyline[data-key=\"{key}\"]'); return p ? Number(p.dataset.count) : 0"
        )
    )


def test_live_page_in_chromium(agent_url: str, browser: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.get(agent_url + "/")
    assert wait_for(lambda: _seq(browser) > 0, 15), "no SSE update arrived"
    assert wait_for(lambda: _points(browser, "cpu.busy") >= 3, 15), "the CPU chart has no points"
    assert _points(browser, "memory.used") >= 2
    seen = _seq(browser)
    start = time.monotonic()
    assert wait_for(lambda: _seq(browser) > seen, 2 * INTERVAL + 0.5), "no new value within two intervals"
    print(f"SSE update after {time.monotonic() - start:.2f}s")
    text = browser.find_element("id", "tile-cpu").text
    assert "%" in text, text
    assert wait_for(lambda: "uptime_low" in _text(browser, "section-alerts-firing"), 15), "the alert is not shown"
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe

    browser.save_screenshot(str(ARTIFACTS / "light.png"))
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}
    )
    bg = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert bg == "rgb(18, 20, 22)", bg
    browser.save_screenshot(str(ARTIFACTS / "dark.png"))
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    browser.set_window_size(390, 1400)
    time.sleep(0.5)
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways at phone width ({width}px)"
    browser.save_screenshot(str(ARTIFACTS / "narrow.png"))
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    print(f"screenshots: {ARTIFACTS}")
    if os.environ.get("SYSAGENT_UPDATE_DOCS_SCREENSHOT"):
        shutil.copy(ARTIFACTS / "light.png", ROOT / "docs" / "livepage.png")


def _text(driver: Any, element_id: str) -> str:
    found = driver.find_elements("id", element_id)
    return str(found[0].text) if found else ""
