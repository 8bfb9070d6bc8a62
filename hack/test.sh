#!/usr/bin/env bash
# The whole test suite: formatting, vet, and every Go test (fuzz seed corpora included).
# Safe to run on a fresh machine: Go modules and test data come from the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test"
go test -count=1 "$@" ./...
