#!/usr/bin/env bash
# bench-scripting.sh - EVALSHA and FCALL of a small script (INCR a key, set
# its TTL) against Ember and redis-server side by side, with
# redis-benchmark's custom commands on loopback: -c 50, -P 1 and -P 16,
# rounds alternating which server goes first (the idle one paused with
# SIGSTOP). Prints ops/s per round and the median ratio Ember/Redis, and
# the servers' CPU per script; plain INCR is the baseline of what any
# request costs.
#
#   scripts/bench-scripting.sh [--rounds N] [--requests N] [--ember BIN]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=3 REQUESTS=100000 EMBER=./bin/ember-server KEEP=
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

rate() { # server pipeline command... -> ops/s
  local s=$1 p=$2; shift 2
  redis-benchmark -p "${PORT_OF[$s]}" -n "$REQUESTS" -c 50 -P "$p" -q "$@" 2>/dev/null |
    tr '\r' '\n' | awk '/requests per second/ { for (i = 1; i <= NF; i++) if ($(i+1) == "requests") v = $i } END { print v }'
}

declare -A RES
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  order="ember redis"; [ $((r % 2)) = 0 ] && order="redis ember"
  for s in $order; do
    other=ember; [ "$s" = ember ] && other=redis
    kill -STOP "${PID_OF[$other]}"
    for p in 1 16; do
      t0=$(cpu_ticks "${PID_OF[$s]}")
      RES[$s,evalsha,$p,$r]=$(rate "$s" "$p" EVALSHA "${SHA[$s]}" 1 counter 100)
      RES[$s,fcall,$p,$r]=$(rate "$s" "$p" FCALL incr_expire 1 counter 100)
      RES[$s,cpu,$p,$r]=$(( $(cpu_ticks "${PID_OF[$s]}") - t0 ))
      # The baseline: one plain command, what any request costs.
      RES[$s,incr,$p,$r]=$(rate "$s" "$p" INCR counter)
    done
    kill -CONT "${PID_OF[$other]}"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

printf '%-8s %-4s %12s %12s %7s   per round (ember/redis)\n' command -P ember redis ratio
for cmd in evalsha fcall incr; do
  for p in 1 16; do
    e=$(for r in $(seq 1 "$ROUNDS"); do echo "${RES[ember,$cmd,$p,$r]}"; done | median)
    d=$(for r in $(seq 1 "$ROUNDS"); do echo "${RES[redis,$cmd,$p,$r]}"; done | median)
    per=$(for r in $(seq 1 "$ROUNDS"); do awk -v a="${RES[ember,$cmd,$p,$r]}" -v b="${RES[redis,$cmd,$p,$r]}" 'BEGIN { printf "%.2f ", a / b }'; done)
    printf '%-8s %-4s %12.0f %12.0f %7.2f   %s\n' "$cmd" "$p" "$e" "$d" "$(awk -v a="$e" -v b="$d" 'BEGIN { print a / b }')" "$per"
  done
done
hz=$(getconf CLK_TCK)
for p in 1 16; do
  for s in ember redis; do
    t=$(for r in $(seq 1 "$ROUNDS"); do echo "${RES[$s,cpu,$p,$r]}"; done | median)
    printf 'CPU -P %-2s %-6s %6.2f us per request\n' "$p" "$s" "$(awk -v t="$t" -v hz="$hz" -v n="$REQUESTS" 'BEGIN { print t / hz * 1e6 / (2 * n) }')"
  done
done
