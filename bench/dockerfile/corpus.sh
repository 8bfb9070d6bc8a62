#!/usr/bin/env bash
# Builds the Dockerfile corpus: every Dockerfile inside the Go module versions listed in
# bench/dockerfile/modules.txt, as served by the module proxy, and inside the npm package
# versions listed in bench/dockerfile/npm.txt, as served by the npm registry, and inside the
# Debian source packages listed in bench/dockerfile/debian.txt, as served by the system's
# Debian mirror (apt-get source --download-only; nothing is installed), deduplicated by
# content, as $CACHE/corpus/<sha256 prefix>.Dockerfile.
# Usage: bench/dockerfile/corpus.sh CACHE_DIR
#
# Zips already in the user's module cache are read in place; the others are fetched with
# `go mod download` into a module cache of the corpus's own ($CACHE/gomodcache), two at a
# time, skipping zips over 200 MB, and removed (zip and extracted tree) once their
# Dockerfiles are copied out, so the disk use stays bounded. Versions
# already taken in are listed in $CACHE/corpus.done and skipped on later runs. npm tarballs
# are fetched from the registry `npm config get registry` names, four at a time, skipping
# tarballs over 50 MB, into $CACHE/npm and removed once read.
set -euo pipefail
CACHE=${1:?cache dir}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mkdir -p "$CACHE/corpus" "$CACHE/gomodcache"
touch "$CACHE/corpus.done"
(cd "$ROOT" && go build -o "$CACHE/extract" ./bench/dockerfile/extract)
ORIG_MODCACHE=$(go env GOMODCACHE)
export CACHE
export GOMODCACHE=$CACHE/gomodcache GOFLAGS=-modcacherw
# The first proxy in GOPROXY, asked for a zip's size before it is downloaded.
PROXY=$(go env GOPROXY | cut -d, -f1 | cut -d'|' -f1)
case $PROXY in http://* | https://*) ;; *) PROXY= ;; esac
export ORIG_MODCACHE PROXY

# one MODULE@VERSION: download, copy the Dockerfiles out, drop the download.
one() {
	local mv=$1 m v esc vesc size zip n
	m=${mv%@*} v=${mv#*@}
	grep -qxF "$mv" "$CACHE/corpus.done" && return 0
	esc=$(printf '%s' "$m" | sed 's/[A-Z]/!\L&/g')
	vesc=$(printf '%s' "$v" | sed 's/[A-Z]/!\L&/g')
	zip=$ORIG_MODCACHE/cache/download/$esc/@v/$vesc.zip
	if [ -f "$zip" ]; then # already downloaded: read it in place
		n=$("$CACHE/extract" "$CACHE/corpus" "$zip" | awk '{print $2}')
	else
		size=0
		[ -z "$PROXY" ] || size=$(curl -sfIL --max-time 60 "${PROXY%/}/$esc/@v/$vesc.zip" |
			tr -d '\r' | awk 'tolower($1)=="content-length:"{n=$2} END{print n+0}')
		if [ "${size:-0}" -gt 209715200 ]; then
			echo "$mv: skipped, a zip of $size bytes" >&2
			return 0
		fi
		zip=$(cd "$CACHE" && go mod download -json "$mv" 2>/dev/null | sed -n 's/^[[:space:]]*"Zip": "\(.*\)",*$/\1/p') || true
		if [ ! -f "$zip" ]; then
			echo "$mv: skipped, not served" >&2
			return 0
		fi
		n=$("$CACHE/extract" "$CACHE/corpus" "$zip" | awk '{print $2}')
		rm -rf "$GOMODCACHE/$esc@$vesc" "${zip%.zip}".*
	fi
	echo "$mv" >>"$CACHE/corpus.done"
	echo "$mv: $n new" >&2
}
export -f one
grep -v '^[[:space:]]*\(#\|$\)' "$ROOT/bench/dockerfile/modules.txt" | xargs -P 2 -I{} bash -c 'one "$@"' _ {}

# onenpm NAME@VERSION: fetch the tarball, copy the Dockerfiles out, drop the tarball.
onenpm() {
	local pv=$1 name ver url size tgz n
	grep -qxF "npm:$pv" "$CACHE/corpus.done" && return 0
	name=${pv%@*} ver=${pv##*@}
	url=${REGISTRY%/}/$name/-/${name##*/}-$ver.tgz
	size=$(curl -sfIL --max-time 60 "$url" | tr -d '\r' | awk 'tolower($1)=="content-length:"{n=$2} END{print n+0}')
	if [ "${size:-0}" -gt 52428800 ]; then
		echo "npm:$pv: skipped, a tarball of $size bytes" >&2
		return 0
	fi
	tgz=$CACHE/npm/$(printf '%s' "$pv" | tr '/@' '__').tgz
	if ! curl -sfL --max-time 300 -o "$tgz" "$url"; then
		rm -f "$tgz"
		echo "npm:$pv: skipped, not served" >&2
		return 0
	fi
	n=$("$CACHE/extract" "$CACHE/corpus" "$tgz" | awk '{print $2}') || n=
	rm -f "$tgz"
	if [ -z "$n" ]; then
		echo "npm:$pv: skipped, not a readable tarball" >&2
		return 0
	fi
	echo "npm:$pv" >>"$CACHE/corpus.done"
	echo "npm:$pv: $n new" >&2
}
export -f onenpm
REGISTRY=$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)
export REGISTRY
mkdir -p "$CACHE/npm"
grep -v '^[[:space:]]*\(#\|$\)' "$ROOT/bench/dockerfile/npm.txt" | xargs -P 4 -I{} bash -c 'onenpm "$@"' _ {}

# onedeb NAME=VERSION: fetch a Debian source package (apt-get source --download-only, with
# the apt configuration made below), copy the Dockerfiles out of its tarballs, drop it.
onedeb() {
	local pv=$1 dir f n=0 k
	grep -qxF "deb:$pv" "$CACHE/corpus.done" && return 0
	dir=$(mktemp -d "$CACHE/deb/src.XXXXXX")
	if ! (cd "$dir" && aptsrc source --download-only "$pv") >/dev/null 2>&1; then
		rm -rf "$dir"
		echo "deb:$pv: skipped, not served" >&2
		return 0
	fi
	for f in "$dir"/*.tar.*; do
		[ -f "$f" ] || continue
		case $f in
		*.gz) k=$(gzip -dc "$f" | "$CACHE/extract" "$CACHE/corpus" - | awk '{print $2}') ;;
		*.xz) k=$(xz -dc "$f" | "$CACHE/extract" "$CACHE/corpus" - | awk '{print $2}') ;;
		*.bz2) k=$(bzip2 -dc "$f" | "$CACHE/extract" "$CACHE/corpus" - | awk '{print $2}') ;;
		*) continue ;;
		esac
		n=$((n + ${k:-0}))
	done
	rm -rf "$dir"
	echo "deb:$pv" >>"$CACHE/corpus.done"
	echo "deb:$pv: $n new" >&2
}
# Debian source packages: a private apt configuration under $CACHE/apt whose sources are
# the system's own Debian sources turned into deb-src entries, with lists and caches of its
# own (the system's apt settings and caches are left alone), updated once per corpus build.
mkdir -p "$CACHE/deb" "$CACHE/apt/etc" "$CACHE/apt/lists/partial" "$CACHE/apt/cache/archives/partial"
{
	for f in /etc/apt/sources.list.d/*.sources; do
		if [ -f "$f" ] && grep -q '/debian' "$f"; then sed 's/^Types:.*/Types: deb-src/' "$f" && echo; fi
	done
} >"$CACHE/apt/etc/debian-src.sources"
if [ ! -s "$CACHE/apt/etc/debian-src.sources" ] && [ -f /etc/apt/sources.list ]; then
	sed -n 's/^deb \(.*\)$/deb-src \1/p' /etc/apt/sources.list | grep '/debian' >"$CACHE/apt/etc/debian-src.list" || true
fi
aptsrc() {
	apt-get -o Dir::Etc::sourcelist=/dev/null -o "Dir::Etc::sourceparts=$CACHE/apt/etc" \
		-o "Dir::State::Lists=$CACHE/apt/lists" -o "Dir::Cache=$CACHE/apt/cache" \
		-o APT::Sandbox::User="$(id -un)" "$@"
}
aptsrc update -qq >/dev/null 2>&1 || echo "deb: apt-get update failed; Debian sources skipped" >&2
export -f onedeb aptsrc
grep -v '^[[:space:]]*\(#\|$\)' "$ROOT/bench/dockerfile/debian.txt" | xargs -P 4 -I{} bash -c 'onedeb "$@"' _ {}
ls "$CACHE/corpus" | wc -l
