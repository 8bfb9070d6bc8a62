# shellcheck shell=bash
# A real OCI registry for the image tests: github.com/distribution/distribution/v3
# cmd/registry, built from the Go module proxy in its own throwaway module inside the cache.
# Tests start it on a loopback port with a temporary storage directory.
# Exports EKSGUARD_REGISTRY_BIN.
_reg_version=v3.1.2
_reg_dir="$EKSGUARD_TEST_CACHE/registry-$_reg_version"
if [ ! -x "$_reg_dir/bin/registry" ]; then
  echo "building distribution registry $_reg_version into $_reg_dir (once)"
  mkdir -p "$_reg_dir/src"
  (
    cd "$_reg_dir/src"
    [ -f go.mod ] || go mod init eksguard-test/registry >/dev/null 2>&1
    GOFLAGS=-mod=mod go get "github.com/distribution/distribution/v3@$_reg_version" >/dev/null
    GOFLAGS=-mod=mod go build -o "$_reg_dir/bin/registry" github.com/distribution/distribution/v3/cmd/registry
  )
fi
export EKSGUARD_REGISTRY_BIN="$_reg_dir/bin/registry"
unset _reg_version _reg_dir
