"""What the live page costs: the agent's memory with and without it, CPU per SSE client, the page in Chromium.

Peers measured in the same run: the same agent (collectors every second, console
sink) with the status endpoint off, on with no viewer, and on with N SSE
viewers. CPU is the agent process's utime+stime (/proc), RSS its VmRSS.

    python bench/livepage.py [--quick]
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from _common import Report, free_port, quick
from _services import AgentProcess

from sysagent.http.live import CAPACITY, SERIES

COLLECTORS = {n: {"interval": "1s"} for n in ("cpu", "memory", "filesystem", "disk", "network", "load", "system")}
CLIENTS = 10


def agent(status: bool, port: int) -> AgentProcess:
    cfg: dict[str, Any] = {
        "agent": {"status": {"enabled": status, "port": port}, "log_level": "WARNING"},
        "collectors": COLLECTORS,
        "sinks": {"console": {}},
    }
    return AgentProcess(cfg)


def viewer(port: int, stop: threading.Event, events: list[int]) -> None:
    """An SSE client that reads every update until ``stop``."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n")
        f = s.makefile("rb")
        while not stop.is_set():
            line = f.readline()
            if not line:
                return
            if line.startswith(b"data: "):
                events.append(len(line))


def cpu_over(proc: AgentProcess, seconds: float) -> float:
    start = proc.cpu()
    time.sleep(seconds)
    return proc.cpu() - start


def browser_heap(port: int) -> float | None:
    """The page's JS heap in Chromium after 10 s of updates (MB), or None without chromium."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--enable-precise-memory-info"):
        opts.add_argument(arg)
    try:
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    except Exception:
        return None
    try:
        driver.get(f"http://127.0.0.1:{port}/")
        time.sleep(10)
        return float(driver.execute_script("return performance.memory.usedJSHeapSize")) / 2**20
    finally:
        driver.quit()


def main() -> int:
    report = Report("live page")
    window = 8.0 if quick() else 30.0
    off_port, on_port = free_port(), free_port()
    report.section(f"agents with collectors every 1 s, measured over {window:g} s each")
    with agent(False, off_port) as off, agent(True, on_port) as on:
        on.wait_port(on_port)
        off.wait_lines(3, 30)
        on.wait_lines(3, 30)
        time.sleep(3)
        rss_off, rss_on = off.rss(), on.rss()
        report.figure("agent RSS, status endpoint off", f"{rss_off:.1f} MB")
        report.figure("agent RSS, status endpoint + live page on", f"{rss_on:.1f} MB")
        report.figure("difference (server, routes, history rings)", f"{rss_on - rss_off:+.1f} MB")
        ring_kib = len(SERIES) * CAPACITY * 16 / 1024
        report.figure(f"history rings: {len(SERIES)} series x {CAPACITY} samples x 16 B", f"{ring_kib:.0f} KiB")
        cpu_idle = cpu_over(on, window)
        report.figure("agent CPU, no viewer", f"{cpu_idle / window * 1e3:.2f} ms/s")
        stop, events = threading.Event(), []  # type: ignore[var-annotated]
        threads = [threading.Thread(target=viewer, args=(on_port, stop, events), daemon=True) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(2)
        before = len(events)
        cpu_viewed = cpu_over(on, window)
        got = len(events) - before
        stop.set()
        report.figure(f"agent CPU, {CLIENTS} SSE viewers", f"{cpu_viewed / window * 1e3:.2f} ms/s")
        per_client = (cpu_viewed - cpu_idle) / window / CLIENTS * 1e3
        report.figure("CPU per SSE client (agent side)", f"{per_client:.3f} ms/s ({per_client / 10:.4f} % of a core)")
        report.figure("updates each viewer got per second", f"{got / CLIENTS / window:.2f}")
        report.figure("bytes per update", f"{(sum(events) / max(1, len(events))):.0f} B")
        report.figure("agent RSS with the viewers", f"{on.rss():.1f} MB")
        heap = browser_heap(on_port)
        report.figure("the page in Chromium: JS heap after 10 s", "n/a" if heap is None else f"{heap:.1f} MB")
        report.target("CPU per SSE client, ms per second", per_client, "<=", 2.0)
        report.target("history rings, KiB", ring_kib, "<=", 256.0, "{:.0f}")
    return report.summary()


if __name__ == "__main__":
    raise SystemExit(main())
