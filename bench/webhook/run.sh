#!/usr/bin/env bash
# Load-tests `eksguard webhook serve` on loopback with realistic Pod AdmissionReviews over
# TLS at rising fixed rates (default 100, 500, 1,000 and 2,000 requests per second, 20 s
# each: 80 s), printing p50/p99/p99.9 latency, errors, the server's CPU and peak RSS and the
# machine's load average per rate. See docs/benchmarks.md.
#
# No peer runs side by side: Kyverno is not served by the Go module proxy this machine
# reaches and needs a cluster; docs/benchmarks.md compares with the figure it publishes
# (../shared/docs/peers.md).
#
#   bench/webhook/run.sh [-rates 100,500,1000,2000] [-step 20s] [-workers 512]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT
echo "building eksguard ..."
go build -o "$BIN/eksguard" ./cmd/eksguard
go build -o "$BIN/bench-webhook" ./bench/webhook
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN/bench-webhook" -eksguard "$BIN/eksguard" "$@"
echo "machine after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
