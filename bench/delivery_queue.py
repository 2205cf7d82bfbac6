"""Rough figures for the durable queue: put() cost per item and drain throughput.

Run: PYTHONPATH=. python bench/delivery_queue.py [--items N] [--size BYTES]
Put cost is measured with fsync=always (an fsync per commit, what a backlog gets
under the sink's default ``backlog``) and never (what a put on an empty queue
gets). Drain throughput is measured with a transport that accepts everything
(the queue's and sender's own cost) and through the real OTLP/HTTP transport to
a loopback HTTP server, with and without catch-up batching.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sysagent.delivery import DurableQueue, Sender
from sysagent.delivery.queue import Fsync
from sysagent.otlp.http import HttpTransport
from sysagent.otlp.resolve import HTTP, Endpoint
from sysagent.otlp.transport import SendOutcome, Transport


class Accept:
    def send(self, payload: bytes, timeout: float) -> SendOutcome:
        return SendOutcome(True, False, None, 0, "")

    def close(self) -> None:
        pass


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def fill(path: Path, n: int, size: int, fsync: Fsync = "always") -> float:
    q = DurableQueue(str(path), max_bytes=10**10, max_age=86400, fsync=fsync)
    payload = b"x" * size
    start = time.perf_counter()
    for _ in range(n):
        q.put(payload, points=150, created_ns=time.time_ns())
    elapsed = time.perf_counter() - start
    q.close()
    return elapsed / n


def drain(path: Path, transport: Transport, combine: bool) -> tuple[float, int]:
    q = DurableQueue(str(path), max_bytes=10**10, max_age=86400)
    n = q.stats().items
    sender = Sender(q, transport, name="bench", combine=combine)
    start = time.perf_counter()
    sender.stop(3600)  # not started: drains inline
    elapsed = time.perf_counter() - start
    requests = sender.stats().requests
    q.close()
    return n / elapsed, requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--size", type=int, default=10_000, help="bytes per item (150 points encode to ~10 KB)")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/metrics"
    with tempfile.TemporaryDirectory() as tmp:
        fsyncs: tuple[Fsync, ...] = ("always", "never")  # a backlog (this fill) under "backlog" is "always"
        for fsync in fsyncs:
            per_put = fill(Path(tmp) / f"put-{fsync}.db", args.items, args.size, fsync)
            print(f"put, fsync={fsync}: {per_put * 1e3:.3f} ms per item of {args.size} bytes")
        for label, make in (("accept-all transport", Accept), ("OTLP/HTTP loopback", None)):
            for combine in (False, True):
                path = Path(tmp) / f"drain-{label[:4]}-{combine}.db"
                fill(path, args.items, args.size)
                transport: Transport = Accept() if make else HttpTransport(Endpoint(HTTP, url, "", False))
                rate, requests = drain(path, transport, combine)
                transport.close()
                print(f"drain, {label}, combine={combine}: {rate:,.0f} items/s ({requests} requests)")
    server.shutdown()


if __name__ == "__main__":
    main()
