#!/usr/bin/env bash
# Times `eksguard detect` on one core over 1,000,000 generated Kubernetes audit events
# (upstream Falco k8s_audit_rules.yaml plus eksguard's built-in rules) and 1,000,000
# CloudTrail records (upstream aws_cloudtrail_rules.yaml plus the built-ins), prints
# events per second and peak RSS, and the peak RSS at three stream lengths to show memory
# stays flat. Falco itself cannot be built here (C++ with submodules); its published
# figure is printed next to ours, and the script says so. See docs/benchmarks.md.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: bench/detect/run.sh [--events N] [--runs N] [--cpu C]

  --events N   events per stream (default 1000000)
  --runs N     timed runs per stream (default 3; median events/s, max RSS)
  --cpu C      pin to this CPU with taskset (default 0); GOMAXPROCS=1 always

Cache: ${EKSGUARD_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-bench}/detect
USAGE
}

N=1000000 RUNS=3 CPU=0
while [ $# -gt 0 ]; do
	case $1 in
	--events) N=${2:?}; shift ;;
	--runs) RUNS=${2:?}; shift ;;
	--cpu) CPU=${2:?}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${EKSGUARD_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-bench}/detect
RULES=$ROOT/../shared/reference/falco-upstream-rules
[ -d "$RULES" ] || RULES=/work/shared/reference/falco-upstream-rules
mkdir -p "$CACHE"
# Falco's published sample: https://falco.org/blog/falco-performance-testing/ (../shared/docs/peers.md)
FALCO_EPS=4372

echo "building eksguard"
(cd "$ROOT" && go build -o "$CACHE/eksguard" ./cmd/eksguard)
for kind in audit cloudtrail; do
	f=$CACHE/$kind-$N.json
	if [ ! -s "$f" ]; then
		echo "generating $N $kind events into $f"
		(cd "$ROOT" && go run ./bench/detect/gen -kind "$kind" -n "$N") > "$f.tmp" && mv "$f.tmp" "$f"
	fi
done

PIN=()
if command -v taskset >/dev/null; then PIN=(taskset -c "$CPU"); fi

# run FILE RULES... : one timed run; prints "wall user sys maxrss_kb alerts"
run() {
	local file=$1; shift
	local t out
	out=$(mktemp)
	t=$( { /usr/bin/time -f "%e %U %S %M" env GOMAXPROCS=1 "${PIN[@]}" "$CACHE/eksguard" detect "$@" -f falco-json --fail-on none "$file" >"$out"; } 2>&1 | tail -1)
	echo "$t $(wc -l <"$out")"
	rm -f "$out"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bench() {
	local label=$1 file=$2; shift 2
	local walls=() cpus=() rss=0 alerts=0 r
	for _ in $(seq "$RUNS"); do
		r=($(run "$file" "$@"))
		walls+=("${r[0]}")
		cpus+=("$(awk -v u="${r[1]}" -v s="${r[2]}" 'BEGIN {print u + s}')")
		[ "${r[3]}" -gt "$rss" ] && rss=${r[3]}
		alerts=${r[4]}
	done
	local wall cpu
	wall=$(printf '%s\n' "${walls[@]}" | median)
	cpu=$(printf '%s\n' "${cpus[@]}" | median)
	awk -v l="$label" -v n="$N" -v w="$wall" -v c="$cpu" -v m="$rss" -v a="$alerts" -v f="$FALCO_EPS" 'BEGIN {
		printf "%-11s %d events, %d alerts: wall %.2f s = %.0f events/s; CPU %.2f s = %.0f events/s per core; peak RSS %.1f MB\n", l, n, a, w, n / w, c, n / c, m / 1024
		printf "%-11s vs Falco'\''s published %d events/s (its own sample, not run here): %.0fx by wall, %.0fx by CPU\n", "", f, n / w / f, n / c / f
	}'
}

echo "== one core (GOMAXPROCS=1 ${PIN[*]}), median of $RUNS runs"
bench k8s_audit "$CACHE/audit-$N.json" --rules-file "$RULES/k8s_audit_rules.yaml"
bench cloudtrail "$CACHE/cloudtrail-$N.json" --rules-file "$RULES/aws_cloudtrail_rules.yaml"

echo "== peak RSS by stream length (audit events)"
for n in $((N / 10)) $((N * 3 / 10)) "$N"; do
	part=$CACHE/audit-$N.json
	if [ "$n" != "$N" ]; then
		part=$CACHE/audit-$N-head-$n.json
		[ -s "$part" ] || head -n "$n" "$CACHE/audit-$N.json" >"$part"
	fi
	r=($(run "$part" --rules-file "$RULES/k8s_audit_rules.yaml"))
	awk -v n="$n" -v m="${r[3]}" 'BEGIN {printf "  %8d events: peak RSS %.1f MB\n", n, m / 1024}'
done
echo "Falco is not run: it is C++ built with git submodules and cannot be built here; Debian"
echo "packages only its libraries (libfalcosecurity0), without the rule engine or plugins."
