"""``SysagentInstrumentor``: the bridge under the ``opentelemetry_instrumentor`` entry point.

``opentelemetry-instrument python app.py`` loads every instrumentor of that
group after it has set up the global MeterProvider, so the host's metrics
reach the app's exporter with no code change: a drop-in replacement for
opentelemetry-instrumentation-system-metrics (docs/otel.md maps its names).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection
from typing import Any

from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]

from sysagent import ConfigError
from sysagent.otel import instrument, uninstrument

log = logging.getLogger("sysagent.otel")

#: A sysagent config file for the instrumentor (``opentelemetry-instrument`` takes no arguments for it).
CONFIG_ENV = "OTEL_PYTHON_SYSAGENT_CONFIG"


class SysagentInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """``SysagentInstrumentor().instrument(meter_provider=..., config=..., exclude=...)``."""

    def instrumentation_dependencies(self) -> Collection[str]:
        return ()

    def _instrument(self, **kwargs: Any) -> None:
        config = kwargs.get("config", os.environ.get(CONFIG_ENV) or None)
        try:
            instrument(
                kwargs.get("meter_provider"),
                config,
                exclude=kwargs.get("exclude"),
                host_lock=kwargs.get("host_lock", True),
            )
        except ConfigError as e:  # one line, not a traceback in the app's start-up log
            log.error("sysagent: error: %s (the host's metrics are not instrumented)", e)

    def _uninstrument(self, **kwargs: Any) -> None:
        uninstrument()
