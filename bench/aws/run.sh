#!/usr/bin/env bash
# Times `eksguard scan aws --snapshot` on a generated account snapshot (50 node groups,
# 500 IAM roles, 200 ECR repositories by default; target: under 2 seconds) and prints the
# median wall time and peak memory. No peer evaluates an AWS snapshot offline (kube-bench
# leaves CIS sections 2 and 5 manual), so there is no side-by-side ratio here.
#
#   bench/aws/run.sh [--runs N] [--nodegroups N] [--roles N] [--repos N]
set -euo pipefail
RUNS=5 NG=50 ROLES=500 REPOS=200
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift ;;
	--nodegroups) NG=$2; shift ;;
	--roles) ROLES=$2; shift ;;
	--repos) REPOS=$2; shift ;;
	*) echo "usage: $0 [--runs N] [--nodegroups N] [--roles N] [--repos N]" >&2; exit 2 ;;
	esac
	shift
done
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
go build -o "$WORK/eksguard" ./cmd/eksguard
go run ./bench/aws/gen -nodegroups "$NG" -roles "$ROLES" -repos "$REPOS" "$WORK/snapshot"
echo "snapshot: $(find "$WORK/snapshot" -type f | wc -l) files, $(du -sh "$WORK/snapshot" | cut -f1)"
times=()
rss=0
for i in $(seq "$RUNS"); do
	start=$(date +%s%N)
	/usr/bin/env time -f '%M' -o "$WORK/rss" "$WORK/eksguard" scan aws --snapshot "$WORK/snapshot" -f json >"$WORK/out.json" 2>/dev/null || true
	end=$(date +%s%N)
	times+=($(((end - start) / 1000000)))
	r=$(tail -1 "$WORK/rss" 2>/dev/null || echo 0)
	[ "$r" -gt "$rss" ] 2>/dev/null && rss=$r
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
findings=$(grep -o '"ruleId"' "$WORK/out.json" | wc -l)
echo "eksguard scan aws --snapshot: median ${median} ms over ${RUNS} runs (all: ${times[*]} ms), peak RSS ${rss} KiB, ${findings} findings"
[ "$median" -lt 2000 ] && echo "target (< 2000 ms): met" || echo "target (< 2000 ms): MISSED"
