#!/usr/bin/env bash
# Builds the Dockerfile corpus: every Dockerfile inside many versions of Go modules the
# module proxy serves, deduplicated by content, as $CACHE/corpus/<sha>.Dockerfile.
# Usage: bench/dockerfile/corpus.sh CACHE_DIR [VERSIONS_PER_MODULE]
set -euo pipefail
CACHE=${1:?cache dir}
PER=${2:-12}
MODULES=(
	github.com/moby/buildkit
	github.com/docker/cli
	k8s.io/kubernetes
	github.com/aquasecurity/trivy
	istio.io/istio
	github.com/docker/docker
	github.com/containerd/containerd/v2
	github.com/hashicorp/nomad
	github.com/grafana/grafana
	github.com/cilium/cilium
	github.com/argoproj/argo-cd/v3
	knative.dev/serving
	github.com/open-policy-agent/gatekeeper/v3
	github.com/kyverno/kyverno
	sigs.k8s.io/cluster-api
	github.com/prometheus/prometheus
	github.com/jaegertracing/jaeger
	github.com/hashicorp/vault
	github.com/hashicorp/consul
	github.com/minio/minio
	github.com/gravitational/teleport
	github.com/cockroachdb/cockroach
	github.com/pulumi/pulumi/sdk/v3
	github.com/dapr/dapr
	github.com/envoyproxy/go-control-plane
	github.com/GoogleContainerTools/skaffold/v2
	github.com/tektoncd/pipeline
	github.com/fluxcd/flux2/v2
	github.com/ory/hydra/v2
	github.com/openfaas/faas-netes
)
mkdir -p "$CACHE/corpus" "$CACHE/mod"
cd "$CACHE/mod"
[ -f go.mod ] || go mod init corpus >/dev/null 2>&1
for m in "${MODULES[@]}"; do
	vs=$(go list -m -versions "$m" 2>/dev/null | tr ' ' '\n' | tail -n +2 | grep -v -- '-rc\|-beta\|-alpha' | tail -n "$PER" || true)
	[ -n "$vs" ] || vs=latest
	for v in $vs; do
		dir=$(go mod download -json "$m@$v" 2>/dev/null | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p') || true
		[ -d "$dir" ] || { echo "skip $m@$v" >&2; continue; }
		find "$dir" -type f \( -iname 'dockerfile' -o -iname '*.dockerfile' -o -iname 'dockerfile.*' -o -iname 'containerfile' \) \
			! -iname '*.dockerignore' ! -iname '*.md' -size -1024k -print0 |
			while IFS= read -r -d '' f; do
				s=$(sha256sum "$f" | cut -c1-16)
				[ -f "$CACHE/corpus/$s.Dockerfile" ] || cp "$f" "$CACHE/corpus/$s.Dockerfile"
			done
		echo "$m@$v: $(ls "$CACHE/corpus" | wc -l) distinct files so far" >&2
	done
done
chmod -R u+w "$CACHE/corpus"
ls "$CACHE/corpus" | wc -l
