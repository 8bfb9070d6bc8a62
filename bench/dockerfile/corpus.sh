#!/usr/bin/env bash
# Builds the Dockerfile corpus: every Dockerfile inside many versions of Go modules the
# module proxy serves, deduplicated by content, as $CACHE/corpus/<sha>.Dockerfile.
# Usage: bench/dockerfile/corpus.sh CACHE_DIR [VERSIONS_PER_MODULE]
set -euo pipefail
CACHE=${1:?cache dir}
PER=${2:-12}
# MODULE or MODULE@VERSION: the modules whose Dockerfiles make up the corpus (the last
# $PER listed versions of each; a module the proxy refuses is skipped).
MODULES=(
	github.com/moby/buildkit
	github.com/docker/cli
	github.com/docker/docker
	k8s.io/kubernetes
	github.com/aquasecurity/trivy
	istio.io/istio@v0.0.0-20260827124520-eed52ebb66ad
	istio.io/istio@v0.0.0-20260826214018-9739e10eb9d7
	istio.io/istio@v0.0.0-20260423205519-b01690e6db7d
	github.com/anchore/syft
	github.com/anchore/grype
	github.com/containerd/containerd/v2
	github.com/golangci/golangci-lint/v2
	github.com/goreleaser/goreleaser/v2
	github.com/open-policy-agent/opa
	github.com/nats-io/nats-server/v2
	github.com/ipfs/kubo
	github.com/matrix-org/dendrite
	github.com/google/go-containerregistry
	github.com/jaegertracing/jaeger
	github.com/caddyserver/caddy/v2
	github.com/derailed/k9s
	github.com/awslabs/soci-snapshotter
	github.com/aws/aws-lambda-runtime-interface-emulator
	github.com/kyverno/chainsaw
	github.com/go-delve/delve
	github.com/ethereum/go-ethereum
	github.com/authzed/spicedb
	github.com/bufbuild/buf
	github.com/influxdata/influxdb
	github.com/FerretDB/FerretDB
)
mkdir -p "$CACHE/corpus" "$CACHE/mod"
cd "$CACHE/mod"
[ -f go.mod ] || go mod init corpus >/dev/null 2>&1
for mv in "${MODULES[@]}"; do
	m=${mv%@*}
	if [ "$m" != "$mv" ]; then
		vs=${mv#*@}
	else
		vs=$(go list -m -versions "$m" 2>/dev/null | tr ' ' '\n' | tail -n +2 | grep -v -- '-rc\|-beta\|-alpha' | tail -n "$PER" || true)
		[ -n "$vs" ] || vs=latest
	fi
	for v in $vs; do
		dir=$(go mod download -json "$m@$v" 2>/dev/null | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p') || true
		[ -d "$dir" ] || { echo "skip $m@$v" >&2; continue; }
		find "$dir" -type f \( -iname 'dockerfile' -o -iname '*.dockerfile' -o -iname 'dockerfile.*' -o -iname 'containerfile' \) \
			! -iname '*.dockerignore' ! -iname '*.md' ! -iname '*.go' ! -iname '*.sh' ! -iname '*.py' ! -iname '*.yaml' ! -iname '*.yml' ! -iname '*.json' ! -iname '*.txt' ! -iname '*.tmlanguage' ! -iname '*.xml' ! -iname '*.plist' ! -iname '*.vim' -size -1024k -print0 |
			while IFS= read -r -d '' f; do
				s=$(sha256sum "$f" | cut -c1-16)
				[ -f "$CACHE/corpus/$s.Dockerfile" ] || cp "$f" "$CACHE/corpus/$s.Dockerfile"
			done
		echo "$m@$v: $(ls "$CACHE/corpus" | wc -l) distinct files so far" >&2
	done
done
chmod -R u+w "$CACHE/corpus"
ls "$CACHE/corpus" | wc -l
