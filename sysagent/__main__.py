"""``python -m sysagent``: the same as the ``sysagent`` command."""

from __future__ import annotations

from sysagent.cli import main

raise SystemExit(main())
