#!/usr/bin/env bash
# Overhead of `eksguard detect runtime` on a syscall-heavy workload: 1,000,000 open/close
# pairs and 10,000 fork+execs of /bin/true, timed without the sensor and with it running
# the stable upstream rules (falco_rules.yaml). Prints the slow-down in percent, events per
# second handled, the sensor's CPU time and peak RSS, and its losses. Needs root and a kernel
# with BTF. Falco cannot be built or run here (C++ with submodules, a kernel driver or its
# own eBPF probe); its published figures are printed beside ours. See docs/benchmarks.md.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: bench/runtime/run.sh [--opens N] [--execs N] [--runs N] [--flood SECONDS]

  --opens N   open/close pairs per run (default 1000000)
  --execs N   fork+execs per run (default 10000)
  --runs N    runs of the workload without and with the sensor (default 3; medians)
  --flood S   then offer failed opens for S seconds from 1, 2 and 3 threads (default 5; 0 skips)
USAGE
}

OPENS=1000000 EXECS=10000 RUNS=3 FLOOD=5
while [ $# -gt 0 ]; do
	case $1 in
	--opens) OPENS=${2:?}; shift ;;
	--execs) EXECS=${2:?}; shift ;;
	--runs) RUNS=${2:?}; shift ;;
	--flood) FLOOD=${2:?}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${EKSGUARD_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eksguard-bench}/runtime
RULES=$ROOT/../shared/reference/falco-upstream-rules
[ -d "$RULES" ] || RULES=/work/shared/reference/falco-upstream-rules
mkdir -p "$CACHE"
[ "$(id -u)" = 0 ] || { echo "run as root: the sensor loads eBPF programs" >&2; exit 2; }

echo "building eksguard and the workload"
(cd "$ROOT" && go build -o "$CACHE/eksguard" ./cmd/eksguard && go build -o "$CACHE/load" ./bench/runtime/load)
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# workload LABEL: RUNS runs; appends "open_s exec_s" lines to $CACHE/LABEL.times
workload() {
	: >"$CACHE/$1.times"
	for _ in $(seq "$RUNS"); do
		"$CACHE/load" -opens "$OPENS" -execs "$EXECS" | awk '{print $3, $6, $8}' >>"$CACHE/$1.times"
	done
}

echo "workload without the sensor ($RUNS runs)"
workload base

echo "starting the sensor (stable rules)"
ERR=$CACHE/sensor.err TIMEF=$CACHE/sensor.time
/usr/bin/time -f "%U %S %M" -o "$TIMEF" "$CACHE/eksguard" detect runtime --rules "$RULES/falco_rules.yaml" \
	-f falco-json --fail-on none --metrics 127.0.0.1:0 >"$CACHE/alerts.json" 2>"$ERR" &
SPID=$!
for _ in $(seq 600); do
	grep -q "sensor attached" "$ERR" 2>/dev/null && break
	sleep 0.1
done
grep -q "sensor attached" "$ERR" || { cat "$ERR"; kill "$SPID"; exit 1; }
EPID=$(pgrep -P "$SPID" eksguard || echo "$SPID")
IDLE_ANON=$(awk '/RssAnon/ {print $2}' "/proc/$EPID/status")
# Peak anonymous memory (heap, stacks), sampled: the peak RSS from time(1) also counts the
# binary's file pages and the ring buffer mapping.
( peak=0; while kill -0 "$EPID" 2>/dev/null; do
	a=$(awk '/RssAnon/ {print $2}' "/proc/$EPID/status" 2>/dev/null || echo 0)
	[ "${a:-0}" -gt "$peak" ] && peak=$a && echo "$peak" >"$CACHE/anon.peak"
	sleep 0.2
done ) &
echo "workload with the sensor ($RUNS runs)"
workload sensor
METRICS=$(sed -n 's/.*metrics on \(http[^ ]*\).*/\1/p' "$ERR" | head -1)
metric() { curl -s "$METRICS" | awk -v m="$1" '$1 == m {print $2}'; }
EVENTS_WORK=$(metric eksguard_runtime_events_total) # the workload's (and the machine's) events
# Offered load: failed opens (each one an event) from several threads, as fast as they go,
# while the sensor shares the same CPUs. Handled and lost are read from the sensor's metrics
# before and after (the loss counters are read each second, hence the pause).
: >"$CACHE/flood.txt"
if [ "$FLOOD" != 0 ]; then
	for th in 1 2 3; do
		sleep 1.5
		r0=$(metric eksguard_runtime_records_total) l0=$(metric eksguard_runtime_lost_ringbuf_total)
		out=$("$CACHE/load" -flood "${FLOOD}s" -threads "$th")
		# until the reader has caught up: less than 1,000 new records in a second (the
		# rest of the machine keeps producing a few), at most 30 s
		prev=$r0
		for _ in $(seq 30); do
			sleep 1
			r1=$(metric eksguard_runtime_records_total)
			[ $((r1 - prev)) -lt 1000 ] && break
			prev=$r1
		done
		l1=$(metric eksguard_runtime_lost_ringbuf_total)
		echo "$th $out $((r1 - r0)) $((l1 - l0)) $(cut -d' ' -f1 /proc/loadavg)" >>"$CACHE/flood.txt"
	done
fi
kill -INT "$EPID" 2>/dev/null || true
wait "$SPID" || true
SUMMARY=$(grep "records," "$ERR" | tail -1)
read -r SU SS RSS <"$TIMEF"

B_OPEN=$(awk '{print $1}' "$CACHE/base.times" | median)
B_EXEC=$(awk '{print $2}' "$CACHE/base.times" | median)
S_OPEN=$(awk '{print $1}' "$CACHE/sensor.times" | median)
S_EXEC=$(awk '{print $2}' "$CACHE/sensor.times" | median)
B_SYS=$(awk '{print $3}' "$CACHE/base.times" | median)
S_SYS=$(awk '{print $3}' "$CACHE/sensor.times" | median)
EVENTS=$(echo "$SUMMARY" | awk '{print $4}')
LOST=$(echo "$SUMMARY" | sed -E 's/.*lost ([0-9]+).*/\1/')
TOTAL_S=$(awk '{s+=$1+$2} END {print s}' "$CACHE/sensor.times")

awk -v bo="$B_OPEN" -v be="$B_EXEC" -v so="$S_OPEN" -v se="$S_EXEC" -v ev="$EVENTS" -v lost="$LOST" \
	-v evw="$EVENTS_WORK" -v su="$SU" -v ss="$SS" -v rss="$RSS" -v tot="$TOTAL_S" -v opens="$OPENS" -v execs="$EXECS" -v runs="$RUNS" -v bsys="$B_SYS" -v ssys="$S_SYS" -v idleanon="$IDLE_ANON" -v anon="$(cat "$CACHE/anon.peak" 2>/dev/null || echo 0)" 'BEGIN {
	printf "\n%-34s %12s %12s %10s\n", "workload (median of " runs ")", "without", "with sensor", "slow-down"
	printf "%-34s %11.3fs %11.3fs %9.1f%%\n", opens " open/close pairs", bo, so, (so/bo-1)*100
	printf "%-34s %11.3fs %11.3fs %9.1f%%\n", execs " fork+exec of /bin/true", be, se, (se/be-1)*100
	printf "%-34s %11.3fs %11.3fs %9.1f%%\n", "both", bo+be, so+se, ((so+se)/(bo+be)-1)*100
	printf "%-34s %10.2fus %10.2fus %9.1f%%\n", "kernel time per open/close pair", bsys/opens*1e6, ssys/opens*1e6, (ssys/bsys-1)*100
	printf "\nsensor: %d events evaluated while the workload ran %.1f s: %.0f events/s handled\n", evw, tot, evw/tot
	printf "sensor: open events at %.0f per second during the open phase (median run)\n", opens/so
	printf "sensor, whole run (offered-load phase included): %d events, CPU %.1f s user + %.1f s sys, lost %d\n", ev, su, ss, lost
	printf "sensor: capacity %.0f events per CPU-second of the sensor process\n", ev/(su+ss)
	printf "sensor: peak RSS %.1f MB (binary pages and ring buffer included); anonymous memory %.1f MB idle, %.1f MB peak\n", rss/1024, idleanon/1024, anon/1024
	printf "\nFalco (published, not run here): event-generator sample 4,372 events/s at 38%% CPU, 38 MB RSS, 2%% lost\n"
	printf "(falco.org/blog/falco-performance-testing); dd slowed from 449 to 200 MB/s under Falco (falco#1404).\n"
}'
echo "sensor summary: $SUMMARY"
if [ -s "$CACHE/flood.txt" ]; then
	echo
	echo "offered load: failed opens for ${FLOOD} s from N threads, the sensor on the same 2 CPUs"
	awk '{printf "  %d threads: offered %.0f events/s (%d in %.2f s); sensor read %d records, lost %d (%.2f%%); load average %s\n", $1, $5, $3, $4, $6, $7, ($7/($3>0?$3:1))*100, $8}' "$CACHE/flood.txt"
fi
