#!/usr/bin/env bash
# bench-latency.sh - the whole latency distribution of Ember and redis-server
# side by side, for the percentile curves of docs/benchmarks.md.
# ../shared/bench/compare.sh keeps only p50, p95 and p99 (redis-benchmark's
# --csv); this runs redis-benchmark without --csv and keeps its "latency by
# percentile distribution" (every HdrHistogram step from 0% towards 100%).
#
#   scripts/bench-latency.sh [--out FILE] [--tests get,set] [--pipelines 1,16]
#                            [--rounds N] [--requests N] [--clients N]
#                            [--keyspace N] [--datasize N] [--ember BIN]
#
# Both servers run on free loopback ports for the whole run; the one not
# under load is paused (SIGSTOP), and the order alternates per round, as in
# compare.sh. -n is --requests at -P 1 and --requests*depth/2 (at most 10x)
# deeper, compare.sh's rule. Writes FILE (default bench-out/latency.tsv):
#   round server test pipeline percentile latency_ms cumulative_count
# (a header line first), and prints p50/p99/p99.9/max per row on stdout.
# A quick run (the defaults: 4 rows, 1 round) takes about half a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench-out/latency.tsv TESTS=get,set PIPELINES=1,16 ROUNDS=1 REQUESTS=100000
CLIENTS=50 KEYSPACE=100000 DATASIZE=64 EMBER=./bin/ember-server KEEP=
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --tests) TESTS=$2; shift 2 ;;
    --pipelines) PIPELINES=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --requests) REQUESTS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --keyspace) KEYSPACE=$2; shift 2 ;;
    --datasize) DATASIZE=$2; shift 2 ;;
    --ember) EMBER=$2; shift 2 ;;
    --help|-h) sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "bench-latency: unknown option $1" >&2; exit 2 ;;
  esac
done
for t in redis-server redis-cli redis-benchmark awk timeout setsid; do
  command -v "$t" >/dev/null || { echo "bench-latency: $t not found (scripts/install-deps.sh)" >&2; exit 2; }
done
[ -x "$EMBER" ] || { echo "bench-latency: $EMBER not built (make build)" >&2; exit 2; }
mkdir -p "$(dirname "$OUT")"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-latency.XXXXXX")
SERVER_ARGS=()
# shellcheck source=bench-servers.sh
. scripts/bench-servers.sh

IFS=, read -r -a TEST_LIST <<<"$TESTS"
IFS=, read -r -a PIPE_LIST <<<"$PIPELINES"
requests_for() { # pipeline -> -n
  local n=$(( REQUESTS * $1 / 2 ))
  [ "$n" -lt "$REQUESTS" ] && n=$REQUESTS
  [ "$n" -gt $(( REQUESTS * 10 )) ] && n=$(( REQUESTS * 10 ))
  echo "$n"
}

start ember; start redis
kill -STOP "${PID_OF[ember]}" "${PID_OF[redis]}"
printf 'round\tserver\ttest\tpipeline\tpercentile\tlatency_ms\tcumulative_count\n' >"$WORK/latency.tsv"
: >"$WORK/summary.txt"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  order="ember redis"; [ $((r % 2)) = 0 ] && order="redis ember"
  for p in "${PIPE_LIST[@]}"; do
    for t in "${TEST_LIST[@]}"; do
      for s in $order; do
        kill -CONT "${PID_OF[$s]}"
        timeout -k 5 120 redis-benchmark -h 127.0.0.1 -p "${PORT_OF[$s]}" -c "$CLIENTS" \
          -n "$(requests_for "$p")" -P "$p" -r "$KEYSPACE" -d "$DATASIZE" -t "$t" \
          >"$WORK/run.out" 2>"$WORK/run.err" ||
          { echo "bench-latency: $s $t -P $p failed:" >&2; head -c 400 "$WORK/run.err" >&2; exit 1; }
        kill -STOP "${PID_OF[$s]}"
        [ -n "$(rb_percentiles "$WORK/run.out")" ] ||
          { echo "bench-latency: no percentile distribution from $s $t -P $p" >&2; exit 1; }
        rb_percentiles "$WORK/run.out" | awk -v r="$r" -v s="$s" -v t="$t" -v p="$p" \
          'BEGIN { OFS = "\t" } { print r, s, t, p, $0 }' >>"$WORK/latency.tsv"
        read -r rps _ _ p50 _ p99 max < <(rb_summary "$WORK/run.out") ||
          { echo "bench-latency: no summary from $s $t -P $p:" >&2; tail -n 8 "$WORK/run.out" >&2; exit 1; }
        printf '%s\t%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\n' "$r" "$s" "$t" "$p" "$rps" "$p50" "$p99" \
          "$(rb_percentile "$WORK/run.out" 99.9)" "$max" >>"$WORK/summary.txt"
      done
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
mv "$WORK/latency.tsv" "$OUT"
# Aligned with awk rather than column(1), which a minimal Debian lacks.
{
  printf 'round\tserver\ttest\t-P\tops/s\tp50\tp99\tp99.9\tmax\n'
  cat "$WORK/summary.txt"
} | awk -F'\t' '{ printf "%-6s %-6s %-5s %-3s %8s %7s %7s %8s %8s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
echo "percentiles: $OUT"
