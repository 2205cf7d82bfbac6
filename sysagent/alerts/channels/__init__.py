"""Notification channels, one per module; each registers through the alert plugin."""

from __future__ import annotations
