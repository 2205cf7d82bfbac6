"""Quick CPU profile of sysagent's default cycle alone (no peers, no RSS): for iterating on speed.

Usage: ``python bench/cycle_profile.py [CYCLES] [--cprofile]`` from the repository root.
Prints the median CPU per full cycle, the collect()/build() split per collector and,
with ``--cprofile``, the hottest functions.
"""

from __future__ import annotations

import sys

from _common import Report, default_agent, med, ms, run_cycles, runners_of
from _profile import hot_functions, split


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    cycles = int(args[0]) if args else 400
    rep = Report("bench/cycle_profile.py")
    runners = runners_of(default_agent())
    run_cycles(runners, 3, spacing=0.05)
    stats = run_cycles(runners, cycles, spacing=0.002)
    rep.figure("CPU per cycle, median", ms(med(stats.total)))
    rep.figure("points per cycle", str(stats.points[-1]))
    for name, values in sorted(stats.per_collector.items(), key=lambda kv: -med(kv[1])):
        rep.figure(f"  collector {name}", ms(med(values)))
    split(rep, runners, cycles // 2)
    if "--cprofile" in sys.argv[1:]:
        hot_functions(runners, cycles // 2, top=40)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
