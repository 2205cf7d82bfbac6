"""Simulated hosts that send what a real sysagent sends, through sysagent's real delivery path.

Every host owns a durable queue file (``DurableQueue``, lazy acks, as the otlp
sink opens it) and a ``Sender`` over an OTLP/HTTP transport. Each tick it makes
the batches of a real snapshot (taken once from this machine) under its own
resource, with values that move as a host's do (counters grow at a per-series
rate, gauges wander), encodes them as one request (``encode_bounded``, as the
sink's writer does), puts the request in its queue and lets its sender send.
Ticks are every ``interval`` seconds, aligned to the clock with a per-host
phase, so the fleet's requests are spread over the interval.

A worker process runs a shard of the hosts on a few threads (each thread owns a
transport, i.e. a connection); its result is what it produced per host.
"""

from __future__ import annotations

import heapq
import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from sysagent.delivery import DurableQueue, Sender
from sysagent.model import Batch, MetricData, MetricKind, Point, Resource, Snapshot
from sysagent.otlp.encode import MetricsEncoder
from sysagent.otlp.http import HttpTransport
from sysagent.otlp.resolve import resolve
from sysagent.otlp.settings import OtlpSettings
from sysagent.otlp.split import encode_bounded
from sysagent.otlp.transport import SendOutcome, Transport


def host_resource(base: Resource, index: int, run_id: str) -> Resource:
    """The template's resource with this host's identity and the run's label."""
    own = {
        "host.name": f"fleet-{index:05d}",
        "host.id": uuid.uuid5(uuid.NAMESPACE_DNS, f"{run_id}-{index}").hex,
        "service.instance.id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{run_id}-{index}")),
        "deployment.environment.name": run_id,
    }
    attrs = {k: v for k, v in base.attributes if k not in own}
    return Resource(tuple(sorted({**attrs, **own}.items())))


class Counting(Transport):
    """Counts the bytes and requests of every send that was accepted."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.bytes = self.requests = 0

    def send(self, payload: bytes, timeout: float) -> SendOutcome:
        outcome = self.inner.send(payload, timeout)
        if outcome.ok:
            self.bytes += len(payload)
            self.requests += 1
        return outcome

    def close(self) -> None:
        self.inner.close()


@dataclass
class Host:
    index: int
    resource: Resource
    queue: DurableQueue
    sender: Sender
    phase: float
    rng: random.Random
    start_ns: int
    values: list[list[float]] = field(default_factory=list)  # per metric, per point
    rates: list[list[float]] = field(default_factory=list)
    ticks: int = 0
    first_ns: int = 0
    last_ns: int = 0
    retry_at: float = 0.0

    def batches(self, template: Snapshot, t_ns: int, dt: float) -> list[Batch]:
        out: list[Batch] = []
        k = 0
        for b in template.batches:
            metrics: list[MetricData] = []
            for m in b.metrics:
                vals, rates = self.values[k], self.rates[k]
                spec = m.spec
                points = []
                for j, p in enumerate(m.points):
                    if spec.kind is MetricKind.COUNTER:
                        vals[j] += rates[j] * dt
                    elif spec.unit == "1":
                        vals[j] = min(1.0, max(0.0, vals[j] + self.rng.uniform(-0.02, 0.02)))
                    else:
                        vals[j] = max(0.0, vals[j] * (1.0 + self.rng.uniform(-0.01, 0.01)))
                    v = float(round(vals[j])) if spec.integer else vals[j]
                    start = self.start_ns if spec.kind is not MetricKind.GAUGE else 0
                    points.append(Point(p.attributes, v, start))
                metrics.append(MetricData(spec, tuple(points)))
                k += 1
            out.append(replace(b, resource=self.resource, time_ns=t_ns, metrics=tuple(metrics)))
        return out


def make_host(index: int, template: Snapshot, run_id: str, folder: Path, transport: Transport, interval: float) -> Host:
    rng = random.Random(index)
    queue = DurableQueue(str(folder / f"host-{index:05d}.sqlite"), max_bytes=64 << 20, max_age=3600, lazy_ack=True)
    sender = Sender(queue, transport, name=f"host-{index}", backoff_initial=0.5, backoff_max=5.0)
    host = Host(index, host_resource(template.resource, index, run_id), queue, sender, rng.uniform(0, interval), rng, 0)
    host.start_ns = time.time_ns() - rng.randint(1, 10**6) * 10**9
    for b in template.batches:
        for m in b.metrics:
            host.values.append([abs(float(p.value)) * rng.uniform(0.5, 1.5) for p in m.points])
            host.rates.append([abs(p.rate) if p.rate else rng.uniform(0.0, 100.0) for p in m.points])
    return host


def transport_for(url: str) -> Counting:
    return Counting(HttpTransport(resolve(OtlpSettings.model_validate({"endpoint": url}), {})))


def run_shard(
    hosts: list[Host], template: Snapshot, interval: float, until: float, drain: float, late: list[float]
) -> None:
    """Tick and send the hosts until ``until`` (wall clock), then send their backlog for up to ``drain`` s.

    ``late`` gets, for each tick sent at once, the seconds from its timestamp to the gateway's answer:
    the simulator's own share of the lag.
    """
    encoder = MetricsEncoder()
    heap: list[tuple[float, int, bool]] = []
    for i, h in enumerate(hosts):
        first = (time.time() // interval + 1) * interval + h.phase
        heap.append((first, i, True))
    heapq.heapify(heap)
    end = until + drain
    while heap:
        due, i, tick = heapq.heappop(heap)
        if due >= end:
            break
        wait = due - time.time()
        if wait > 0:
            time.sleep(wait)
        h = hosts[i]
        if tick:
            if due >= until:
                if h.queue.stats().items:
                    heapq.heappush(heap, (max(due, h.retry_at), i, False))
                continue
            t_ns = int(due * 1e9)
            for enc in encode_bounded(encoder, h.batches(template, t_ns, interval), 4 << 20):
                h.queue.put(enc.payload, points=enc.points, created_ns=t_ns)
            h.ticks += 1
            h.first_ns = h.first_ns or t_ns
            h.last_ns = t_ns
            heapq.heappush(heap, (due + interval, i, True))
        if time.time() < h.retry_at:
            continue
        delay: float | None = 0.0
        while delay == 0.0:
            delay = h.sender.run_once(5.0)
        if delay:
            h.retry_at = time.time() + delay
            heapq.heappush(heap, (h.retry_at, i, False))
        elif tick:
            late.append(time.time() - due)


def worker(
    first: int,
    count: int,
    threads: int,
    template: Snapshot,
    run_id: str,
    folder: str,
    url: str,
    interval: float,
    until: float,
    drain: float,
) -> dict[str, object]:
    """A worker process: ``count`` hosts from ``first`` on ``threads`` threads; returns what they produced."""
    logging.disable(logging.CRITICAL)  # a gateway restart makes every sender complain
    transports = [transport_for(url) for _ in range(threads)]  # one connection per thread
    hosts = [
        make_host(first + k, template, run_id, Path(folder), transports[k % threads], interval) for k in range(count)
    ]
    shards = [hosts[k::threads] for k in range(threads)]
    late: list[float] = []
    ts = [threading.Thread(target=run_shard, args=(s, template, interval, until, drain, late)) for s in shards if s]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    left = sum(h.queue.stats().items for h in hosts)
    dropped = sum(h.queue.stats().dropped_points for h in hosts)
    for h in hosts:
        h.queue.close()
    for t in transports:
        t.close()
    return {
        "ticks": {f"fleet-{h.index:05d}": h.ticks for h in hosts},
        "bytes": sum(t.bytes for t in transports),
        "requests": sum(t.requests for t in transports),
        "left": left,
        "dropped": dropped,
        "late": late,
    }
