#!/usr/bin/env bash
# bench-scripting.sh - EVALSHA and FCALL of a small script (INCR a key, set
# its TTL) against Ember and redis-server side by side, with
# redis-benchmark's custom commands on loopback: -c 50, -P 1 and -P 16,
# each row on both servers back to back (the idle one paused with
# SIGSTOP), the first of the two alternating by round. Prints ops/s per
# round, the ratio Ember/Redis of the medians and the median of the
# rounds' ratios, and the servers' CPU per script; plain INCR is the
# baseline of what any request costs.
#
#   scripts/bench-scripting.sh [--rounds N] [--requests N] [--ember BIN]
#
# --requests is the count at -P 1 (about 3 s a run here); -P 16 runs five
# times as many, so that no run is over before its 50 connections settle
# (at 100,000 a -P 16 run took a third of a second, and its rounds swung
# from 0.6x to 1.5x; at 1,000,000, from 0.7x to 1.2x).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=5 REQUESTS=200000 EMBER=./bin/ember-server KEEP=
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --requests) REQUESTS=$2; shift 2 ;;
    --ember) EMBER=$2; shift 2 ;;
    --help|-h) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
WORK=$(mktemp -d /tmp/bench-scripting.XXXXXX)
SERVER_ARGS=()
# shellcheck source=bench-servers.sh
. scripts/bench-servers.sh

SCRIPT="local n = redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], ARGV[1]) return n"
LIBRARY="#!lua name=benchlib
redis.register_function('incr_expire', function(keys, args) local n = redis.call('INCR', keys[1]) redis.call('EXPIRE', keys[1], args[1]) return n end)"

start ember; start redis
declare -A SHA
for s in ember redis; do
  SHA[$s]=$(redis-cli -p "${PORT_OF[$s]}" SCRIPT LOAD "$SCRIPT")
  redis-cli -p "${PORT_OF[$s]}" FUNCTION LOAD REPLACE "$LIBRARY" >/dev/null
done

requests() { if [ "$1" = 1 ]; then echo "$REQUESTS"; else echo $((REQUESTS * 5)); fi; }
rate() { # server pipeline command... -> ops/s
  local s=$1 p=$2; shift 2
  redis-benchmark -p "${PORT_OF[$s]}" -n "$(requests "$p")" -c 50 -P "$p" -q "$@" 2>/dev/null |
    tr '\r' '\n' | awk '/requests per second/ { for (i = 1; i <= NF; i++) if ($(i+1) == "requests") v = $i } END { print v }'
}

declare -A RES
# run ROW P SERVER COMMAND...: one measured run, the other server paused,
# with the server's CPU ticks over it.
run() {
  local row=$1 p=$2 s=$3 other=ember t0; shift 3
  [ "$s" = ember ] && other=redis
  kill -STOP "${PID_OF[$other]}"
  t0=$(cpu_ticks "${PID_OF[$s]}")
  RES[$s,$row,$p,$r]=$(rate "$s" "$p" "$@")
  RES[$s,$row,cpu,$p,$r]=$(( $(cpu_ticks "${PID_OF[$s]}") - t0 ))
  kill -CONT "${PID_OF[$other]}"
}
# A short run of each command first, not counted: a fresh server's first
# run (its goroutines' stacks, the script pool, the first collections)
# came out a third below the next ones.
for s in ember redis; do
  for c in "EVALSHA ${SHA[$s]} 1 counter 100" "FCALL incr_expire 1 counter 100" "INCR counter"; do
    # shellcheck disable=SC2086 # the command's words
    redis-benchmark -p "${PORT_OF[$s]}" -n 20000 -c 50 -P 16 -q $c >/dev/null 2>&1
  done
done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Each row runs on both servers back to back, the first of the pair
# alternating from round to round: when each server ran its whole block in
# turn, the first row after a server's pause swung with the order (0.7x in
# one order, 1.0x in the other).
for r in $(seq 1 "$ROUNDS"); do
  order="ember redis"; [ $((r % 2)) = 0 ] && order="redis ember"
  for p in 1 16; do
    for s in $order; do run evalsha "$p" "$s" EVALSHA "${SHA[$s]}" 1 counter 100; done
    for s in $order; do run fcall "$p" "$s" FCALL incr_expire 1 counter 100; done
    # The baseline: one plain command, what any request costs.
    for s in $order; do run incr "$p" "$s" INCR counter; done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ratio: of the two medians; paired: the median of the rounds' ratios,
# each of two runs made one after the other.
printf '%-8s %-4s %12s %12s %7s %7s   per round (ember/redis)\n' command -P ember redis ratio paired
for cmd in evalsha fcall incr; do
  for p in 1 16; do
    e=$(for r in $(seq 1 "$ROUNDS"); do echo "${RES[ember,$cmd,$p,$r]}"; done | median)
    d=$(for r in $(seq 1 "$ROUNDS"); do echo "${RES[redis,$cmd,$p,$r]}"; done | median)
    per=$(for r in $(seq 1 "$ROUNDS"); do awk -v a="${RES[ember,$cmd,$p,$r]}" -v b="${RES[redis,$cmd,$p,$r]}" 'BEGIN { printf "%.2f ", a / b }'; done)
    paired=$(for x in $per; do echo "$x"; done | median)
    printf '%-8s %-4s %12.0f %12.0f %7.2f %7.2f   %s\n' "$cmd" "$p" "$e" "$d" "$(awk -v a="$e" -v b="$d" 'BEGIN { print a / b }')" "$paired" "$per"
  done
done
hz=$(getconf CLK_TCK)
for p in 1 16; do
  for s in ember redis; do
    t=$(for r in $(seq 1 "$ROUNDS"); do echo $(( ${RES[$s,evalsha,cpu,$p,$r]} + ${RES[$s,fcall,cpu,$p,$r]} )); done | median)
    printf 'CPU -P %-2s %-6s %6.2f us per script\n' "$p" "$s" "$(awk -v t="$t" -v hz="$hz" -v n="$(requests "$p")" 'BEGIN { print t / hz * 1e6 / (2 * n) }')"
  done
done
