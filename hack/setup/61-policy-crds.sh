# shellcheck shell=bash
# Test set-up step (sourced by hack/test.sh): the schemas of the policy engines eksguard
# exports to (pkg/policyexport), so the tests can create every exported policy in the real
# API server with strict field validation. Into one directory, exported as
# EKSGUARD_POLICY_CRDS:
# - kyverno-clusterpolicies.yaml: Kyverno's ClusterPolicy CRD (github.com/kyverno/kyverno);
# - gatekeeper-constrainttemplates.yaml: Gatekeeper's ConstraintTemplate CRD,
#   gatekeeper-match.yaml: the CRD that holds Gatekeeper's Constraint match schema, and
#   gatekeeper-k8scel-schema.go: the Go types of a K8sNativeValidation source (a field the
#   CRD leaves open) (github.com/open-policy-agent/gatekeeper/v3).
# Each module is downloaded once through the Go module proxy with a module cache of its own
# (never through our go.mod); only those files are kept. Cold, this takes about 10 seconds.
EKSGUARD_KYVERNO_VERSION="${EKSGUARD_KYVERNO_VERSION:-v1.19.1}"
EKSGUARD_GATEKEEPER_VERSION="${EKSGUARD_GATEKEEPER_VERSION:-v3.23.1}"

# _eksguard_module_files MODULE VERSION DEST (FILE-IN-MODULE NAME)...
_eksguard_module_files() {
  local module=$1 version=$2 dest=$3 modcache src
  shift 3
  modcache="$(dirname "$dest")/mod"
  echo "policy-crds: downloading $module@$version through the Go module proxy (once)"
  src=$(mkdir -p "$modcache" && cd "$modcache" && GOMODCACHE="$modcache" GOFLAGS=-modcacherw go mod download -json "$module@$version" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [ -n "$src" ] || { echo "policy-crds: cannot download $module@$version" >&2; return 1; }
  while [ $# -ge 2 ]; do
    [ -s "$src/$1" ] || { echo "policy-crds: $1 not found in $module@$version" >&2; return 1; }
    cp "$src/$1" "$dest/$2" && chmod 644 "$dest/$2" || return 1
    shift 2
  done
  # Only the copied files are needed.
  GOMODCACHE="$modcache" go clean -modcache 2>/dev/null
  rm -rf "$modcache"
}

_eksguard_policy_crds() {
  local dir="${EKSGUARD_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-test}/policy-crds/kyverno-$EKSGUARD_KYVERNO_VERSION-gatekeeper-$EKSGUARD_GATEKEEPER_VERSION"
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir" && mkdir -p "$dir" || return 1
    _eksguard_module_files github.com/kyverno/kyverno "$EKSGUARD_KYVERNO_VERSION" "$dir" \
      config/crds/kyverno/kyverno.io_clusterpolicies.yaml kyverno-clusterpolicies.yaml || return 1
    _eksguard_module_files github.com/open-policy-agent/gatekeeper/v3 "$EKSGUARD_GATEKEEPER_VERSION" "$dir" \
      config/crd/bases/constrainttemplate-customresourcedefinition.yaml gatekeeper-constrainttemplates.yaml \
      config/crd/bases/match.gatekeeper.sh_matchcrd.yaml gatekeeper-match.yaml \
      pkg/drivers/k8scel/schema/schema.go gatekeeper-k8scel-schema.go || return 1
    touch "$dir/.done"
  fi
  echo "policy-crds: Kyverno $EKSGUARD_KYVERNO_VERSION and Gatekeeper $EKSGUARD_GATEKEEPER_VERSION schemas in $dir"
  export EKSGUARD_POLICY_CRDS="$dir"
}
_eksguard_policy_crds || echo "policy-crds: set-up failed; the policy export tests will fail" >&2
unset -f _eksguard_policy_crds _eksguard_module_files
