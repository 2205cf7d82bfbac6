"""sysagent inside an OpenTelemetry app: the host's metrics on the app's own MeterProvider.

``instrument()`` starts an embedded sysagent agent whose batches feed
observable instruments on the app's MeterProvider (the global one by default);
``uninstrument()`` stops it. ``SysagentInstrumentor`` is the same behind the
``opentelemetry_instrumentor`` entry point, so ``opentelemetry-instrument``
picks it up. docs/otel.md says what maps to what and what is exact.

Needs the ``otel`` extra (``pip install sysagent[otel]``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

try:
    from opentelemetry.metrics import MeterProvider, get_meter_provider
except ImportError:  # pragma: no cover - depends on the installation
    raise ImportError("sysagent.otel needs the otel extra: pip install 'sysagent[otel]'") from None

from sysagent.otel.bridge import Bridge, BridgeConfig
from sysagent.otel.hostlock import HostLease
from sysagent.otel.instruments import EXCLUDED_METRICS_ENV, parse_patterns

__all__ = ["EXCLUDED_METRICS_ENV", "Bridge", "HostLease", "SysagentInstrumentor", "instrument", "uninstrument"]

_current: Bridge | None = None
_lock = threading.Lock()


def instrument(
    meter_provider: MeterProvider | None = None,
    config: BridgeConfig = None,
    *,
    exclude: Sequence[str] | None = None,
    host_lock: bool = True,
) -> Bridge:
    """Put sysagent's collectors' metrics on ``meter_provider`` (the global one if None).

    ``config`` is a sysagent config (a YAML path or a mapping; None for the
    defaults). ``exclude`` lists fnmatch patterns of metric names to leave out;
    None reads them from ``OTEL_PYTHON_SYSAGENT_EXCLUDED_METRICS``. With
    ``host_lock`` only one process per state dir emits host metrics (see
    docs/otel.md). A bridge already running is stopped first. Raises
    ``sysagent.ConfigError`` for a bad config.
    """
    global _current
    patterns = tuple(exclude) if exclude is not None else parse_patterns(os.environ.get(EXCLUDED_METRICS_ENV))
    provider = meter_provider if meter_provider is not None else get_meter_provider()
    with _lock:
        if _current is not None:
            _current.stop()
            _current = None
        _current = Bridge(provider, config, exclude=patterns, host_lock=host_lock).start()
        return _current


def uninstrument(timeout: float = 5.0) -> None:
    """Stop the bridge ``instrument()`` started; its instruments report nothing from then on."""
    global _current
    with _lock:
        if _current is not None:
            _current.stop(timeout)
            _current = None


def __getattr__(name: str) -> object:
    # The instrumentor needs opentelemetry-instrumentation; import it only when asked for.
    if name == "SysagentInstrumentor":
        from sysagent.otel.instrumentor import SysagentInstrumentor

        return SysagentInstrumentor
    raise AttributeError(f"module 'sysagent.otel' has no attribute {name!r}")
