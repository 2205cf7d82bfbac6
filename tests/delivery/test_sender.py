"""The sender: order, catch-up batching, retries with backoff, refusals, partial success, stop and flush."""

from __future__ import annotations

import logging
import random
import threading
import time
from pathlib import Path

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from delivery.fakes import OK, UNAVAILABLE, ScriptedTransport, otlp_request, refused, throttled
from sysagent.delivery import FULL, PARTIAL, REJECTED, DropCount, DurableQueue, Sender
from sysagent.otlp.transport import SendOutcome


@pytest.fixture
def queue(tmp_path: Path) -> DurableQueue:
    return DurableQueue(str(tmp_path / "q.db"), max_bytes=10**8, max_age=86400)


def put(queue: DurableQueue, payloads: list[bytes], points: int = 1) -> None:
    for p in payloads:
        queue.put(p, points=points, created_ns=time.time_ns())


def drain(sender: Sender, limit: int = 10_000) -> list[float]:
    delays: list[float] = []
    for _ in range(limit):
        delay = sender.run_once()
        if delay is None:
            return delays
        delays.append(delay)
    raise AssertionError("the queue never drained")


def test_a_backlog_is_sent_in_order_in_fewer_requests_each_within_the_limit(queue: DurableQueue) -> None:
    payloads = [otlp_request(i) for i in range(300)]
    put(queue, payloads, points=1)
    transport = ScriptedTransport()
    limit = 20 * len(payloads[0]) + 5
    sender = Sender(queue, transport, name="t", max_batch_bytes=limit)
    drain(sender)
    assert len(transport.sent) == 15  # 300 items, 20 to a request
    assert all(len(r) <= limit for r in transport.sent)
    values = []
    for request in transport.sent:  # a concatenation parses as one request holding every part
        merged = ExportMetricsServiceRequest.FromString(request)
        values += [rm.scope_metrics[0].metrics[0].gauge.data_points[0].as_int for rm in merged.resource_metrics]
    assert values == list(range(300))
    stats = sender.stats()
    assert (stats.requests, stats.items_sent, stats.points_sent, stats.queue_items) == (15, 300, 300, 0)


def test_without_combining_each_item_is_its_own_request(queue: DurableQueue) -> None:
    put(queue, [b"a", b"b", b"c"])
    transport = ScriptedTransport()
    drain(Sender(queue, transport, name="t", combine=False))
    assert transport.sent == [b"a", b"b", b"c"]


def test_retryable_failures_back_off_exponentially_with_jitter_and_a_cap(queue: DurableQueue) -> None:
    put(queue, [b"x" * 10], points=4)
    transport = ScriptedTransport(default=UNAVAILABLE)
    sender = Sender(queue, transport, name="t", backoff_initial=0.5, backoff_max=8.0, rng=random.Random(1))
    delays = [sender.run_once() for _ in range(400)]
    ceilings = [min(8.0, 0.5 * 2**n) for n in range(400)]
    assert all(d is not None and 0 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    late = [d for d in delays[10:] if d is not None]
    assert max(late) > 7.0 and min(late) < 1.0  # jittered over the whole range up to the cap
    assert len(set(delays)) == len(delays)
    stats = sender.stats()
    assert (stats.retries, stats.points_retried, stats.points_sent, stats.queue_items) == (400, 1600, 0, 1)
    assert stats.last_error == "HTTP 503 Service Unavailable" and stats.failing_since is not None
    transport.default = OK
    assert sender.run_once() == 0.0
    assert sender.stats().failing_since is None and transport.accepted == [b"x" * 10]
    transport.default = UNAVAILABLE
    put(queue, [b"y"])
    after_success = sender.run_once()
    assert after_success is not None and after_success <= 0.5  # the backoff starts over after a success


def test_retry_after_is_a_floor_and_is_bounded(queue: DurableQueue) -> None:
    put(queue, [b"x"])
    transport = ScriptedTransport([throttled(7.0), throttled(0.01), throttled(5000.0), OK])
    sender = Sender(queue, transport, name="t", backoff_initial=0.5, backoff_max=30.0, retry_after_max=60.0)
    first, second, third = sender.run_once(), sender.run_once(), sender.run_once()
    assert first is not None and first >= 7.0
    assert second is not None and second <= 2.0  # the floor does not raise the backoff beyond its own ceiling
    assert third == 60.0
    assert sender.run_once() == 0.0 and transport.accepted == [b"x"]


def test_a_refused_item_is_dropped_counted_and_logged_once(
    queue: DurableQueue, caplog: pytest.LogCaptureFixture
) -> None:
    put(queue, [b"bad1", b"good", b"bad2"], points=5)
    transport = ScriptedTransport(decide=lambda p: refused() if b"bad" in p else OK)
    sender = Sender(queue, transport, name="t", combine=False)
    assert drain(sender) == [0.0, 0.0, 0.0]
    assert transport.accepted == [b"good"]
    stats = sender.stats()
    assert stats.dropped_points == {REJECTED: 10} and stats.points_sent == 5
    refusals = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 1 and "HTTP 400" in refusals[0].getMessage()


def test_a_refused_combined_request_is_split_so_good_items_still_arrive(queue: DurableQueue) -> None:
    put(queue, [b"a;", b"b;", b"BAD;", b"c;", b"d;"], points=2)
    transport = ScriptedTransport(decide=lambda p: refused() if b"BAD" in p else OK)
    sender = Sender(queue, transport, name="t")
    drain(sender)
    assert b"".join(transport.accepted) == b"a;b;c;d;"
    assert transport.sent[0] == b"a;b;BAD;c;d;"
    assert sender.stats().dropped_points == {REJECTED: 2}
    assert sender.stats().points_sent == 8


def test_partial_success_counts_rejected_points(queue: DurableQueue) -> None:
    put(queue, [b"p"], points=10)
    transport = ScriptedTransport([SendOutcome(True, False, None, 3, "3 points out of order")])
    sender = Sender(queue, transport, name="t")
    drain(sender)
    stats = sender.stats()
    assert (stats.points_sent, stats.dropped_points, stats.queue_items) == (7, {PARTIAL: 3}, 0)


def test_a_transport_that_raises_is_retried(queue: DurableQueue) -> None:
    class Broken(ScriptedTransport):
        def send(self, payload: bytes, timeout: float) -> SendOutcome:
            if not self.sent:
                self.sent.append(payload)
                raise ConnectionResetError("peer went away")
            return super().send(payload, timeout)

    put(queue, [b"x"])
    transport = Broken()
    sender = Sender(queue, transport, name="t")
    assert sender.run_once() is not None and "ConnectionResetError" in sender.stats().last_error
    drain(sender)
    assert transport.accepted == [b"x"]


def test_the_thread_sends_what_producers_queue_in_order(queue: DurableQueue) -> None:
    transport = ScriptedTransport()
    sender = Sender(queue, transport, name="t", max_batch_bytes=64)
    sender.start()

    def produce(tag: bytes) -> None:
        for i in range(100):
            queue.put(tag + b"%03d;" % i, points=1, created_ns=time.time_ns())
            sender.wake()

    producers = [threading.Thread(target=produce, args=(t,)) for t in (b"a", b"b", b"c")]
    for p in producers:
        p.start()
    for p in producers:
        p.join()
    assert sender.flush(timeout=30)
    sender.stop(5)
    parts = b"".join(transport.accepted).split(b";")[:-1]
    assert len(parts) == 300
    for tag in (b"a", b"b", b"c"):
        assert [int(p[1:]) for p in parts if p.startswith(tag)] == list(range(100))
    assert sender.stats().points_sent == 300


def test_stop_flushes_within_its_timeout_and_the_rest_is_sent_after_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "q.db")
    queue = DurableQueue(path, max_bytes=10**8, max_age=86400)
    put(queue, [b"%02d;" % i for i in range(40)])
    slow = ScriptedTransport(delay=0.05)
    sender = Sender(queue, slow, name="t", combine=False)
    sender.start()
    started = time.monotonic()
    sender.stop(0.5)
    assert time.monotonic() - started < 2.0
    queue.close()
    assert 1 <= len(slow.accepted) < 40  # some went out before the deadline, the rest stayed queued
    queue = DurableQueue(path, max_bytes=10**8, max_age=86400)
    fast = ScriptedTransport()
    Sender(queue, fast, name="t").stop(5)  # never started: stop() flushes inline
    assert b"".join(slow.accepted + fast.accepted) == b"".join(b"%02d;" % i for i in range(40))
    assert queue.stats().items == 0
    queue.close()


def test_stop_during_an_outage_keeps_everything_queued(queue: DurableQueue, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="sysagent.delivery")
    put(queue, [b"a", b"b"])
    transport = ScriptedTransport(default=UNAVAILABLE)
    sender = Sender(queue, transport, name="t", backoff_initial=5.0, backoff_max=5.0)
    sender.start()
    while not transport.sent:
        time.sleep(0.01)
    started = time.monotonic()
    sender.stop(1.0)
    assert time.monotonic() - started < 1.5
    assert queue.stats().items == 2
    assert "2 items (2 bytes) stay queued" in caplog.text
    assert sum("retrying with backoff" in r.getMessage() for r in caplog.records) == 1


def test_an_outage_longer_than_the_queue_loses_exactly_the_oldest_and_says_how_many(tmp_path: Path) -> None:
    queue = DurableQueue(str(tmp_path / "q.db"), max_bytes=2000, max_age=86400)
    transport = ScriptedTransport(default=UNAVAILABLE)
    sender = Sender(queue, transport, name="t", max_batch_bytes=500)
    payloads = [b"%04d;" % i + b"." * 95 for i in range(50)]  # 100 bytes each: 20 fit
    for i, p in enumerate(payloads):
        queue.put(p, points=i, created_ns=time.time_ns())
        assert sender.run_once() is not None  # every attempt during the outage fails
    transport.default = OK
    drain(sender)
    assert transport.accepted and b"".join(transport.accepted) == b"".join(payloads[30:])
    stats = sender.stats()
    assert stats.dropped_points == {FULL: sum(range(30))}
    assert stats.points_sent == sum(range(30, 50))
    assert queue.stats().dropped[FULL] == DropCount(30, sum(range(30)))
