#!/usr/bin/env bash
# Times eksguard against kube-score on the same corpus of real Kubernetes
# manifests and prints the speedup and peak memory of both. See
# docs/benchmarks.md. Third-party data never enters the repo: the modules,
# kube-score and the corpus live in $CACHE and are reused on later runs.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/run.sh [--runs N] [--kube-score-10x] [--no-eksguard] [--rebuild-corpus] [--check]

  --runs N            timed runs per tool and corpus (default 3; median wall, max RSS)
  --kube-score-10x    also time kube-score on the 10x corpus (slow)
  --no-eksguard       time kube-score only
  --rebuild-corpus    rebuild the cached corpus
  --check             exit 1 unless speedup >= 10 and eksguard RSS 10x/1x <= 1.5

Cache: ${EKSGUARD_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-bench}
EOF
}

RUNS=3 KS10=0 EKSGUARD=1 REBUILD=0 CHECK=0
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=${2:?--runs needs a number}; shift ;;
	--kube-score-10x) KS10=1 ;;
	--no-eksguard) EKSGUARD=0 ;;
	--rebuild-corpus) REBUILD=1 ;;
	--check) CHECK=1 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${EKSGUARD_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-bench}
KUBE_SCORE_VERSION=v1.20.0
# LABEL MODULE@VERSION: the modules whose manifests make up the corpus.
MODULES=(
	"kubernetes k8s.io/kubernetes@v1.37.2"
	"istio istio.io/istio@v0.0.0-20260827124520-eed52ebb66ad"
	"argo-cd github.com/argoproj/argo-cd/v3@v3.5.7"
	"cert-manager github.com/cert-manager/cert-manager@v1.21.2"
	"kyverno github.com/kyverno/kyverno@v1.19.1"
	"gateway-api sigs.k8s.io/gateway-api@v1.6.3"
	"cluster-api sigs.k8s.io/cluster-api@v1.14.2"
	"cilium github.com/cilium/cilium@v1.20.2"
	"gatekeeper github.com/open-policy-agent/gatekeeper/v3@v3.23.1"
	"knative-serving knative.dev/serving@v0.51.0"
)

step() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

mkdir -p "$CACHE/bin"
CACHE=$(cd "$CACHE" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if [ ! -x /usr/bin/time ]; then
	step "installing GNU time (apt-get)"
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq && $SUDO apt-get install -y -qq time >/dev/null
fi

KS=$CACHE/kube-score-$KUBE_SCORE_VERSION/kube-score
if [ ! -x "$KS" ]; then
	step "installing kube-score $KUBE_SCORE_VERSION into $(dirname "$KS")"
	(cd "$CACHE" && GOBIN=$(dirname "$KS") go install "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION")
fi

# The corpus is keyed by the module list, kube-score's version and the
# builder's source, so changing any of them builds a new one.
KEY=$({ printf '%s\n' "${MODULES[@]}" "$KUBE_SCORE_VERSION"; cat "$ROOT"/bench/corpus/*.go; } | sha256sum | cut -c1-12)
CORPUS=$CACHE/corpus-$KEY
if [ "$REBUILD" = 1 ] || [ ! -f "$CORPUS/stats.env" ]; then
	rm -rf "$CACHE"/corpus-* # this one and those of older keys
	args=()
	for m in "${MODULES[@]}"; do
		label=${m%% *} mv=${m#* }
		step "downloading $mv"
		json=$(cd "$CACHE" && go mod download -json "$mv") || die "go mod download $mv failed: $json"
		dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p' <<<"$json")
		[ -d "$dir" ] || die "go mod download $mv gave no directory: $json"
		args+=("$label=$dir")
	done
	step "building the corpus builder"
	(cd "$ROOT" && go build -o "$CACHE/bin/corpus" ./bench/corpus)
	step "building the corpus in $CORPUS (each file is tested with kube-score)"
	"$CACHE/bin/corpus" -out "$CORPUS" -kube-score "$KS" "${args[@]}"
fi
# shellcheck source=/dev/null
. "$CORPUS/stats.env"
OBJ1=$CORPUS_OBJECTS OBJ10=$((CORPUS_OBJECTS * CORPUS_COPIES))
echo "corpus: $CORPUS_FILES files, $CORPUS_OBJECTS objects ($CORPUS_WORKLOADS workloads, $CORPUS_CRDS CRDs, $CORPUS_KINDS kinds);" \
	"kube-score scores $CORPUS_KUBE_SCORE_SCORED of them; 10x corpus: $((CORPUS_FILES * CORPUS_COPIES)) files, $OBJ10 objects"
for m in "${MODULES[@]}"; do
	label=${m%% *}
	var=CORPUS_MODULE_$(printf '%s' "$label" | tr 'a-z-' 'A-Z_')
	echo "  ${m#* }: ${!var}"
done
[ "$CORPUS_OBJECTS" -ge 10000 ] || die "corpus has only $CORPUS_OBJECTS objects, want >= 10000"
mapfile -t FILES <"$CORPUS/files.txt"
# kube-score opens every file it is given at once.
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -gt $((CORPUS_FILES + 64)) ] ||
	die "open-file limit $(ulimit -Hn) is below the corpus's $CORPUS_FILES files"

if [ "$EKSGUARD" = 1 ]; then
	step "building eksguard"
	(cd "$ROOT" && go build -o "$CACHE/eksguard" ./cmd/eksguard) ||
		die "cannot build ./cmd/eksguard (--no-eksguard times kube-score alone)"
fi

# Warm the page cache so the first timed run reads no more from disk than the rest.
(cd "$CORPUS/1x" && cat -- "${FILES[@]}" >/dev/null)

# 10x corpus for kube-score: 10 x the files exceed the open-file limit, so
# the copies are streamed to its stdin as one multi-document YAML stream.
ks_10x() {
	find "$CORPUS/10x" -type f -exec awk 'FNR == 1 { print "---" } { print }' {} + | "$KS" score -o json -
}

declare -A WALLS CPUS RSS
# time_once NAME TOOL CORPUS CMD...: one timed run, stdout discarded. Exit 0
# or 1 (findings) is success; anything else, or kube-score reporting that it
# could not score the files, fails the benchmark.
time_once() {
	local name=$1 tool=$2 corpus=$3 rc=0 w m u k
	shift 3
	step "round $round/$RUNS: timing $tool on the $corpus corpus"
	/usr/bin/time -o "$TMP/time" -f '%e %M %U %S' "$@" >/dev/null 2>"$TMP/stderr" || rc=$?
	if [ "$rc" -gt 1 ] || grep -q 'Failed to score' "$TMP/stderr"; then
		tail -n 20 "$TMP/stderr" >&2
		die "$tool on the $corpus corpus failed (exit $rc)"
	fi
	read -r w m u k < <(tail -n 1 "$TMP/time")
	printf '    %s s wall, %s s CPU, %s MiB\n' "$w" "$(awk -v u="$u" -v k="$k" 'BEGIN { print u + k }')" "$((m / 1024))" >&2
	WALLS[$name]+="$w "
	CPUS[$name]+="$(awk -v u="$u" -v k="$k" 'BEGIN { print u + k }') "
	[ "$m" -le "${RSS[$name]:-0}" ] || RSS[$name]=$m
}

if [ "$EKSGUARD" = 1 ]; then
	step "checking eksguard's object count"
	# Not part of the CLI contract: eksguard's JSON summary counts objects.
	n=$("$CACHE/eksguard" scan "$CORPUS/1x" --format json | grep -o '"objects": *[0-9]*' | tail -n 1 | grep -o '[0-9]*$') || true
	[ -z "$n" ] || [ "$n" = "$OBJ1" ] || echo "warning: eksguard reports $n objects in the 1x corpus, which has $OBJ1" >&2
fi

LOAD=$(cut -d' ' -f1 /proc/loadavg)
# The tools take turns in each round, so that load from elsewhere on the
# machine hits both alike.
cd "$CORPUS/1x"
export -f ks_10x
export CORPUS KS
for ((round = 1; round <= RUNS; round++)); do
	if [ "$EKSGUARD" = 1 ]; then
		time_once eg1 eksguard 1x "$CACHE/eksguard" scan "$CORPUS/1x" --format json
		time_once eg10 eksguard 10x "$CACHE/eksguard" scan "$CORPUS/10x" --format json
	fi
	time_once ks1 kube-score 1x "$KS" score -o json "${FILES[@]}"
	[ "$KS10" = 0 ] || time_once ks10 kube-score 10x bash -c ks_10x
done

median() { tr ' ' '\n' <<<"${1% }" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
declare -A WALL
ROWS=()
for row in "eg1 eksguard 1x $OBJ1" "eg10 eksguard 10x $OBJ10" "ks1 kube-score 1x $OBJ1" "ks10 kube-score 10x $OBJ10"; do
	read -r name tool corpus objects <<<"$row"
	[ -n "${WALLS[$name]:-}" ] || continue
	WALL[$name]=$(median "${WALLS[$name]}")
	RSS[$name]=$(awk -v k="${RSS[$name]}" 'BEGIN { printf "%.1f", k / 1024 }')
	ROWS+=("$tool|$corpus|$objects|${WALL[$name]}|$(median "${CPUS[$name]}")|${RSS[$name]}")
done

echo
printf '%-11s %-7s %9s %8s %8s %13s\n' tool corpus objects wall_s cpu_s peak_rss_mib
for r in "${ROWS[@]}"; do
	IFS='|' read -r a b c d e f <<<"$r"
	printf '%-11s %-7s %9s %8s %8s %13s\n' "$a" "$b" "$c" "$d" "$e" "$f"
done
echo "(median wall and CPU (user+sys) time and max peak RSS of $RUNS runs each;" \
	"load average before timing: $LOAD)"
if [ "$KS10" = 1 ]; then
	echo "kube-score peak RSS 10x / 1x: $(awk -v a="${RSS[ks10]}" -v b="${RSS[ks1]}" 'BEGIN { printf "%.2f", a / b }')"
fi
[ "$EKSGUARD" = 1 ] || exit 0

verdict() { if awk "BEGIN { exit !($1) }"; then echo ok; else echo MISSED; fi; }
speedup=$(awk -v a="${WALL[ks1]}" -v b="${WALL[eg1]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 1e9) }')
flat=$(awk -v a="${RSS[eg10]}" -v b="${RSS[eg1]}" 'BEGIN { printf "%.2f", a / b }')
v1=$(verdict "$speedup >= 10") v2=$(verdict "$flat <= 1.5")
echo "speedup (kube-score wall / eksguard wall, 1x): ${speedup}x  [target >= 10: $v1]"
echo "memory flatness (eksguard peak RSS 10x / 1x): ${flat}  [target <= 1.5: $v2]"
[ "$CHECK" = 0 ] || [ "$v1$v2" = okok ]
