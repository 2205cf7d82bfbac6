"""The hand-written encoder, decoded with the official OTLP protobuf classes."""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality, Metric, NumberDataPoint

from sysagent.model import (
    AttrKey,
    AttrValue,
    Batch,
    MetricData,
    MetricSpec,
    Point,
    Resource,
    Scope,
    counter,
    gauge,
    updowncounter,
)
from sysagent.otlp.encode import MetricsEncoder

T0 = 1_700_000_000_123_456_789
PREV = T0 - 5_000_000_000
BOOT = 1_699_990_000_000_000_000
HOST = Resource((("host.name", "web-1"), ("service.name", "sysagent")))

CPU_TIME = counter("system.cpu.time", "s", "CPU time")
MEM = updowncounter("system.memory.usage", "By", "Memory in use", integer=True)
UTIL = gauge("system.cpu.utilization", "1")
PROCS = gauge("system.process.count.sampled", "{process}", integer=True)


def decode(payload: bytes) -> ExportMetricsServiceRequest:
    msg = ExportMetricsServiceRequest()
    msg.ParseFromString(payload)
    return msg


def attrs_of(kvs: object) -> dict[str, AttrValue]:
    out: dict[str, AttrValue] = {}
    for kv in kvs:  # type: ignore[attr-defined]
        which = kv.value.WhichOneof("value")
        out[kv.key] = getattr(kv.value, which)
    return out


def host_batch() -> Batch:
    cpu = MetricData(
        CPU_TIME,
        (
            Point((("cpu.mode", "user"),), 1234.5, BOOT, 2.5, 0.5),
            Point((("cpu.mode", "idle"),), 99999.25, BOOT, None, None),
        ),
    )
    mem = MetricData(MEM, (Point((("system.memory.state", "used"),), 8_000_000_000.0, PREV + 1, 1024.0),))
    util = MetricData(UTIL, (Point((("cpu.mode", "user"),), 0.25),))
    return Batch(Scope("cpu", "0.1.0"), HOST, T0, (cpu, mem, util), PREV, "cpu")


def test_cumulative_sums_and_gauges_decode_exactly() -> None:
    encoded = MetricsEncoder().encode([host_batch()])
    assert encoded.points == 4
    msg = decode(encoded.payload)
    (rm,) = msg.resource_metrics
    assert attrs_of(rm.resource.attributes) == {"host.name": "web-1", "service.name": "sysagent"}
    (sm,) = rm.scope_metrics
    assert (sm.scope.name, sm.scope.version) == ("cpu", "0.1.0")
    cpu, mem, util = sm.metrics

    assert (cpu.name, cpu.unit, cpu.description, cpu.WhichOneof("data")) == ("system.cpu.time", "s", "CPU time", "sum")
    assert cpu.sum.is_monotonic is True
    assert cpu.sum.aggregation_temporality == AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
    user, idle = cpu.sum.data_points
    assert attrs_of(user.attributes) == {"cpu.mode": "user"}
    assert (user.start_time_unix_nano, user.time_unix_nano) == (BOOT, T0)
    assert (user.WhichOneof("value"), user.as_double) == ("as_double", 1234.5)
    assert attrs_of(idle.attributes) == {"cpu.mode": "idle"} and idle.as_double == 99999.25

    assert (mem.name, mem.unit, mem.WhichOneof("data")) == ("system.memory.usage", "By", "sum")
    assert mem.sum.is_monotonic is False
    assert mem.sum.aggregation_temporality == AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
    (used,) = mem.sum.data_points
    assert (used.WhichOneof("value"), used.as_int) == ("as_int", 8_000_000_000)
    assert (used.start_time_unix_nano, used.time_unix_nano) == (PREV + 1, T0)

    assert (util.name, util.unit, util.description) == ("system.cpu.utilization", "1", "")
    assert util.WhichOneof("data") == "gauge"
    (u,) = util.gauge.data_points
    assert (u.start_time_unix_nano, u.time_unix_nano, u.as_double) == (0, T0, 0.25)


def test_delta_temporality_uses_deltas_and_keeps_updowncounters_cumulative() -> None:
    msg = decode(MetricsEncoder("delta").encode([host_batch()]).payload)
    cpu, mem, util = msg.resource_metrics[0].scope_metrics[0].metrics
    assert cpu.sum.aggregation_temporality == AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA
    assert cpu.sum.is_monotonic is True
    (only,) = cpu.sum.data_points  # the idle point has no delta yet: left out
    assert attrs_of(only.attributes) == {"cpu.mode": "user"}
    assert (only.start_time_unix_nano, only.time_unix_nano, only.as_double) == (PREV, T0, 2.5)
    assert mem.sum.aggregation_temporality == AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
    assert mem.sum.data_points[0].as_int == 8_000_000_000
    assert util.gauge.data_points[0].as_double == 0.25


def test_integer_deltas_are_ints() -> None:
    spec = counter("system.disk.operations", "{operation}", integer=True)
    batch = Batch(Scope("disk"), HOST, T0, (MetricData(spec, (Point((("d", "sda"),), 10.0, BOOT, 3.0),)),), PREV)
    msg = decode(MetricsEncoder("delta").encode([batch]).payload)
    (p,) = msg.resource_metrics[0].scope_metrics[0].metrics[0].sum.data_points
    assert (p.WhichOneof("value"), p.as_int) == ("as_int", 3)


def test_each_batch_is_its_own_scope_and_each_resource_its_own_resource_metrics() -> None:
    other = Resource((("host.name", "db-1"),))
    mem = Batch(Scope("memory", "0.1.0"), HOST, T0, (MetricData(MEM, (Point((), 5.0, T0),)),))
    remote = Batch(Scope("cpu", "0.1.0"), other, T0, (MetricData(UTIL, (Point((), 0.5),)),))
    encoded = MetricsEncoder().encode([host_batch(), remote, mem])
    assert encoded.points == 6
    msg = decode(encoded.payload)
    assert [attrs_of(rm.resource.attributes)["host.name"] for rm in msg.resource_metrics] == ["web-1", "db-1"]
    assert [sm.scope.name for sm in msg.resource_metrics[0].scope_metrics] == ["cpu", "memory"]
    assert msg.resource_metrics[0].scope_metrics[1].metrics[0].sum.data_points[0].as_int == 5
    assert [sm.scope.name for sm in msg.resource_metrics[1].scope_metrics] == ["cpu"]


def test_empty_batches_encode_to_nothing() -> None:
    empty = Batch(Scope("x"), HOST, T0, ())
    only_new_counters = Batch(Scope("y"), HOST, T0, (MetricData(CPU_TIME, (Point((), 1.0, T0),)),))
    assert MetricsEncoder().encode([empty]) == (b"", 0)
    assert MetricsEncoder("delta").encode([empty, only_new_counters]) == (b"", 0)


def test_batches_of_many_plugins_and_hosts_give_one_resource_metrics_per_resource() -> None:
    from sysagent.otlp.split import encode_bounded

    web, db = HOST, Resource((("host.name", "db-1"),))
    batches = [
        Batch(Scope(f"p{i}"), web if i % 3 else db, T0, (MetricData(UTIL, (Point((("i", i),), float(i)),)),))
        for i in range(10)
    ]
    for parts in (encode_bounded(MetricsEncoder(), batches, 1 << 20), encode_bounded(MetricsEncoder(), batches, 250)):
        for part in parts:
            hosts = [attrs_of(rm.resource.attributes)["host.name"] for rm in decode(part.payload).resource_metrics]
            assert len(hosts) == len(set(hosts))
        assert sum(p.points for p in parts) == 10
    (whole,) = encode_bounded(MetricsEncoder(), batches, 1 << 20)
    msg = decode(whole.payload)
    assert [attrs_of(rm.resource.attributes)["host.name"] for rm in msg.resource_metrics] == ["db-1", "web-1"]
    assert [sm.scope.name for sm in msg.resource_metrics[1].scope_metrics] == ["p1", "p2", "p4", "p5", "p7", "p8"]


def test_concatenated_requests_are_one_request() -> None:
    enc = MetricsEncoder()
    a = enc.encode([host_batch()]).payload
    b = enc.encode([Batch(Scope("memory"), HOST, T0 + 1, (MetricData(MEM, (Point((), 7.0, T0),)),))]).payload
    msg = decode(a + b)
    assert [rm.scope_metrics[0].scope.name for rm in msg.resource_metrics] == ["cpu", "memory"]
    assert msg.resource_metrics[1].scope_metrics[0].metrics[0].sum.data_points[0].as_int == 7


def test_a_non_finite_value_drops_only_that_integer_point() -> None:
    points = (Point((("s", "a"),), math.nan, T0), Point((("s", "b"),), 4.0, T0))
    batch = Batch(Scope("x"), HOST, T0, (MetricData(MEM, points), MetricData(UTIL, (Point((), math.inf),))))
    encoded = MetricsEncoder().encode([batch])
    assert encoded.points == 2
    mem, util = decode(encoded.payload).resource_metrics[0].scope_metrics[0].metrics
    assert [attrs_of(p.attributes)["s"] for p in mem.sum.data_points] == ["b"]
    assert math.isinf(util.gauge.data_points[0].as_double)


def test_the_series_cache_is_bounded_and_output_stays_right() -> None:
    enc = MetricsEncoder(max_series=10)
    points = tuple(Point((("i", i),), float(i)) for i in range(100))
    for _ in range(2):
        msg = decode(enc.encode([Batch(Scope("x"), HOST, T0, (MetricData(UTIL, points),))]).payload)
        dps = msg.resource_metrics[0].scope_metrics[0].metrics[0].gauge.data_points
        got = [(attrs_of(p.attributes)["i"], p.as_double) for p in dps]
        assert got == [(i, float(i)) for i in range(100)]
    assert len(enc._gauge_prefix) <= 10


# --- property: the same message as one built with the official classes ---------------------

_text = st.text(min_size=0, max_size=40)
_value: st.SearchStrategy[AttrValue] = st.one_of(
    _text, st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1), st.floats(allow_nan=False)
)
_attrs = st.dictionaries(st.text(min_size=1, max_size=300), _value, max_size=4).map(lambda d: tuple(sorted(d.items())))


def _any(v: AttrValue) -> AnyValue:
    if isinstance(v, bool):
        return AnyValue(bool_value=v)
    if isinstance(v, int):
        return AnyValue(int_value=v)
    if isinstance(v, float):
        return AnyValue(double_value=v)
    return AnyValue(string_value=v)


def _kvs(attrs: AttrKey) -> list[KeyValue]:
    return [KeyValue(key=k, value=_any(v)) for k, v in attrs]


@settings(max_examples=60, deadline=None)
@given(
    resource=_attrs,
    series=st.lists(
        st.tuples(_attrs, st.floats(allow_nan=False, min_value=-1e15, max_value=1e15), st.integers(0, 2**63)),
        min_size=1,
        max_size=20,
    ),
    kind=st.sampled_from([CPU_TIME, MEM, UTIL, PROCS]),
    name=st.text(min_size=1, max_size=200),
)
def test_matches_the_official_protobuf_encoding(
    resource: AttrKey, series: list[tuple[AttrKey, float, int]], kind: MetricSpec, name: str
) -> None:
    spec = replace(kind, name=name)
    points = tuple(Point(a, v, 0 if spec.kind.value == "gauge" else start) for a, v, start in series)
    batch = Batch(Scope("plugin-x", "1.2.3"), Resource(resource), T0, (MetricData(spec, points),))

    expected = ExportMetricsServiceRequest()
    rm = expected.resource_metrics.add()
    rm.resource.attributes.extend(_kvs(resource))
    sm = rm.scope_metrics.add()
    sm.scope.name, sm.scope.version = "plugin-x", "1.2.3"
    metric: Metric = sm.metrics.add(name=name, unit=spec.unit, description=spec.description)
    if spec.kind.value == "gauge":
        container = metric.gauge.data_points
    else:
        metric.sum.aggregation_temporality = AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
        metric.sum.is_monotonic = spec.monotonic
        container = metric.sum.data_points
    for p in points:
        dp: NumberDataPoint = container.add(start_time_unix_nano=p.start_time_ns, time_unix_nano=T0)
        dp.attributes.extend(_kvs(p.attributes))
        if spec.integer:
            dp.as_int = int(p.value)
        else:
            dp.as_double = p.value

    encoded = MetricsEncoder().encode([batch])
    assert decode(encoded.payload) == expected
    assert encoded.points == len(points)


@settings(max_examples=40, deadline=None)
@given(
    plan=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 4), st.lists(st.floats(-1e9, 1e9), min_size=1, max_size=3)),
        min_size=1,
        max_size=12,
    ),
    resources=st.lists(_attrs, min_size=3, max_size=3, unique=True),
)
def test_many_batches_match_the_official_encoding_with_one_resource_metrics_per_resource(
    plan: list[tuple[int, int, list[float]]], resources: list[AttrKey]
) -> None:
    """Batches of several plugins and hosts, in any order: one ResourceMetrics per resource,
    in order of first appearance, holding one ScopeMetrics per batch, in batch order."""
    batches = [
        Batch(
            Scope(f"plugin{p}", "1"),
            Resource(resources[r]),
            T0,
            (MetricData(UTIL, tuple(Point((("n", i),), v) for i, v in enumerate(values))),),
        )
        for r, p, values in plan
    ]
    expected = ExportMetricsServiceRequest()
    by_resource: dict[AttrKey, object] = {}
    for b in batches:
        rm = by_resource.get(b.resource.attributes)
        if rm is None:
            rm = by_resource[b.resource.attributes] = expected.resource_metrics.add()
            rm.resource.attributes.extend(_kvs(b.resource.attributes))  # type: ignore[attr-defined]
        sm = rm.scope_metrics.add()  # type: ignore[attr-defined]
        sm.scope.name, sm.scope.version = b.scope.name, "1"
        metric = sm.metrics.add(name=UTIL.name, unit=UTIL.unit, description=UTIL.description)
        for p in b.metrics[0].points:
            dp = metric.gauge.data_points.add(time_unix_nano=T0, as_double=p.value)
            dp.attributes.extend(_kvs(p.attributes))
    encoded = MetricsEncoder().encode(batches)
    got = decode(encoded.payload)
    assert got == expected
    assert len(got.resource_metrics) == len({b.resource for b in batches})
    assert encoded.points == sum(b.point_count for b in batches)


def test_a_batch_too_large_for_one_request_is_split_without_losing_points() -> None:
    from sysagent.otlp.split import encode_bounded

    many = tuple(Point((("i", i),), float(i), BOOT) for i in range(1000))
    few = (Point((("cpu.mode", "user"),), 1.0, BOOT),)
    metrics = (MetricData(CPU_TIME, few), MetricData(MEM, many), MetricData(CPU_TIME, few))
    batch = Batch(Scope("big", "2"), HOST, T0, metrics)
    whole = MetricsEncoder().encode([batch])
    parts = encode_bounded(MetricsEncoder(), batch, 5_000)
    assert len(parts) > 8 and all(len(p.payload) <= 5_000 for p in parts)
    assert sum(p.points for p in parts) == whole.points == 1002
    merged = decode(b"".join(p.payload for p in parts))
    assert {sm.scope.name for rm in merged.resource_metrics for sm in rm.scope_metrics} == {"big"}
    values = [
        (m.name, dp.as_int if m.name == MEM.name else dp.as_double)
        for rm in merged.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
        for dp in m.sum.data_points
    ]
    expected = [(CPU_TIME.name, 1.0)] + [(MEM.name, i) for i in range(1000)] + [(CPU_TIME.name, 1.0)]
    assert values == expected
    assert encode_bounded(MetricsEncoder(), batch, 10**9) == [whole]
