#!/usr/bin/env bash
# Times `eksguard scan node` on fixture host trees (AL2023-like, Bottlerocket-like,
# misconfigured AL2; built with real modes and owners, so run as root) and, when kube-bench
# can be built from the Go module proxy, kube-bench on the same tree
# (--config-dir with the cfg of its module, --benchmark eks-1.8.0), with the ratio.
#
#   bench/node/run.sh [--runs N]
set -euo pipefail
RUNS=5
[ "${1:-}" = "--runs" ] && RUNS=$2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${EKSGUARD_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-bench}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
go build -o "$WORK/eksguard" ./cmd/eksguard

median_ms() { # command... -> median wall ms of RUNS runs
	local times=() s e
	for _ in $(seq "$RUNS"); do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		e=$(date +%s%N)
		times+=($(((e - s) / 1000000)))
	done
	printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}

# kube-bench, built once into the cache in a throwaway module (never through our go.mod).
KB=""
KBDIR="$CACHE/kube-bench"
if [ -x "$KBDIR/kube-bench" ]; then
	KB="$KBDIR/kube-bench"
else
	mkdir -p "$KBDIR/mod"
	echo "building kube-bench from the Go module proxy into $KBDIR ..."
	if (cd "$KBDIR/mod" && { [ -f go.mod ] || go mod init kbbench >/dev/null 2>&1; } &&
		go get github.com/aquasecurity/kube-bench@latest >"$KBDIR/build.log" 2>&1 &&
		go build -o "$KBDIR/kube-bench" github.com/aquasecurity/kube-bench >>"$KBDIR/build.log" 2>&1); then
		KB="$KBDIR/kube-bench"
		cp -r "$(cd "$KBDIR/mod" && go list -m -f '{{.Dir}}' github.com/aquasecurity/kube-bench)/cfg" "$KBDIR/cfg"
	else
		echo "kube-bench: not built, so no side-by-side run: $(grep -m1 -i 'error\|forbidden\|not available' "$KBDIR/build.log" || tail -1 "$KBDIR/build.log")"
	fi
fi

for profile in al2023 bottlerocket al2-misconfigured; do
	go run ./bench/node/mktree -profile "$profile" "$WORK/$profile"
	ms=$(median_ms "$WORK/eksguard" scan node --host-root "$WORK/$profile" -f json)
	line="$profile: eksguard ${ms} ms (median of $RUNS)"
	if [ -n "$KB" ]; then
		# kube-bench has no host-root option: it runs its audits (/bin/sh, ps, stat, cat) on
		# fixed paths, so it runs chrooted into the tree with its binary and the host's
		# static busybox copied in.
		mkdir -p "$WORK/$profile/bin" "$WORK/$profile/kb"
		cp "$KB" "$WORK/$profile/kb/kube-bench" && cp -r "$KBDIR/cfg" "$WORK/$profile/kb/cfg"
		if command -v busybox >/dev/null; then
			cp "$(command -v busybox)" "$WORK/$profile/bin/busybox"
			for t in sh ps stat cat; do ln -sf busybox "$WORK/$profile/bin/$t"; done
		fi
		kb=$(median_ms chroot "$WORK/$profile" /kb/kube-bench run --targets node --benchmark eks-1.8.0 --config-dir /kb/cfg --json)
		line="$line; kube-bench ${kb} ms; ratio kube-bench/eksguard $(awk "BEGIN{printf \"%.1f\", $kb/($ms>0?$ms:1)}")"
	fi
	echo "$line"
done
