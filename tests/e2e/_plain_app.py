"""An app with no OpenTelemetry code at all: ``opentelemetry-instrument python _plain_app.py`` instruments it."""

from __future__ import annotations

import time

while True:
    time.sleep(1)
