# shellcheck shell=bash
# A Go binary built by Go 1.17 (pre-1.18 build information: pointers to the version and
# module strings instead of inline strings), for the Go build-info reader's tests. The Go
# 1.17.13 toolchain comes from the Go module proxy (golang.org/toolchain), unpacked in its
# own module cache inside the test cache; it builds a small program that imports
# github.com/google/uuid v1.3.0, in a throwaway module.
# Exports EKSGUARD_GO117_BINARY.
_g117_dir="$EKSGUARD_TEST_CACHE/go117"
_g117_tc=golang.org/toolchain@v0.0.1-go1.17.13.linux-amd64
if [ ! -x "$_g117_dir/bin/uuidgen-go1.17" ]; then
  echo "building a Go 1.17.13 test binary into $_g117_dir (once; downloads the Go 1.17.13 toolchain)"
  mkdir -p "$_g117_dir/src" "$_g117_dir/bin"
  (
    set -e
    export GOMODCACHE="$_g117_dir/modcache" GOFLAGS="-mod=mod -modcacherw" GOTOOLCHAIN=local
    cd "$_g117_dir/src"
    tc=$(go mod download -json "$_g117_tc" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    cat > go.mod <<'MOD'
module example.com/uuidgen

go 1.17

require github.com/google/uuid v1.3.0
MOD
    cat > main.go <<'SRC'
package main

import (
	"fmt"

	"github.com/google/uuid"
)

func main() { fmt.Println(uuid.NewString()) }
SRC
    # Module zips carry no execute bits: give them back to the toolchain's programs.
    chmod -R u+w "$tc"
    chmod +x "$tc"/bin/* "$tc"/pkg/tool/*/*
    GOROOT="$tc" GOPATH="$_g117_dir/gopath" GOCACHE="$_g117_dir/gocache" CGO_ENABLED=0 \
      "$tc/bin/go" build -trimpath -o "$_g117_dir/bin/uuidgen-go1.17" .
  )
fi
export EKSGUARD_GO117_BINARY="$_g117_dir/bin/uuidgen-go1.17"
unset _g117_dir _g117_tc
