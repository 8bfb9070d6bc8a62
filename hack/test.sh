#!/usr/bin/env bash
# The whole test suite: formatting, vet, test set-up, and every Go test (fuzz seed corpora
# included). Safe to run on a fresh machine: everything the tests need (Go modules, test
# services, test data) comes from the Go module proxy or Debian's repositories, built or
# downloaded once into the cache directory and reused by later runs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Where set-up steps keep what they build or download (outside the repository).
export EKSGUARD_TEST_CACHE="${EKSGUARD_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-test}"
# Tests that need a set-up product fail, rather than skip, when it is missing.
export EKSGUARD_REQUIRE_SETUP=1

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

# Each hack/setup/*.sh is sourced in name order: it builds or downloads one thing the tests
# need into $EKSGUARD_TEST_CACHE (once; later runs reuse it) and exports where it is.
for step in hack/setup/*.sh; do
  [ -e "$step" ] || continue
  echo "== set-up: $(basename "$step" .sh)"
  # shellcheck source=/dev/null
  source "$step"
done

echo "== go test"
go test -count=1 "$@" ./...
