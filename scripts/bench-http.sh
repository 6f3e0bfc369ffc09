#!/usr/bin/env bash
# The portal's speed (issue 3): Emend against Datasette on the same generated CSV, in the same run, with
# wrk -t2 -c32 on 127.0.0.1. Every request names a different record, word or year, so no cache makes the number.
# Usage: scripts/bench-http.sh SPECIMENS.csv [WORKDIR=/tmp/emend-bench-http] [SECONDS=10] [ROUNDS=3]
#   SPECIMENS.csv from ../shared/bench/gen_specimens.py --n 1000000 --seed 42; PEER (default
#   ../shared/bench/peer-datasette.sh) starts Datasette. Needs wrk (apt-get install -y wrk). Prints medians.
set -eu
csv=$(realpath "$1"); work=${2:-/tmp/emend-bench-http}; seconds=${3:-10}; rounds=${4:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
peer=${PEER:-$repo/../shared/bench/peer-datasette.sh}
mkdir -p "$work"
swift build -c release --package-path "$repo" >/dev/null
emend="$repo/.build/release/emend"
[ -f "$work/emend.sqlite" ] || "$emend" import "$csv" --db "$work/emend.sqlite" --dataset bench

"$emend" serve --db "$work/emend.sqlite" --port 8090 >"$work/emend.log" 2>&1 &
emend_pid=$!
peer_pid=$(bash "$peer" "$csv" 8001 "$work/peer" | sed -n 's/^datasette pid \([0-9]*\).*/\1/p')
trap 'kill $emend_pid $peer_pid 2>/dev/null' EXIT
for _ in $(seq 1 120); do curl -sf -o /dev/null http://127.0.0.1:8090/health && break; sleep 0.5; done

# One wrk script per server and request kind, each cycling through a random sample of the data.
python3 - "$csv" "$work" <<'PY'
import base64, csv, hashlib, random, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
random.seed(7)
sample = random.sample(rows, 5000)
def emend_id(key):  # Identifiers.recordID: 20 base32 characters of SHA-256(dataset 0x1F key)
    return base64.b32encode(hashlib.sha256(b"bench\x1f" + key.encode()).digest()[:13]).decode().lower()[:20]
genera = sorted({r["genus"] for r in sample if r["genus"]})
years = sorted({r["year"] for r in sample if r["year"]})
kinds = {
    "record": ([f"/api/records/{emend_id(r['occurrenceID'])}" for r in sample],
               [f"/specimens/specimens/{r['catalogNumber']}.json?_shape=array" for r in sample]),
    "fulltext": ([f"/api/records?q={g}&limit=20" for g in genera],
                 [f"/specimens/specimens.json?_search={g}&_size=20" for g in genera]),
    "facet": ([f"/api/records?year={y}&facet=country&limit=20" for y in years],
              [f"/specimens/specimens.json?year={y}&_facet=country&_size=20&_nosuggest=1" for y in years]),
}
for kind, (ours, theirs) in kinds.items():
    for server, paths in (("emend", ours), ("datasette", theirs)):
        with open(f"{sys.argv[2]}/{kind}-{server}.lua", "w") as f:
            f.write("local paths = {" + ",".join(f'"{p}"' for p in paths) + "}\n")
            f.write("math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))\n")
            f.write('request = function() return wrk.format("GET", paths[math.random(#paths)]) end\n')
PY

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
printf "%-9s %-10s %12s %12s %8s\n" kind server "requests/s" "p99 ms" errors
for kind in record fulltext facet; do
  for server in emend datasette; do
    port=$([ $server = emend ] && echo 8090 || echo 8001)
    : >"$work/$kind-$server.runs"
    for _ in $(seq 1 "$rounds"); do
      wrk -t2 -c32 -d"${seconds}s" --latency -s "$work/$kind-$server.lua" "http://127.0.0.1:$port" >"$work/out" 2>&1
      rate=$(awk '/Requests\/sec/ { print $2 }' "$work/out")
      p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } print v }' "$work/out")
      errors=$(awk '/Non-2xx|Socket errors/ { print }' "$work/out" | tr '\n' ' ')
      echo "$rate $p99 $errors" >>"$work/$kind-$server.runs"
    done
    printf "%-9s %-10s %12s %12s %8s\n" "$kind" "$server" \
      "$(cut -d' ' -f1 "$work/$kind-$server.runs" | median)" "$(cut -d' ' -f2 "$work/$kind-$server.runs" | median)" \
      "$(cut -d' ' -f3- "$work/$kind-$server.runs" | grep -c . || true)"
  done
done
