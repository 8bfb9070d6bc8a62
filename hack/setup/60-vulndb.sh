# Vulnerability test data (pkg/vuln, internal/cli):
# - golang.org/x/vulndb, the Go vulnerability database (OSV records in data/osv), downloaded
#   through the Go module proxy at a pinned version; exported as EKSGUARD_GO_VULNDB;
# - a small Go program pinned to golang.org/x/text v0.3.0 (affected by GO-2020-0015 /
#   CVE-2020-14040 and later advisories), its modules downloaded; exported as
#   EKSGUARD_VULNAPP (tests build it with the local toolchain).
EKSGUARD_VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018
_vulndb_dir="$EKSGUARD_TEST_CACHE/vulndb"
_vulndb_mod="$_vulndb_dir/mod/golang.org/x/vulndb@$EKSGUARD_VULNDB_VERSION"
if [ ! -d "$_vulndb_mod/data/osv" ]; then
  echo "vulndb: downloading golang.org/x/vulndb@$EKSGUARD_VULNDB_VERSION through the Go module proxy (about 40 MB)"
  mkdir -p "$_vulndb_dir"
  (cd "$_vulndb_dir" && GOMODCACHE="$_vulndb_dir/mod" GOFLAGS= go mod download -json "golang.org/x/vulndb@$EKSGUARD_VULNDB_VERSION" > download.json)
fi
echo "vulndb: $(ls "$_vulndb_mod/data/osv" | wc -l) records in $_vulndb_mod/data/osv"
export EKSGUARD_GO_VULNDB="$_vulndb_mod"

_vulnapp="$_vulndb_dir/vulnapp"
if [ ! -f "$_vulnapp/go.sum" ]; then
  echo "vulndb: preparing a program pinned to golang.org/x/text v0.3.0"
  mkdir -p "$_vulnapp"
  cat > "$_vulnapp/go.mod" <<'GOMOD'
module example.com/vulnapp

go 1.22

require golang.org/x/text v0.3.0
GOMOD
  cat > "$_vulnapp/main.go" <<'GOSRC'
// Command vulnapp decodes UTF-16 with golang.org/x/text v0.3.0, a version affected by
// GO-2020-0015 (CVE-2020-14040).
package main

import (
	"fmt"
	"os"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

func main() {
	dec := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
	s, _, err := transform.String(dec, "\xff\xfeh\x00i\x00")
	fmt.Println(s, err)
	os.Exit(0)
}
GOSRC
  (cd "$_vulnapp" && GOFLAGS=-mod=mod go mod tidy)
fi
export EKSGUARD_VULNAPP="$_vulnapp"
unset _vulndb_dir _vulndb_mod _vulnapp
