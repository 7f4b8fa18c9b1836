#!/usr/bin/env bash
# bench-scale.sh - the at-scale workloads of issue 11, Ember against
# redis-server 7.0.15 side by side on loopback:
#
#   keys      --keys small keys resident (10M; "key:%012d", 32-byte values,
#             loaded through redis-cli --pipe), then GET and SET over that
#             key space (redis-benchmark -r KEYS -c 50): ops/s, p50, p99,
#             p99.9, max, and RSS per key.
#   churn     GETs of small keys while another client overwrites --big-keys
#             values of 128 KiB (so that Ember's collector must mark a big
#             heap under write load): GET ops/s, p99, p99.9, the worst single
#             latency, the writer's SETs/s, and RSS before, at the peak of
#             and after the churn.
#   conns     GET and SET at -P 1 with 1, 10, 50, 200 and 1,000 connections.
#   pipeline  GET and SET at -P 64 and -P 256.
#   values    GET and SET of 16 KB and 128 KB values, -P 1 and -P 16.
#
# conns, pipeline and values are runs of ../shared/bench/compare.sh (its
# tables, and its raw results for scripts/plotbench, under OUT); keys and
# churn are measured here, with the same method: both servers up, the idle
# one paused (SIGSTOP), the order alternating per round, medians over the
# rounds. Percentiles are redis-benchmark's (without --csv): p99.9 is the
# first step of its distribution at or above 99.9%.
#
#   scripts/bench-scale.sh [--only keys,churn,conns,pipeline,values]
#       [--keys N] [--big-keys N] [--rounds N] [--requests N] [--out DIR]
#       [--ember BIN] [--compare PATH]
#
# Full size (the defaults: 10M keys, 20,000 big values, 5 rounds, 500,000
# requests per keys/churn run) takes about 25 minutes and up to 10 GB of
# memory (Ember with 10M keys is about 3 GB, under churn up to 7);
# `--keys 1000000 --big-keys 4000 --rounds 3 --requests 200000` proves the
# script in 7-8. Every load and run is bounded by `timeout`; every
# server started is stopped on exit. OUT (default bench-out/scale) gets
# summary.md, the tables of every workload, compare.sh's raw results, and
# latency.tsv, the latency distributions of the keys and churn runs (as
# bench-latency.sh writes them; plotbench -scale draws both).
set -euo pipefail
cd "$(dirname "$0")/.."
ONLY=keys,churn,conns,pipeline,values KEYS=10000000 BIG_KEYS=20000 ROUNDS=5
REQUESTS=500000 OUT=bench-out/scale EMBER=./bin/ember-server COMPARE=../shared/bench/compare.sh
SMALL_KEYS=100000 BIG_SIZE=131072 KEEP=
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY=$2; shift 2 ;;
    --keys) KEYS=$2; shift 2 ;;
    --big-keys) BIG_KEYS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --requests) REQUESTS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --ember) EMBER=$2; shift 2 ;;
    --compare) COMPARE=$2; shift 2 ;;
    --help|-h) sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "bench-scale: unknown option $1" >&2; exit 2 ;;
  esac
done
for n in KEYS BIG_KEYS ROUNDS REQUESTS; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || { echo "bench-scale: ${n,,} must be a positive integer" >&2; exit 2; }
done
for t in redis-server redis-cli redis-benchmark awk timeout setsid; do
  command -v "$t" >/dev/null || { echo "bench-scale: $t not found (scripts/install-deps.sh)" >&2; exit 2; }
done
[ -x "$EMBER" ] || { echo "bench-scale: $EMBER not built (make build)" >&2; exit 2; }
EMBER=$(cd "$(dirname "$EMBER")" && pwd)/$(basename "$EMBER")
wants() { [[ ",$ONLY," == *",$1,"* ]]; }
if wants conns || wants pipeline || wants values; then
  [ -x "$COMPARE" ] || { echo "bench-scale: $COMPARE not found (--compare PATH)" >&2; exit 2; }
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-scale.XXXXXX")
SERVER_ARGS=()
# shellcheck source=bench-servers.sh
. scripts/bench-servers.sh

SUMMARY=$OUT/summary.md
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
say() { printf '%s\n' "$*" | tee -a "$SUMMARY"; }
whole() { if [ -n "$1" ]; then printf '%.0f' "$1"; else echo -; fi; }

# bench SERVER OUTFILE ARGS...: one redis-benchmark run, the server resumed
# for it and paused again after.
bench() {
  local s=$1 f=$2; shift 2
  kill -CONT "${PID_OF[$s]}"
  timeout -k 5 900 redis-benchmark -h 127.0.0.1 -p "${PORT_OF[$s]}" "$@" >"$f" 2>"$f.err" ||
    { echo "bench-scale: $s redis-benchmark $* failed:" >&2; head -c 400 "$f.err" >&2; exit 1; }
  kill -STOP "${PID_OF[$s]}"
  [ -n "$(rb_summary "$f")" ] || { echo "bench-scale: no summary from $s $*" >&2; tail -n 5 "$f" >&2; exit 1; }
}

# keep_curve FILE ROUND SERVER TEST: append the run's latency distribution
# to OUT/latency.tsv, in bench-latency.sh's format (plotbench -scale draws
# it).
keep_curve() {
  rb_percentiles "$1" | awk -v r="$2" -v s="$3" -v t="$4" \
    'BEGIN { OFS = "\t" } { print r, s, t, 1, $0 }' >>"$OUT/latency.tsv"
}

# figures FILE -> "rps p50 p99 p99.9 max"
figures() {
  local rps p50 p99 max
  read -r rps _ _ p50 _ p99 max < <(rb_summary "$1")
  echo "$rps $p50 $p99 $(rb_percentile "$1" 99.9) $max"
}

# latency_table NAME: the medians over the rounds of the rows
# "server test rps p50 p99 p999 max"
# in $WORK/rows.NAME, ember beside redis (max: the median of the rounds'
# maxima)
latency_table() {
  local name=$1 t s col
  say ""
  say "| $name | ember ops/s | redis ops/s | ember/redis | ember p50 | redis p50 | ember p99 | redis p99 | p99 ember/redis | ember p99.9 | redis p99.9 | p99.9 ember/redis | ember max | redis max |"
  say "| :-- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |"
  for t in $(awk '{ print $2 }' "$WORK/rows.$name" | awk '!seen[$0]++'); do
    declare -A M=()
    for s in ember redis; do
      for col in 3 4 5 6 7; do
        M[$s,$col]=$(awk -v s="$s" -v t="$t" -v c="$col" '$1 == s && $2 == t { print $c }' "$WORK/rows.$name" | median)
      done
    done
    say "| $t | $(printf '%.0f' "${M[ember,3]}") | $(printf '%.0f' "${M[redis,3]}") | $(ratio "${M[ember,3]}" "${M[redis,3]}") | ${M[ember,4]} | ${M[redis,4]} | ${M[ember,5]} | ${M[redis,5]} | $(ratio "${M[ember,5]}" "${M[redis,5]}") | ${M[ember,6]} | ${M[redis,6]} | $(ratio "${M[ember,6]}" "${M[redis,6]}") | ${M[ember,7]} | ${M[redis,7]} |"
    unset M
  done
}

# ------------------------------------------------------------------ keys
workload_keys() {
  local s r rss0 rss1 order
  say ""
  say "## $KEYS small keys resident (32-byte values), GET and SET over them"
  say ""
  say "-c 50 -P 1 -r $KEYS, -n $REQUESTS per run, $ROUNDS rounds; latency in ms. Load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  : >"$WORK/rows.keys"
  declare -A RSS0 RSS1 LOAD_S
  for s in ember redis; do
    start "$s"
    rss0=$(rss_kb "${PID_OF[$s]}")
    log "keys: loading $KEYS keys into $s"
    local t0; t0=$(now_us)
    load_small "${PORT_OF[$s]}" key: "$KEYS" 32
    LOAD_S[$s]=$(awk -v a="$(now_us)" -v b="$t0" 'BEGIN { printf "%.2f", (a - b) / 1e6 }')
    sleep 2
    RSS0[$s]=$rss0 RSS1[$s]=$(rss_kb "${PID_OF[$s]}")
    kill -STOP "${PID_OF[$s]}"
  done
  for r in $(seq 1 "$ROUNDS"); do
    order="ember redis"; [ $((r % 2)) = 0 ] && order="redis ember"
    log "keys: round $r/$ROUNDS"
    for t in get set; do
      for s in $order; do
        bench "$s" "$WORK/keys.out" -c 50 -n "$REQUESTS" -r "$KEYS" -d 32 -t "$t"
        echo "$s $t $(figures "$WORK/keys.out")" >>"$WORK/rows.keys"
        keep_curve "$WORK/keys.out" "$r" "$s" "keys:$t"
      done
    done
  done
  latency_table keys
  say ""
  say "| memory | ember | redis | ember/redis |"
  say "| :-- | --: | --: | --: |"
  local eb rb
  eb=$(awk -v a="${RSS1[ember]}" -v b="${RSS0[ember]}" -v n="$KEYS" 'BEGIN { printf "%.1f", (a - b) * 1024 / n }')
  rb=$(awk -v a="${RSS1[redis]}" -v b="${RSS0[redis]}" -v n="$KEYS" 'BEGIN { printf "%.1f", (a - b) * 1024 / n }')
  say "| RSS after load (MiB) | $((RSS1[ember] / 1024)) | $((RSS1[redis] / 1024)) | $(ratio "${RSS1[ember]}" "${RSS1[redis]}") |"
  say "| RSS growth per key (bytes) | $eb | $rb | $(ratio "$eb" "$rb") |"
  say "| load time through redis-cli --pipe (s) | ${LOAD_S[ember]} | ${LOAD_S[redis]} | $(ratio "${LOAD_S[ember]}" "${LOAD_S[redis]}") |"
  stop_server "${PID_OF[ember]}"; stop_server "${PID_OF[redis]}"
}

# ------------------------------------------------------------------ churn
# One server at a time (the other is not started): small keys to GET, big
# values to overwrite, then a reader and a writer at once.
churn_one() { # server round
  local s=$1 r=$2 pid writer sampler rss0 peak rss1 w
  start "$s"; pid=${PID_OF[$s]}
  load_small "${PORT_OF[$s]}" small: "$SMALL_KEYS" 32
  # The big values: redis-benchmark's random keys key:%012d below BIG_KEYS,
  # three passes (about 95% of them written at least once).
  timeout -k 5 900 redis-benchmark -h 127.0.0.1 -p "${PORT_OF[$s]}" -c 4 -n $((BIG_KEYS * 3)) \
    -r "$BIG_KEYS" -d "$BIG_SIZE" -t set -q >/dev/null 2>&1 ||
    { echo "bench-scale: filling $s with big values failed" >&2; exit 1; }
  sleep 2
  rss0=$(rss_kb "$pid")
  # The sampler and the writer end by themselves (the sampler when
  # $WORK/churn.done appears, the writer after its count or its timeout),
  # and are killed after the reader in any case.
  rm -f "$WORK/churn.done"
  ( while [ ! -e "$WORK/churn.done" ] && kill -0 "$pid" 2>/dev/null; do rss_kb "$pid"; sleep 0.25; done ) >"$WORK/churn.rss" &
  sampler=$!
  timeout -k 5 600 redis-benchmark -h 127.0.0.1 -p "${PORT_OF[$s]}" -c 2 -n $((BIG_KEYS * 20)) \
    -r "$BIG_KEYS" -d "$BIG_SIZE" -t set >"$WORK/writer.out" 2>&1 &
  writer=$!
  timeout -k 5 600 redis-benchmark -h 127.0.0.1 -p "${PORT_OF[$s]}" -c 50 -n "$REQUESTS" \
    -r "$SMALL_KEYS" GET small:__rand_int__ >"$WORK/reader.out" 2>"$WORK/reader.err" ||
    { echo "bench-scale: churn reader on $s failed:" >&2; head -c 400 "$WORK/reader.err" >&2; exit 1; }
  # The writer's rate: stop it now; if it had not finished, its last
  # progress line says its overall rate so far, else its summary does.
  kill -INT "$writer" 2>/dev/null || true
  wait "$writer" 2>/dev/null || true
  touch "$WORK/churn.done"; wait "$sampler" 2>/dev/null || true
  rss1=$(rss_kb "$pid")
  peak=$(sort -n "$WORK/churn.rss" | tail -n 1)
  read -r w _ < <(rb_summary "$WORK/writer.out") ||
    w=$(tr '\r' '\n' <"$WORK/writer.out" | awk '/overall:/ { v = $0 }
      END { if (match(v, /\(overall: [0-9.]+\)/)) print substr(v, RSTART + 10, RLENGTH - 11) + 0; else print 0 }')
  keep_curve "$WORK/reader.out" "$r" "$s" churn:get
  echo "$s get $(figures "$WORK/reader.out") $w $((rss0 / 1024)) $((${peak:-0} / 1024)) $((rss1 / 1024))" >>"$WORK/rows.churn"
  stop_server "$pid"
}

workload_churn() {
  local r s
  say ""
  say "## GET of small keys while another client overwrites $BIG_KEYS values of $BIG_SIZE bytes"
  say ""
  say "Reader: -c 50 -P 1 GET over $SMALL_KEYS small keys, -n $REQUESTS; writer: -c 2 SET -d $BIG_SIZE -r $BIG_KEYS, stopped when the reader ends. One server at a time, fresh per round; $ROUNDS rounds. Load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  : >"$WORK/rows.churn"
  for r in $(seq 1 "$ROUNDS"); do
    log "churn: round $r/$ROUNDS"
    if [ $((r % 2)) = 1 ]; then churn_one ember "$r"; churn_one redis "$r"
    else churn_one redis "$r"; churn_one ember "$r"; fi
  done
  latency_table churn
  say ""
  say "| under churn | ember | redis | ember/redis |"
  say "| :-- | --: | --: | --: |"
  local col name e d
  for col in "8 writer SETs/s" "9 RSS before churn (MiB)" "10 RSS peak during churn (MiB)" "11 RSS after churn (MiB)"; do
    read -r c name <<<"$col"
    # A writer stopped before its first progress line (a run shorter than
    # a quarter second) has no rate: 0, left out of the median.
    e=$(awk -v c="$c" '$1 == "ember" && $c > 0 { print $c }' "$WORK/rows.churn" | median)
    d=$(awk -v c="$c" '$1 == "redis" && $c > 0 { print $c }' "$WORK/rows.churn" | median)
    say "| $name | $(whole "$e") | $(whole "$d") | $(ratio "$e" "$d") |"
  done
  local eg
  eg=$(awk '$1 == "ember" { print $10 / ($9 > 0 ? $9 : 1) }' "$WORK/rows.churn" | median)
  say ""
  say "Ember's peak RSS under churn over its RSS before: $(printf '%.2f' "${eg:-0}")x (the goal: at most 1.5x)."
}

# ------------------------------------------------------------------ compare.sh
EMBER_CMD="$EMBER --port \$PORT --bind 127.0.0.1 --save \"\" --dir \$DATA_DIR"
REDIS_CMD='redis-server --port $PORT --bind 127.0.0.1 --save "" --appendonly no --dir $DATA_DIR'
compare() { # name title compare.sh-args...
  local name=$1 title=$2; shift 2
  log "$name: compare.sh $*"
  say ""
  say "## $title"
  say ""
  say "    compare.sh --rounds $ROUNDS --mem-keys 0 $*"
  "$COMPARE" --markdown --rounds "$ROUNDS" --mem-keys 0 --out "$OUT/$name" "$@" \
    --name-a ember --a "$EMBER_CMD" --name-b redis --b "$REDIS_CMD" >"$WORK/compare.md" ||
    { echo "bench-scale: compare.sh failed" >&2; exit 1; }
  grep 'load avg' "$WORK/compare.md" | tee -a "$SUMMARY"
  say ""
  grep '^|' "$WORK/compare.md" | tee -a "$SUMMARY"
}

workload_conns() {
  local c
  for c in 1 10 50 200 1000; do
    # At least 100 requests per connection, so that every connection is
    # open for most of the run.
    local n=$(( c * 100 > 20000 ? c * 100 : 20000 ))
    compare "conns-$c" "GET and SET, -c $c (connections)" \
      --tests get,set --pipelines 1 --clients "$c" --requests "$n"
  done
}

workload_pipeline() {
  compare pipeline "GET and SET at -P 64 and -P 256" --tests get,set --pipelines 64,256 --requests 20000
}

workload_values() {
  # A key space of 10,000: at most 1.3 GB of 128 KB values per server.
  compare values-16k "GET and SET of 16 KB values" --tests get,set --pipelines 1,16 --datasize 16384 \
    --keyspace 10000 --requests 20000
  compare values-128k "GET and SET of 128 KB values" --tests get,set --pipelines 1,16 --datasize 131072 \
    --keyspace 10000 --requests 5000
}

: >"$SUMMARY"
printf 'round\tserver\ttest\tpipeline\tpercentile\tlatency_ms\tcumulative_count\n' >"$OUT/latency.tsv"
say "# bench-scale.sh ($(date -u +'%Y-%m-%d %H:%M UTC'))"
say ""
say "host: $(nproc) CPUs, $(awk '$1 == "MemTotal:" { printf "%.0f", $2 / 1048576 }' /proc/meminfo) GiB, $(redis-benchmark --version | head -n 1); Ember $(git rev-parse --short HEAD 2>/dev/null || echo '?'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
T0=$SECONDS
for w in keys churn conns pipeline values; do
  wants "$w" && "workload_$w"
done
say ""
say "Took $((SECONDS - T0)) s; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "summary: $SUMMARY" >&2
