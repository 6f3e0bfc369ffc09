#!/usr/bin/env bash
# Two builds' `emend verify` of one database, run alternately, for a machine too noisy for one run of each to tell
# them apart: prints each build's median time and CPU, and the median ratio of the runs next to each other.
#   scripts/verify-ab.sh DATABASE RUNS BINARY_A BINARY_B
# e.g. scripts/verify-ab.sh /tmp/million.sqlite 10 /tmp/emend-before .build/release/emend
set -euo pipefail
database=$1 runs=$2 a=$3 b=$4
times=$(mktemp)
trap 'rm -f "$times"' EXIT
for _ in $(seq "$runs"); do
  for binary in "$a" "$b"; do
    # One line a run: the build (A or B), seconds elapsed, seconds of CPU in user space.
    /usr/bin/time -o "$times" -a -f "$([ "$binary" = "$a" ] && echo A || echo B) %e %U" \
      "$binary" verify --db "$database" > /dev/null
  done
done
python3 - "$times" <<'PYTHON'
import statistics, sys
runs = [line.split() for line in open(sys.argv[1]) if line.strip()]
for build in "AB":
    mine = [(float(elapsed), float(cpu)) for name, elapsed, cpu in runs if name == build]
    print(f"{build}: {len(mine)} runs, median {statistics.median(e for e, _ in mine):.2f} s "
          f"({statistics.median(c for _, c in mine):.2f} s of CPU), fastest {min(e for e, _ in mine):.2f} s")
pairs = [(float(a[1]), float(a[2]), float(b[1]), float(b[2])) for a, b in zip(runs[::2], runs[1::2])]
print(f"B/A over {len(pairs)} pairs of runs: time {statistics.median(b / a for a, _, b, _ in pairs):.3f}, "
      f"CPU {statistics.median(d / c for _, c, _, d in pairs):.3f}")
PYTHON
