"""The built-in threshold alert plugin: rules, state, history, channels and CLI.

The agent evaluates rules on the host itself (no backend needed) and delivers
notifications through durable per-channel outboxes. See :mod:`.plugin` for how
it plugs in and :mod:`.rules` for the config it reads.
"""

from __future__ import annotations
