#!/usr/bin/env bash
# Vulnerability database benchmark (docs/benchmarks.md, "Vulnerability database and matching"):
#  1. import of the whole Go vulnerability database (golang.org/x/vulndb data/osv): time, size;
#  2. matching a 10,000-package inventory against it: time and peak memory;
#  3. Go binaries: eksguard scan binary against govulncheck -mode binary on a local copy of
#     the same data: the advisory IDs of each, and the ratio of times.
# Whole-process figures from /usr/bin/time, median of RUNS runs (default 5).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
CACHE=${EKSGUARD_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-bench/vuln}
export EKSGUARD_TEST_CACHE="${EKSGUARD_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-test}"
GOVULNCHECK_VERSION=v1.9.0
mkdir -p "$CACHE"
# shellcheck source=/dev/null
source hack/setup/60-vulndb.sh
OSV="$EKSGUARD_GO_VULNDB/data/osv"

echo "== building eksguard, govulncheck $GOVULNCHECK_VERSION, the govulncheck copy of the data"
go build -o "$CACHE/eksguard" ./cmd/eksguard
if [ ! -x "$CACHE/bin/govulncheck" ]; then
  (cd "$CACHE" && GOBIN="$CACHE/bin" GOFLAGS= go install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION")
fi
rm -rf "$CACHE/govulndb" && go run ./bench/vuln/mkgovulndb "$OSV" "$CACHE/govulndb"
(cd "$EKSGUARD_VULNAPP" && go build -o "$CACHE/vulnapp" .)
EKS="$CACHE/eksguard"
GVC="$CACHE/bin/govulncheck"

# timed CMD...: runs CMD RUNS times; prints "wall user sys maxrss_kib" of each run on stderr
# lines collected in $CACHE/times.
timed() {
  : > "$CACHE/times"
  for _ in $(seq "$RUNS"); do
    [ -n "${BEFORE:-}" ] && eval "$BEFORE"
    /usr/bin/time -o "$CACHE/t1" -f "%e %U %S %M" "$@" > "$CACHE/out" 2> "$CACHE/err" || true
    tail -n 1 "$CACHE/t1" >> "$CACHE/times"
  done
}
median() { # column of $CACHE/times
  awk -v c="$1" '{print $c}' "$CACHE/times" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

echo "== 1. import of the Go vulnerability database ($(ls "$OSV" | wc -l) records, $(du -sh "$OSV" | cut -f1))"
BEFORE='rm -rf "$CACHE/db"' timed "$EKS" db import --db "$CACHE/db" "$OSV"
cat "$CACHE/out"
echo "import: wall $(median 1) s, user $(median 2) s, sys $(median 3) s, peak RSS $(( $(median 4) / 1024 )) MiB (medians of $RUNS)"
echo "size on disk: $(stat -c %s "$CACHE/db/vuln.db") bytes ($(du -k "$CACHE/db/vuln.db" | cut -f1) KiB allocated)"

echo "== 2. matching 10,000 packages"
"$EKS" db import --db "$CACHE/db" pkg/vuln/match/testdata/debian/osv > /dev/null
go run ./bench/vuln/geninv -n 10000 -debian pkg/vuln/match/testdata/debian/bookworm-current.json -vulndb "$OSV" > "$CACHE/inv10k.json"
timed "$EKS" db match --db "$CACHE/db" --format json "$CACHE/inv10k.json"
python3 - "$CACHE/out" "$CACHE/inv10k.json" <<'PY'
import json, sys, collections
doc = json.load(open(sys.argv[1])); inv = json.load(open(sys.argv[2]))
types = collections.Counter(p["type"] for p in inv["packages"])
fails = [f for f in doc["findings"] if f["status"] == "fail"]
print("inventory:", len(inv["packages"]), "packages", dict(types), "->", len(fails), "findings,",
      len({f["evidence"]["advisory"] for f in fails}), "advisories,",
      sum(1 for f in doc["findings"] if f["status"] == "error"), "unparseable versions")
PY
echo "match: wall $(median 1) s, user $(median 2) s, sys $(median 3) s, peak RSS $(( $(median 4) / 1024 )) MiB (medians of $RUNS, whole process)"
echo "-- the match phase alone (go test -bench BenchmarkRun ./pkg/vuln/match: lookups, decoding, evaluation, findings)"
EKSGUARD_VULN_BENCH_DB="$CACHE/db" EKSGUARD_VULN_BENCH_INVENTORY="$CACHE/inv10k.json" \
  go test -run '^$' -bench BenchmarkRun -benchtime 10x -count 3 ./pkg/vuln/match | grep '^Benchmark' 

echo "== 3. Go binaries: eksguard scan binary vs govulncheck -mode binary (same data)"
for bin in "$CACHE/vulnapp" "$EKS"; do
  echo "-- $(basename "$bin")"
  timed "$EKS" scan binary --db "$CACHE/db" --format json "$bin"
  cp "$CACHE/out" "$CACHE/eks.json"; e_wall=$(median 1); e_cpu=$(awk '{print $2+$3}' "$CACHE/times" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  timed "$GVC" -mode binary -scan module -db "file://$CACHE/govulndb" -format json "$bin"
  cp "$CACHE/out" "$CACHE/gvc.json"; g_wall=$(median 1); g_cpu=$(awk '{print $2+$3}' "$CACHE/times" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  "$GVC" -mode binary -db "file://$CACHE/govulndb" -format json "$bin" > "$CACHE/gvc-symbol.json" 2>/dev/null || true
  python3 - "$CACHE/eks.json" "$CACHE/gvc.json" "$CACHE/gvc-symbol.json" "$e_wall" "$g_wall" "$e_cpu" "$g_cpu" <<'PY'
import json, sys
def stream(path):
    dec, s, out = json.JSONDecoder(), open(path).read(), []
    i = 0
    while True:
        while i < len(s) and s[i].isspace(): i += 1
        if i >= len(s): return out
        obj, i = dec.raw_decode(s, i); out.append(obj)
eks = {f["evidence"]["advisory"] for f in json.load(open(sys.argv[1]))["findings"] if f["status"] == "fail"}
gvc = {m["finding"]["osv"] for m in stream(sys.argv[2]) if "finding" in m}
sym = {m["finding"]["osv"] for m in stream(sys.argv[3]) if "finding" in m and m["finding"].get("trace") and m["finding"]["trace"][0].get("function")}
print(f"eksguard {len(eks)} advisories, govulncheck -scan module {len(gvc)}: {'identical' if eks == gvc else 'DIFFERENT'}")
if eks != gvc:
    print("  only eksguard:", sorted(eks - gvc)); print("  only govulncheck:", sorted(gvc - eks))
print(f"govulncheck symbol scan (reachability from the binary's symbols): {len(sym)} of them called")
ew, gw, ec, gc = map(float, sys.argv[4:8])
print(f"wall: eksguard {ew:.3f} s, govulncheck {gw:.3f} s, ratio govulncheck/eksguard {gw/ew:.1f}x; cpu: {ec:.2f} s vs {gc:.2f} s")
PY
done
