#!/usr/bin/env bash
# Times `eksguard scan dockerfile` against `trivy config` on the same corpus of real
# Dockerfiles and prints the throughput ratio and both peak RSS figures. See
# docs/benchmarks.md. Third-party data never enters the repo: the modules, trivy and the
# corpus live in $CACHE and are reused on later runs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${EKSGUARD_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-bench}/dockerfile
TRIVY_VERSION=v0.74.0
step() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
mkdir -p "$CACHE"

if [ ! -x /usr/bin/time ]; then
	step "installing GNU time (apt-get)"
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq && $SUDO apt-get install -y -qq time >/dev/null
fi

# trivy, built from the module proxy in its own throwaway module (it is big: minutes).
TRIVY=$CACHE/trivy-$TRIVY_VERSION/bin/trivy
if [ ! -x "$TRIVY" ]; then
	step "building trivy $TRIVY_VERSION into $(dirname "$TRIVY") (GOEXPERIMENT=jsonv2)"
	mkdir -p "$CACHE/trivy-$TRIVY_VERSION"
	(cd "$CACHE/trivy-$TRIVY_VERSION" && { [ -f go.mod ] || go mod init trivybuild >/dev/null 2>&1; } &&
		GOFLAGS=-mod=mod GOEXPERIMENT=jsonv2 GOBIN=$PWD/bin go install "github.com/aquasecurity/trivy/cmd/trivy@$TRIVY_VERSION")
fi

# The corpus: versions already taken in are skipped, so this is quick once built.
step "building the corpus in $CACHE/corpus (first time: downloads, tens of minutes)"
bash "$ROOT/bench/dockerfile/corpus.sh" "$CACHE" >/dev/null 2>"$CACHE/corpus.log" || die "corpus: see $CACHE/corpus.log"
N=$(ls "$CACHE/corpus" | wc -l)
[ "$N" -ge 3000 ] || echo "warning: the corpus has $N distinct Dockerfiles, fewer than the 3,000 wanted" >&2

step "building eksguard"
(cd "$ROOT" && go build -o "$CACHE/eksguard" ./cmd/eksguard)
cat "$CACHE"/corpus/* >/dev/null # warm the page cache

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# run NAME CMD...: one timed run; exit 0 or 1 (findings) is success, 2 is accepted for
# eksguard when some corpus files are not valid Dockerfiles (reported as input errors).
run() {
	local name=$1 rc=0
	shift
	step "timing $name"
	/usr/bin/time -o "$TMP/$name.time" -f '%e %U %S %M' "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
	if [ "$rc" -gt 2 ]; then
		tail -n 20 "$TMP/$name.err" >&2
		die "$name failed (exit $rc)"
	fi
	read -r W U S M < <(tail -n 1 "$TMP/$name.time")
	printf '%s %s %s %s\n' "$name" "$W" "$(awk -v u="$U" -v s="$S" 'BEGIN{printf "%.2f", u+s}')" "$M"
}
# One untimed eksguard run first, so that its timed run does not pay for loading the fresh
# binary (trivy's single run is long enough that this does not matter for it).
"$CACHE/eksguard" scan dockerfile "$CACHE/corpus" --format json --fail-on none >/dev/null 2>&1 || true
EG=$(run eksguard "$CACHE/eksguard" scan dockerfile "$CACHE/corpus" --format json --fail-on none)
TV=$(run trivy "$TRIVY" config --quiet --skip-check-update --cache-dir "$CACHE/trivy-cache" --misconfig-scanners dockerfile --format json "$CACHE/corpus")
read -r _ EW EC EM <<<"$EG"
read -r _ TW TC TM <<<"$TV"
EF=$(grep -o '"ruleId"' "$TMP/eksguard.out" | wc -l)
EE=$(grep -o '"input":' "$TMP/eksguard.out" | wc -l)
TF=$(grep -o '"ID": *"DS-' "$TMP/trivy.out" | wc -l)
echo
printf '%-9s %7s %10s %10s %14s %10s\n' tool files wall_s cpu_s files_per_s peak_rss_mib
printf '%-9s %7s %10s %10s %14s %10s\n' eksguard "$N" "$EW" "$EC" "$(awk -v n="$N" -v w="$EW" 'BEGIN{printf "%.0f", n/(w>0?w:0.001)}')" "$(awk -v k="$EM" 'BEGIN{printf "%.1f", k/1024}')"
printf '%-9s %7s %10s %10s %14s %10s\n' trivy "$N" "$TW" "$TC" "$(awk -v n="$N" -v w="$TW" 'BEGIN{printf "%.0f", n/(w>0?w:0.001)}')" "$(awk -v k="$TM" 'BEGIN{printf "%.1f", k/1024}')"
echo "(one run each; eksguard: $EF findings and $EE input errors (unknown instructions and the like); trivy: $TF check results)"
ratio=$(awk -v a="$TW" -v b="$EW" 'BEGIN{printf "%.1f", (b>0?a/b:1e9)}')
mem=$(awk -v k="$EM" 'BEGIN{printf "%.1f", k/1024}')
v1=$(awk -v r="$ratio" 'BEGIN{print (r>=20?"ok":"MISSED")}')
v2=$(awk -v m="$mem" 'BEGIN{print (m<50?"ok":"MISSED")}')
cratio=$(awk -v a="$TC" -v b="$EC" 'BEGIN{printf "%.1f", (b>0?a/b:1e9)}')
echo "throughput ratio (trivy wall / eksguard wall): ${ratio}x  [target >= 20: $v1]"
echo "CPU time ratio (trivy / eksguard): ${cratio}x  (load average: $(cut -d' ' -f1-3 /proc/loadavg); the machine may be shared)"
echo "eksguard peak RSS: ${mem} MiB  [target < 50: $v2]"
