#!/usr/bin/env bash
# Times `eksguard scan cluster` on a real API server filled to half, full and double the
# target size (full: 10,000 Pods, 1,000 Deployments, 2,000 RoleBindings, 500
# NetworkPolicies), printing wall time and peak RSS at each size. See docs/benchmarks.md.
#
# No live-cluster peer runs side by side: Polaris and Kubescape are not served by the Go
# module proxy this machine reaches (the proxy answers 403 for github.com/fairwindsops/polaris
# and github.com/kubescape/kubescape/v3), so docs/benchmarks.md compares with the figures
# they publish (../shared/docs/peers.md).
#
#   bench/cluster/run.sh [--runs N] [--sizes 50,100,200]   (sizes in namespaces of 100 Pods)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
export EKSGUARD_TEST_CACHE="${EKSGUARD_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-test}"
# shellcheck source=/dev/null
source hack/setup/10-kube.sh
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT
echo "building eksguard ..."
go build -o "$BIN/eksguard" ./cmd/eksguard
go build -o "$BIN/bench-cluster" ./bench/cluster
"$BIN/bench-cluster" -eksguard "$BIN/eksguard" "$@"
