"""The hook the alert plugin adds (through ``sysagent_addhooks``): alert channel types.

A plugin that brings a channel type (PagerDuty, Teams, ...) implements it::

    @sysagent.hookimpl
    def sysagent_alert_channels(registry):
        registry.add("alert_channel", "pagerduty", PagerDutyChannel, settings=PagerDutySettings)

``settings`` subclasses :class:`sysagent.alerts.settings.ChannelSettings`; the
factory gets the validated settings and a PluginContext and returns an object
with ``target()``, ``send(notification) -> Delivery`` and ``disable_on_404``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from sysagent.registry import Registry

hookspec = pluggy.HookspecMarker("sysagent")

#: The registry kind channel types are registered under.
KIND = "alert_channel"


@hookspec
def sysagent_alert_channels(registry: Registry) -> None:
    """Register alert channel types with ``registry.add("alert_channel", name, factory, settings=Model)``.

    Called once when plugins are loaded, like ``sysagent_collectors``; the alert
    plugin validates ``alerts.channels.<name>`` against the model of its ``type``.
    Returns nothing.
    """
