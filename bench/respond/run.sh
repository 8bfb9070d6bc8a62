#!/usr/bin/env bash
# Times `eksguard respond isolate` on a real API server: one pod with its evidence (target
# under 2 s) and the 100 pods of a Deployment in one command with --cordon (target under
# 30 s), side by side with the same runbook done by hand with kubectl (runbook-*.sh), and
# prints medians and the ratio. See docs/benchmarks.md. Needs kubectl on PATH.
#
#   bench/respond/run.sh [-runs N] [-pods N]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
export EKSGUARD_TEST_CACHE="${EKSGUARD_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-test}"
# shellcheck source=/dev/null
source hack/setup/10-kube.sh
command -v kubectl >/dev/null || { echo "bench/respond: kubectl is not on PATH (the runbook side needs it)"; exit 1; }
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT
echo "building eksguard ..."
go build -o "$BIN/eksguard" ./cmd/eksguard
go build -o "$BIN/bench-respond" ./bench/respond
echo "kubectl $(kubectl version --client -o json 2>/dev/null | sed -n 's/.*"gitVersion": "\([^"]*\)".*/\1/p' | head -1)"
"$BIN/bench-respond" -eksguard "$BIN/eksguard" -scripts "$ROOT/bench/respond" "$@"
