"""A worker process for the host-lock tests: an SDK app with the bridge, reporting what it would export.

Every REPORT_EVERY seconds it writes ``<status_dir>/<pid>.json`` with how many
host points its MeterProvider's reader holds. Used three ways: as gunicorn's
config (``post_fork`` instruments each worker), as a WSGI app, and as a
script that instruments, then forks children (``prefork N``).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sysagent.otel
import sysagent.otel.bridge
from otel._bridgehelp import app, fake_config, points

REPORT_EVERY = 0.1
sysagent.otel.bridge.LEASE_POLL = 0.2  # take over quickly in tests


def start(status_dir: Path, state_dir: Path) -> None:
    """Instrument this process and report, in a thread, what its reader sees."""
    provider, reader = app()
    sysagent.otel.instrument(provider, fake_config(state_dir, collectors={"cpu": {"interval": "1s"}}))
    report_from(reader, status_dir)


def report_from(reader: Any, status_dir: Path) -> None:
    def loop() -> None:
        while True:
            n = len(points(reader.get_metrics_data()))
            tmp = status_dir / f".{os.getpid()}.tmp"
            tmp.write_text(json.dumps({"pid": os.getpid(), "points": n, "t": time.time()}))
            tmp.replace(status_dir / f"{os.getpid()}.json")
            time.sleep(REPORT_EVERY)

    threading.Thread(target=loop, daemon=True).start()


# -- gunicorn: `gunicorn -c _worker.py otel._worker:application` --------------------------------
workers = 3
bind = os.environ.get("BRIDGE_TEST_BIND", "127.0.0.1:0")


def post_fork(_server: Any, _worker: Any) -> None:
    start(Path(os.environ["BRIDGE_TEST_STATUS"]), Path(os.environ["BRIDGE_TEST_STATE"]))


def application(_environ: Any, start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]


# -- a plain pre-forking parent: instrument, then fork ------------------------------------------
if __name__ == "__main__" and sys.argv[1] == "prefork":
    children, status, state = int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
    provider, reader = app()
    sysagent.otel.instrument(provider, fake_config(state, collectors={"cpu": {"interval": "1s"}}))
    report_from(reader, status)
    time.sleep(1.0)  # the parent holds the lease and emits before it forks
    for _ in range(children):
        if os.fork() == 0:
            report_from(reader, status)
            break
    while True:
        time.sleep(1)
