"""OTLP for sysagent: a hand-written encoder and HTTP/gRPC transports.

The encoder turns :class:`~sysagent.model.Batch` objects into serialized
``ExportMetricsServiceRequest`` bytes; a transport sends such bytes and says
whether a failure is worth retrying. The ``otlp`` sink ties them to the
delivery layer's durable queue.
"""

from __future__ import annotations

from sysagent.otlp.encode import Encoded, MetricsEncoder, Temporality
from sysagent.otlp.transport import SendOutcome, Transport

__all__ = ["Encoded", "MetricsEncoder", "SendOutcome", "Temporality", "Transport"]
