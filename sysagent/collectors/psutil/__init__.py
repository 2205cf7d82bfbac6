"""The psutil backend: the built-in collectors on any system psutil supports.

One module per collector, named as the procfs collector it stands in for
(``cpu``, ``memory``, ...), each with a ``Collector`` class built by that
collector's factory when ``agent.backend`` is ``psutil`` (or ``auto`` off Linux;
see :mod:`sysagent.collectors._backend`). They emit the declarations of
:mod:`sysagent.collectors._specs`, so names, units, kinds and attribute keys are
the procfs collectors'; each docstring says what a platform lacks.

Each collector takes the psutil module in its constructor (``psutil=``), so
tests pass a fake of the machine. Only psutil APIs that psutil documents for
Linux, Windows, macOS and the BSDs are called, and Linux-only paths only on Linux.
"""

from __future__ import annotations
