"""The few pieces of the protobuf wire format that OTLP needs, written by hand.

Encoding: varints, length-delimited fields and OTLP ``KeyValue`` attributes.
Decoding: a flat field reader, enough for the small responses a Collector sends
(ExportMetricsServiceResponse, google.rpc.Status, RetryInfo). Keeping this here
means the hot path needs neither the protobuf runtime nor generated classes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator

from sysagent.model import AttrValue

_DOUBLE = struct.Struct("<d")
_FIXED64 = struct.Struct("<Q")
_FIXED32 = struct.Struct("<I")

VARINT, I64, LEN, I32 = 0, 1, 2, 5


def varint(value: int) -> bytes:
    """A base-128 varint; negative numbers are encoded as 64-bit two's complement."""
    if value < 0:
        value &= (1 << 64) - 1
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def tag(field: int, wire_type: int) -> bytes:
    return varint((field << 3) | wire_type)


def field_bytes(field: int, payload: bytes) -> bytes:
    """A length-delimited field: tag, length, payload."""
    return tag(field, LEN) + varint(len(payload)) + payload


def field_str(field: int, text: str) -> bytes:
    """A string field, omitted when empty (proto3 default)."""
    return field_bytes(field, text.encode()) if text else b""


def any_value(value: AttrValue) -> bytes:
    """An OTLP ``AnyValue`` message body."""
    if isinstance(value, bool):  # before int: bool is an int subclass
        return tag(2, VARINT) + (b"\x01" if value else b"\x00")
    if isinstance(value, int):
        return tag(3, VARINT) + varint(value)
    if isinstance(value, float):
        return tag(4, I64) + _DOUBLE.pack(value)
    return field_bytes(1, str(value).encode())


def key_value(key: str, value: AttrValue) -> bytes:
    """An OTLP ``KeyValue`` message body."""
    return field_bytes(1, key.encode()) + field_bytes(2, any_value(value))


def attributes(field: int, pairs: Iterable[tuple[str, AttrValue]]) -> bytes:
    """Repeated ``KeyValue`` fields numbered ``field``, in the order given."""
    return b"".join(field_bytes(field, key_value(k, v)) for k, v in pairs)


# --- decoding ---------------------------------------------------------------

Field = tuple[int, int, "int | bytes"]


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def fields(data: bytes) -> Iterator[Field]:
    """Yield ``(field number, wire type, value)``: ints for scalars, bytes for LEN.

    Raises ValueError on malformed input (callers treat the message as unreadable).
    """
    pos, end = 0, len(data)
    while pos < end:
        key, pos = _read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        value: int | bytes
        if wire_type == VARINT:
            value, pos = _read_varint(data, pos)
        elif wire_type == I64:
            if pos + 8 > end:
                raise ValueError("truncated fixed64")
            value = _FIXED64.unpack_from(data, pos)[0]
            pos += 8
        elif wire_type == LEN:
            size, pos = _read_varint(data, pos)
            if pos + size > end:
                raise ValueError("truncated field")
            value = data[pos : pos + size]
            pos += size
        elif wire_type == I32:
            if pos + 4 > end:
                raise ValueError("truncated fixed32")
            value = _FIXED32.unpack_from(data, pos)[0]
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire_type}")
        yield number, wire_type, value


def signed64(value: int) -> int:
    """Reinterpret a decoded varint as int64."""
    return value - (1 << 64) if value >= 1 << 63 else value
