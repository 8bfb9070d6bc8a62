# shellcheck shell=bash
# Test set-up step (sourced by hack/test.sh): a real Kubernetes API for the cluster tests.
#
# Builds kube-apiserver from k8s.io/kubernetes and etcd from go.etcd.io/etcd/server/v3, each
# in its own throwaway module under $EKSGUARD_TEST_CACHE/kube (never through our go.mod), into
# $EKSGUARD_TEST_CACHE/kube/bin, once: later runs reuse the binaries. Exports
# KUBEBUILDER_ASSETS, the directory sigs.k8s.io/controller-runtime's envtest starts them from.
# Cold, this takes about 12 minutes on a 2-core machine.
#
# It can also be run on its own: `bash hack/setup/10-kube.sh`.

EKSGUARD_KUBE_VERSION="${EKSGUARD_KUBE_VERSION:-v1.37.2}"
EKSGUARD_ETCD_VERSION="${EKSGUARD_ETCD_VERSION:-v3.6.5}"

eksguard_build_kube() {
  local cache="${EKSGUARD_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-test}/kube"
  local bin="$cache/bin"
  # Each binary has a stamp naming the version it was built from.
  if [ -x "$bin/kube-apiserver" ] && [ "$(cat "$bin/.kube-apiserver.version" 2>/dev/null)" = "$EKSGUARD_KUBE_VERSION" ] &&
     [ -x "$bin/etcd" ] && [ "$(cat "$bin/.etcd.version" 2>/dev/null)" = "$EKSGUARD_ETCD_VERSION" ]; then
    echo "kube: reusing kube-apiserver $EKSGUARD_KUBE_VERSION and etcd $EKSGUARD_ETCD_VERSION in $bin"
    export KUBEBUILDER_ASSETS="$bin"
    return 0
  fi
  mkdir -p "$bin" || return 1
  local start=$SECONDS

  # kube-apiserver. k8s.io/kubernetes requires its staging modules (k8s.io/api, ...) at
  # v0.0.0 and replaces them with directories of its own repository, which a dependent
  # module cannot see; so this module replaces each one with its matching v0.x release.
  local staging="v0${EKSGUARD_KUBE_VERSION#v1}"
  local ksrc="$cache/src-apiserver"
  if [ ! -x "$bin/kube-apiserver" ] || [ "$(cat "$bin/.kube-apiserver.version" 2>/dev/null)" != "$EKSGUARD_KUBE_VERSION" ]; then
    echo "kube: building kube-apiserver $EKSGUARD_KUBE_VERSION (once; about 10 minutes cold on 2 cores)..."
    rm -rf "$ksrc" && mkdir -p "$ksrc" || return 1
    (
      set -e
      cd "$ksrc"
      local kmod
      kmod=$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$EKSGUARD_KUBE_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
      [ -n "$kmod" ] || { echo "kube: cannot download k8s.io/kubernetes@$EKSGUARD_KUBE_VERSION" >&2; exit 1; }
      {
        echo "module eksguard.test/kube-apiserver-build"
        echo
        echo "go 1.26.0"
        echo
        echo "require k8s.io/kubernetes $EKSGUARD_KUBE_VERSION"
        echo
        # Every `k8s.io/<name> => ./staging/src/k8s.io/<name>` of kubernetes' go.mod.
        sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\)[[:space:]]*=>[[:space:]]*\./staging/src/.*$#replace \1 => \1 '"$staging"'#p' "$kmod"
      } > go.mod
      grep -q '^replace k8s.io/api ' go.mod || { echo "kube: found no staging modules in $kmod" >&2; exit 1; }
      GOFLAGS=-mod=mod go get "k8s.io/kubernetes/cmd/kube-apiserver@$EKSGUARD_KUBE_VERSION" >/dev/null
      local minor=${EKSGUARD_KUBE_VERSION#v1.}; minor=${minor%%.*}
      CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$bin/kube-apiserver.tmp" \
        -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$EKSGUARD_KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
        k8s.io/kubernetes/cmd/kube-apiserver
      mv "$bin/kube-apiserver.tmp" "$bin/kube-apiserver"
      echo "$EKSGUARD_KUBE_VERSION" > "$bin/.kube-apiserver.version"
    ) || { echo "kube: building kube-apiserver failed" >&2; return 1; }
  fi

  # etcd: etcdmain.Main is what etcd's own main package calls.
  local esrc="$cache/src-etcd"
  if [ ! -x "$bin/etcd" ] || [ "$(cat "$bin/.etcd.version" 2>/dev/null)" != "$EKSGUARD_ETCD_VERSION" ]; then
  echo "kube: building etcd $EKSGUARD_ETCD_VERSION (once; about 2 minutes cold)..."
  rm -rf "$esrc" && mkdir -p "$esrc" || return 1
  (
    set -e
    cd "$esrc"
    printf 'module eksguard.test/etcd-build\n\ngo 1.26.0\n' > go.mod
    cat > main.go <<'EOF'
// Command etcd runs the etcd server for eksguard's tests.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
    GOFLAGS=-mod=mod go get "go.etcd.io/etcd/server/v3@$EKSGUARD_ETCD_VERSION" >/dev/null
    GOFLAGS=-mod=mod go mod tidy >/dev/null
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$bin/etcd.tmp" .
    mv "$bin/etcd.tmp" "$bin/etcd"
    echo "$EKSGUARD_ETCD_VERSION" > "$bin/.etcd.version"
  ) || { echo "kube: building etcd failed" >&2; return 1; }
  fi

  echo "kube: built kube-apiserver and etcd into $bin in $((SECONDS - start))s"
  export KUBEBUILDER_ASSETS="$bin"
}

if eksguard_build_kube; then
  :
else
  echo "kube: the Kubernetes API test bed could not be built; cluster tests will fail" >&2
  # Sourced by hack/test.sh (set -e): a failed build stops the run here with a clear cause.
  return 1 2>/dev/null || exit 1
fi
