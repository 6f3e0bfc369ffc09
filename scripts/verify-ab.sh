#!/usr/bin/env bash
# Two builds' `emend verify` of one database, run alternately, for a machine too noisy for one run of each to tell
# them apart: prints each build's median time and CPU, and the median ratio of the runs next to each other.
#   scripts/verify-ab.sh [--one-core] DATABASE RUNS BINARY_A BINARY_B
# e.g. scripts/verify-ab.sh /tmp/million.sqlite 10 /tmp/emend-before .build/release/emend
#
# The pairs take turns at going first (A B, then B A), so that a machine slowing down or speeding up within a pair
# does not favour one build. --one-core runs each verify on the first core alone (taskset): the CPU it takes then
# varies less from run to run than the time two cores take, and tells apart builds a percent apart.
set -euo pipefail
pin=()
if [ "${1:-}" = "--one-core" ]; then
  pin=(taskset -c 0)
  shift
fi
exec python3 - "$1" "$2" "$3" "$4" "${pin[@]}" <<'PYTHON'
import resource, statistics, subprocess, sys, time

database, runs, a, b, pin = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]

def run(binary):
    """Seconds elapsed and seconds of CPU (user and system, to the microsecond) of one verify."""
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    subprocess.run(pin + [binary, "verify", "--db", database], stdout=subprocess.DEVNULL, check=True)
    elapsed, after = time.monotonic() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime

results = {a: [], b: []}
for pair in range(runs):
    for binary in (a, b) if pair % 2 == 0 else (b, a):
        results[binary].append(run(binary))
for name, binary in (("A", a), ("B", b)):
    mine = results[binary]
    print(f"{name}: {len(mine)} runs, median {statistics.median(e for e, _ in mine):.2f} s "
          f"({statistics.median(c for _, c in mine):.2f} s of CPU), fastest {min(e for e, _ in mine):.2f} s")
pairs = list(zip(results[a], results[b]))
print(f"B/A over {len(pairs)} pairs of runs: time {statistics.median(y[0] / x[0] for x, y in pairs):.3f}, "
      f"CPU {statistics.median(y[1] / x[1] for x, y in pairs):.3f}")
PYTHON
