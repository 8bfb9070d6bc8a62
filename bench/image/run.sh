#!/usr/bin/env bash
# Side-by-side benchmark of `eksguard scan image` against syft (package listing) and trivy
# (--list-all-pkgs, vulnerability scanning off) on the same docker-archive, with
# `gzip -dc > /dev/null` of the layers as the floor: wall time and peak RSS (GNU time -v),
# one run each, ratios printed.
#
#   bench/image/run.sh            # both images
#   bench/image/run.sh tools      # only build the peers
#
# Images: the Debian 12 image of the test set-up (debootstrap minbase), and a large image
# built here: debootstrap with extra packages, plus a layer of Go binaries built from
# modules in the module cache, plus a layer that rewrites and deletes files.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
cache="${EKSGUARD_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-bench}/image"
mkdir -p "$cache/bin"
export EKSGUARD_TEST_CACHE="${EKSGUARD_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-test}"

command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }

# Peers, built once from the Go module proxy.
if [ ! -x "$cache/bin/syft" ]; then
  echo "building syft v1.57.1 (once)"
  GOBIN="$cache/bin" GOFLAGS=-mod=mod go install github.com/anchore/syft/cmd/syft@v1.57.1
fi
# trivy: reuse a v0.74.0 build another benchmark made under the bench cache, else build it.
trivy="${TRIVY_BIN:-}"
if [ -z "$trivy" ]; then
  for t in "$cache/bin/trivy" "$(dirname "$cache")"/*/trivy-v0.74.0/bin/trivy; do
    # go install builds report "Version: dev": check the module version in the build info.
    if [ -x "$t" ] && go version -m "$t" 2>/dev/null | grep -qE 'mod[[:space:]]+github.com/aquasecurity/trivy[[:space:]]+v0.74.0'; then trivy=$t; break; fi
  done
fi
if [ -z "$trivy" ] && [ "${BENCH_NO_TRIVY:-}" != 1 ]; then
  echo "building trivy v0.74.0 (once)"
  GOEXPERIMENT=jsonv2 GOBIN="$cache/bin" GOFLAGS=-mod=mod go install github.com/aquasecurity/trivy/cmd/trivy@v0.74.0
  trivy="$cache/bin/trivy"
fi
[ "${1:-}" = tools ] && exit 0

go build -o "$cache/bin/eksguard" ./cmd/eksguard
go build -o "$cache/bin/ocipack" ./hack/ocipack

# The Debian image of the test set-up.
# shellcheck source=/dev/null
source hack/setup/51-debian.sh
mirror=$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -v security | awk '{print $2}' | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}

# The large image: more packages, Go binaries, and a layer that rewrites and deletes.
large="$cache/large"
if [ ! -f "$large/oci/index.json" ]; then
  if [ ! -f "$large/rootfs/.complete" ]; then
    echo "debootstrap of the large image (once, several minutes)"
    rm -rf "$large/rootfs" && mkdir -p "$large"
    debootstrap --variant=minbase \
      --include=python3,python3-pip,perl,git,curl,openssh-client,gcc,make,libssl-dev,vim,less,procps,gnupg,ca-certificates,nodejs,npm \
      bookworm "$large/rootfs" "$mirror" >"$large/debootstrap.log" 2>&1 ||
      echo "debootstrap reported errors (npm's dependencies are not all resolved by debootstrap); the rootfs is used as unpacked"
    touch "$large/rootfs/.complete"
  fi
  mkdir -p "$large/gobin/usr/local/bin" "$large/churn/usr/share/doc" "$large/churn2/usr/share"
  for b in "$cache/bin/syft" "$trivy" "$cache/bin/eksguard" "$cache/bin/ocipack"; do [ -x "$b" ] && cp "$b" "$large/gobin/usr/local/bin/"; done
  [ -x "${EKSGUARD_REGISTRY_BIN:-}" ] && cp "$EKSGUARD_REGISTRY_BIN" "$large/gobin/usr/local/bin/registry"
  cp -r "$large/rootfs/usr/share/doc" "$large/churn/usr/share/"   # rewrites every file of /usr/share/doc
  "$cache/bin/ocipack" -rootfs "$large/rootfs" -exclude .complete -add-layer "$large/gobin" -add-layer "$large/churn" \
    -out "$large/oci" -tag large
fi

# docker-archive tarballs of both, the same input for every tool.
go run ./bench/image/toarchive "oci:$EKSGUARD_DEBIAN_OCI" "$cache/debian.tar"
go run ./bench/image/toarchive "oci:$large/oci" "$cache/large.tar"

measure() { # label command...
  local out="$cache/time.$1"
  /usr/bin/time -v -o "$out" "${@:2}" >"$cache/out.$1" 2>"$cache/stderr.$1" || true
  local wall rss cpu
  cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$out")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out")
  # m:ss.cc -> seconds
  wall=$(echo "$wall" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  echo "$1 $wall $rss $cpu"
}

for img in debian large; do
  tar="$cache/$img.tar"
  layers="$cache/$img.layers"
  rm -rf "$layers" && mkdir -p "$layers" && tar -xf "$tar" -C "$layers"
  echo "== $img: $(du -h "$tar" | cut -f1) archive, $(tar -tf "$tar" | grep -c '\.tar\.gz$' || true) layers"
  # Warm the page cache so every tool reads from memory.
  cat "$tar" >/dev/null
  res=()
  unset wall_trivy cpu_trivy
  res+=("$(measure gzip sh -c "for f in \$(find '$layers' -name '*.tar.gz'); do gzip -dc \"\$f\" >/dev/null; done")")
  res+=("$(measure eksguard "$cache/bin/eksguard" scan image "docker-archive:$tar" -f cyclonedx)")
  res+=("$(measure syft env SYFT_CHECK_FOR_APP_UPDATE=false "$cache/bin/syft" scan "docker-archive:$tar" -o syft-json)")
  # trivy: the CycloneDX output lists every package and runs no vulnerability scan; no
  # cache between runs (memory backend), no network.
  [ -n "$trivy" ] && res+=("$(measure trivy "$trivy" image --input "$tar" --format cyclonedx --list-all-pkgs --cache-backend memory --skip-db-update --skip-java-db-update --offline-scan --skip-version-check -q)")
  printf '%-10s %10s %10s %12s\n' tool wall_s cpu_s peak_rss_MB
  for r in "${res[@]}"; do
    set -- $r
    printf '%-10s %10.2f %10.2f %12.1f\n' "$1" "$2" "$4" "$(echo "$3/1024" | bc -l)"
    eval "wall_$1=$2; rss_$1=$3; cpu_$1=$4"
  done
  ratio() { [ -n "${2:-}" ] && echo "$1/$2" | bc -l | cut -c1-5 || echo "n/a"; }
  echo "cpu ratios: eksguard/syft $(ratio "$cpu_eksguard" "$cpu_syft")  eksguard/trivy $(ratio "$cpu_eksguard" "${cpu_trivy:-}")  eksguard/gzip -dc $(ratio "$cpu_eksguard" "$cpu_gzip")"
  echo "packages: eksguard $(grep -c '"bom-ref"' "$cache/out.eksguard" || true), syft $(grep -o '"purl"' "$cache/out.syft" | wc -l), trivy $(grep -c '"bom-ref"' "$cache/out.trivy" 2>/dev/null || true) (bom-refs and purls, not the same unit across tools)"
  echo "wall ratios: eksguard/syft $(ratio "$wall_eksguard" "$wall_syft")  eksguard/trivy $(ratio "$wall_eksguard" "${wall_trivy:-}")  eksguard/gzip -dc $(ratio "$wall_eksguard" "$wall_gzip")"
done
