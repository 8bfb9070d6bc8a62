#!/usr/bin/env bash
# Checks that two eksguard binaries report the same on a directory of manifests:
# the JSON reports of `eksguard scan DIR --format json`, in canonical form (jq -S)
# and without the two fields that differ from run to run (the start time and
# the duration), must be byte-for-byte equal. Every finding, with its rule,
# subject, file, line, column and message, and the summary counts are compared.
#
#   bench/same-findings.sh OLD_BINARY NEW_BINARY DIR [DIR...]
#
# Used for changes that must not change findings (docs/benchmarks.md). Needs jq.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 OLD_BINARY NEW_BINARY DIR [DIR...]" >&2; exit 2; }
old=$1 new=$2
shift 2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
canon() { jq -S 'del(.started) | del(.summary.durationNs)'; }
status=0
for dir in "$@"; do
	rc=0
	"$old" scan "$dir" --format json >"$TMP/old.raw" || rc=$?
	[ "$rc" -le 1 ] || { echo "$old failed on $dir (exit $rc)" >&2; exit 2; }
	rc=0
	"$new" scan "$dir" --format json >"$TMP/new.raw" || rc=$?
	[ "$rc" -le 1 ] || { echo "$new failed on $dir (exit $rc)" >&2; exit 2; }
	canon <"$TMP/old.raw" >"$TMP/old.json"
	canon <"$TMP/new.raw" >"$TMP/new.json"
	n=$(jq '.findings | length' "$TMP/old.json")
	if cmp -s "$TMP/old.json" "$TMP/new.json"; then
		echo "same: $dir ($n findings)"
	else
		echo "DIFFERENT: $dir (old $n findings, new $(jq '.findings | length' "$TMP/new.json"))"
		diff "$TMP/old.json" "$TMP/new.json" | head -n 40
		status=1
	fi
done
exit $status
