"""Reading the small protobuf answers of an OTLP server without the protobuf runtime.

ExportMetricsServiceResponse (partial success), google.rpc.Status (an error's
message) and google.rpc.RetryInfo (how long to wait) are all a few fields deep.
A malformed answer reads as empty rather than failing the send.
"""

from __future__ import annotations

from sysagent.otlp.wire import LEN, VARINT, fields, signed64


def partial_success(body: bytes) -> tuple[int, str]:
    """``(rejected_data_points, error_message)`` from an ExportMetricsServiceResponse."""
    rejected, message = 0, ""
    try:
        for number, wire_type, value in fields(body):
            if number == 1 and wire_type == LEN and isinstance(value, bytes):
                for n, wt, v in fields(value):
                    if n == 1 and wt == VARINT and isinstance(v, int):
                        rejected = signed64(v)
                    elif n == 2 and wt == LEN and isinstance(v, bytes):
                        message = v.decode("utf-8", "replace")
    except ValueError:
        return 0, ""
    return rejected, message


def status_message(body: bytes) -> str:
    """The message of a google.rpc.Status (what OTLP/HTTP servers send with an error)."""
    try:
        for number, wire_type, value in fields(body):
            if number == 2 and wire_type == LEN and isinstance(value, bytes):
                return value.decode("utf-8", "replace")
    except ValueError:
        pass
    return ""


def retry_delay(status: bytes) -> float | None:
    """Seconds from a google.rpc.RetryInfo among a google.rpc.Status's details, if any."""
    try:
        for number, wire_type, value in fields(status):
            if number != 3 or wire_type != LEN or not isinstance(value, bytes):
                continue
            detail = {n: v for n, _, v in fields(value)}  # google.protobuf.Any
            type_url, info = detail.get(1), detail.get(2)
            if isinstance(type_url, bytes) and type_url.endswith(b"google.rpc.RetryInfo") and isinstance(info, bytes):
                for n, _, v in fields(info):
                    if n == 1 and isinstance(v, bytes):  # retry_delay: google.protobuf.Duration
                        parts = {k: x for k, _, x in fields(v)}
                        seconds, nanos = parts.get(1, 0), parts.get(2, 0)
                        if isinstance(seconds, int) and isinstance(nanos, int):
                            return max(0.0, signed64(seconds) + signed64(nanos) / 1e9)
    except ValueError:
        pass
    return None
