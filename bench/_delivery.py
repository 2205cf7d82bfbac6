"""Points per second of wall time into a real Collector: transport alone, queue + Sender, the otlp sink.

Each function sends ``n`` requests of the 10,000-series plugin (10 distinct
batches, cycled) and returns points acknowledged, wall seconds, and this
process's CPU seconds (all threads) from the first send to the last answer.
"""

from __future__ import annotations

import dataclasses
import os
import time
from typing import NamedTuple

from _common import REPO  # noqa: F401 - puts the repository on sys.path

from sysagent.delivery import DurableQueue, Sender
from sysagent.model import Batch
from sysagent.otlp.encode import MetricsEncoder
from sysagent.otlp.http import HttpTransport
from sysagent.otlp.resolve import resolve
from sysagent.otlp.settings import OtlpSettings
from sysagent.registry import PluginContext
from sysagent.runner import CollectorRunner
from sysagent.sinks.otlp import OtlpSink


class Delivery(NamedTuple):
    points: int
    wall: float
    cpu: float


def _batches(runner: CollectorRunner) -> list[Batch]:
    return [runner.run() for _ in range(10)]


def _transport(endpoint: str) -> HttpTransport:
    return HttpTransport(resolve(OtlpSettings(endpoint=endpoint), {}))


def deliver_transport(endpoint: str, runner: CollectorRunner, n: int, state: str, ctx: PluginContext) -> Delivery:
    encoder = MetricsEncoder()
    encoded = [encoder.encode((b,)) for b in _batches(runner)]
    transport = _transport(endpoint)
    points = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        e = encoded[i % len(encoded)]
        outcome = transport.send(e.payload, 30.0)
        if not outcome.ok:
            raise RuntimeError(f"send failed: {outcome.error}")
        points += e.points - outcome.rejected_points
    result = Delivery(points, time.perf_counter() - wall, time.process_time() - cpu)
    transport.close()
    return result


def deliver_sender(endpoint: str, runner: CollectorRunner, n: int, state: str, ctx: PluginContext) -> Delivery:
    """A producer puts requests into the durable queue (fsync per put) while the Sender drains it."""
    encoder = MetricsEncoder()
    encoded = [encoder.encode((b,)) for b in _batches(runner)]
    queue = DurableQueue(os.path.join(state, "sender.sqlite"), max_bytes=4 << 30, max_age=3600.0, topic="bench")
    sender = Sender(queue, _transport(endpoint), name="bench")
    sender.start()
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        e = encoded[i % len(encoded)]
        queue.put(e.payload, points=e.points, created_ns=time.time_ns())
        sender.wake()
    if not sender.flush(120.0):
        raise RuntimeError(f"the Sender did not drain the queue: {sender.stats().last_error}")
    result = Delivery(sender.stats().points_sent, time.perf_counter() - wall, time.process_time() - cpu)
    sender.stop(5.0)
    queue.close()
    return result


def deliver_sink(endpoint: str, runner: CollectorRunner, n: int, state: str, ctx: PluginContext) -> Delivery:
    """``OtlpSink.export`` of already collected batches, then ``force_flush``: the sink's whole path."""
    batches = _batches(runner)
    sink_ctx = dataclasses.replace(ctx, state_dir=os.path.join(state, "sink"))
    # A queue big enough for the whole burst: the default 64 MiB bound would drop the oldest
    # requests, since the bench exports ~100 MB at once (an agent exports ~18 kB per cycle).
    settings = OtlpSettings.model_validate({"endpoint": endpoint, "queue": {"max_bytes": 1 << 30}})
    sink = OtlpSink(settings, sink_ctx, environ={})
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        sink.export(batches[i % len(batches)])
    if not sink.force_flush(120.0):
        raise RuntimeError(f"the otlp sink did not flush: {sink.stats().last_error}")
    result = Delivery(sink.stats().points_sent, time.perf_counter() - wall, time.process_time() - cpu)
    sink.shutdown(5.0)
    return result
