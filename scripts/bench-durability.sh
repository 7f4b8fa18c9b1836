#!/usr/bin/env bash
# bench-durability.sh - issue 8's figures, Ember against redis-server
# 7.0.15 side by side on loopback: KEYS small keys ("key:%012d", 32-byte
# values, loaded through redis-cli --pipe), then for each server
#
#   save      SAVE's wall time, and the dump's size;
#   bgsave    BGSAVE's wall time (until rdb_bgsave_in_progress:0) while
#             redis-benchmark SETs random keys from two clients, the
#             thousands of commands per second served meanwhile, and that
#             run's longest request;
#   load      a fresh server started on the dump: the time its log gives
#             ("DB loaded from disk: N seconds") and its CPU then;
#   rewrite   BGREWRITEAOF's wall time, the base in RDB format (Redis's
#             default aof-use-rdb-preamble yes), once appendonly is on;
#   replay    a fresh server started on an AOF of the KEYS SETs (written
#             with aof-use-rdb-preamble no and appendfsync no): the time
#             its log gives ("DB loaded from append only file: N seconds")
#             and its CPU then.
#
# One server at a time; the order alternates per round; medians and
# ranges over the rounds.
#
#   scripts/bench-durability.sh [--keys N] [--rounds N] [--ember BIN]
#
# The defaults (1M keys, 3 rounds) take about 4 minutes and 1 GB of
# memory and disk. Every server started is stopped on exit.
set -euo pipefail
trap 'echo "bench-durability: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
KEYS=1000000 ROUNDS=3 EMBER=./bin/ember-server KEEP=
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) KEYS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --ember) EMBER=$2; shift 2 ;;
    --help|-h) sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "bench-durability: unknown option $1" >&2; exit 2 ;;
  esac
done
for n in KEYS ROUNDS; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || { echo "bench-durability: ${n,,} must be a positive integer" >&2; exit 2; }
done
for t in redis-server redis-cli redis-benchmark awk timeout setsid; do
  command -v "$t" >/dev/null || { echo "bench-durability: $t not found (scripts/install-deps.sh)" >&2; exit 2; }
done
[ -x "$EMBER" ] || { echo "bench-durability: $EMBER not built (make build)" >&2; exit 2; }
EMBER=$(cd "$(dirname "$EMBER")" && pwd)/$(basename "$EMBER")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-durability.XXXXXX")
SERVER_ARGS=()
# shellcheck source=bench-servers.sh
. scripts/bench-servers.sh

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
cli() { timeout -k 5 600 redis-cli -h 127.0.0.1 -p "${PORT_OF[$S]}" "$@"; }
# info_field NAME [SECTION]: a field of INFO persistence (or SECTION)
info_field() { cli INFO "${2:-persistence}" | tr -d '\r' | awk -F: -v f="$1" '$1 == f { print $2 }'; }
# until_done FIELD: wait (at most 10 minutes) for INFO's FIELD to read 0
until_done() {
  local t0=$SECONDS
  until [ "$(info_field "$1")" = 0 ]; do
    [ $((SECONDS - t0)) -lt 600 ] || { echo "bench-durability: $S: $1 stuck" >&2; exit 1; }
    sleep 0.01
  done
}
secs_since() { awk -v a="$1" -v b="$(now_us)" 'BEGIN { printf "%.3f", (b - a) / 1e6 }'; }
cpu_secs() { awk -v t="$(cpu_ticks "${PID_OF[$S]}")" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'; }
# logged_secs PATTERN: the seconds in the server log's line PATTERN
logged_secs() { grep -o "$1: [0-9.]* seconds" "$WORK/$S.log" | tail -n 1 | awk '{ print $(NF-1) }'; }
record() { echo "$S $1 $2" >>"$WORK/rows"; }

round() {
  local t0 dir=$WORK/$S.data
  log "round $R: $S"
  start "$S"
  load_small "${PORT_OF[$S]}" key: "$KEYS" 32

  t0=$(now_us); cli SAVE >/dev/null
  record save_s "$(secs_since "$t0")"
  record dump_bytes "$(stat -c %s "$dir/dump.rdb")"

  timeout -k 5 600 redis-benchmark -h 127.0.0.1 -p "${PORT_OF[$S]}" -t set -c 2 -r "$KEYS" -d 32 \
    -n $((KEYS / 5)) >"$WORK/bgsave.$S.out" 2>&1 &
  local bench=$!
  sleep 0.5
  local cmds0 secs
  cmds0=$(info_field total_commands_processed stats)
  t0=$(now_us); cli BGSAVE >/dev/null; until_done rdb_bgsave_in_progress
  secs=$(secs_since "$t0")
  record bgsave_s "$secs"
  # What the clients got done meanwhile: the commands the server ran
  # during the save (the polling's few INFOs included), per second.
  record bgsave_kops "$(awk -v a="$cmds0" -v b="$(info_field total_commands_processed stats)" -v s="$secs" \
    'BEGIN { printf "%.1f", (b - a) / s / 1000 }')"
  wait "$bench"
  record bgsave_max_ms "$(rb_summary "$WORK/bgsave.$S.out" | awk '{ print $7 }')"

  cli CONFIG SET appendonly yes >/dev/null
  until_done aof_rewrite_in_progress; until_done aof_rewrite_scheduled
  t0=$(now_us); cli BGREWRITEAOF >/dev/null; until_done aof_rewrite_in_progress
  record rewrite_s "$(secs_since "$t0")"
  cli CONFIG SET appendonly no >/dev/null
  stop_server "${PID_OF[$S]}"

  # The dump alone: the start-up load.
  rm -rf "$dir/appendonlydir"
  start "$S" "$dir"
  record load_s "$(logged_secs 'DB loaded from disk')"
  record load_cpu_s "$(cpu_secs)"
  stop_server "${PID_OF[$S]}"

  # An AOF of SETs (no preamble) on an empty server, then its replay.
  SERVER_ARGS=(--appendonly yes --appendfsync no --aof-use-rdb-preamble no)
  start "$S"
  load_small "${PORT_OF[$S]}" key: "$KEYS" 32
  stop_server "${PID_OF[$S]}"
  start "$S" "$dir"
  record replay_s "$(logged_secs 'DB loaded from append only file')"
  record replay_cpu_s "$(cpu_secs)"
  stop_server "${PID_OF[$S]}"
  SERVER_ARGS=()
  rm -rf "$dir"
}

echo "# bench-durability.sh ($(date -u +'%Y-%m-%d %H:%M UTC'))"
echo
echo "host: $(nproc) CPUs, $(redis-server --version | cut -d' ' -f1-3); Ember $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $KEYS keys, $ROUNDS rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$WORK/rows"
for R in $(seq 1 "$ROUNDS"); do
  if [ $((R % 2)) = 1 ]; then order="ember redis"; else order="redis ember"; fi
  for S in $order; do round; done
done
echo
echo "| $KEYS keys | ember (median, range) | redis (median, range) | ember/redis |"
echo "| :-- | --: | --: | --: |"
for m in save_s dump_bytes bgsave_s bgsave_kops bgsave_max_ms load_s load_cpu_s rewrite_s replay_s replay_cpu_s; do
  declare -A MED=() RANGE=()
  for s in ember redis; do
    vals=$(awk -v s="$s" -v m="$m" '$1 == s && $2 == m { print $3 }' "$WORK/rows")
    MED[$s]=$(echo "$vals" | median)
    RANGE[$s]=$(echo "$vals" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }')
  done
  echo "| $m | ${MED[ember]} (${RANGE[ember]}) | ${MED[redis]} (${RANGE[redis]}) | $(ratio "${MED[ember]}" "${MED[redis]}") |"
  unset MED RANGE
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
