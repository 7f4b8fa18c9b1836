#!/usr/bin/env bash
#
# bench-messaging.sh - Ember against redis-server on Pub/Sub fan-out,
# idle subscribers, bitmaps and HyperLogLog.
#
# Usage: scripts/bench-messaging.sh [--rounds N] [--deliveries N] [--only pubsub|idle|ops]
#                                   [--ember BIN] [--keep DIR]
#
# Pub/Sub (one pair of servers, the idle one paused with SIGSTOP, the order
# alternating per round): msgload deliver subscribes 1, 100 and 1000
# connections to one channel and publishes 32-byte messages from one more
# connection, 32 PUBLISHes in flight; about --deliveries deliveries per run
# (1M messages to 1 subscriber). Counted is what the subscribers receive;
# the publisher waits when they are more than 256 messages behind, so no
# output buffer grows without bound. CPU is the server's utime+stime
# (/proc/PID/stat) over the run, divided by the deliveries.
#
# Idle subscribers (fresh servers per round): msgload idle opens 10,000
# connections, each SUBSCRIBEd to a channel of its own, and reports the
# growth of the server's VmRSS, measured 2 s after the last subscription.
# Both servers run with --maxclients 20000; the script raises `ulimit -n`
# to its hard limit.
#
# Bitmaps and HyperLogLog (one pair of servers, paused when idle, order
# alternating): redis-benchmark -c 50 -P 16 custom commands on a 1 MB
# bitmap (SETBIT and GETBIT at a fixed offset, BITCOUNT of the whole
# bitmap), PFADD of random elements to one key, PFCOUNT of one key and of
# 3 keys (each holding 200k random elements, dense). redis-benchmark's
# __rand_int__ is zero-padded to 12 digits, which both servers refuse as a
# bit offset, so SETBIT and GETBIT at random offsets run through msgload
# ops (same -c 50 -P 16).
#
# Every table shows medians over the rounds; "range" is the min-max of the
# per-round ratios ember/redis. All traffic goes to 127.0.0.1; every run is
# bounded by `timeout` and by msgload's own -timeout.

set -u -o pipefail

ROUNDS=3
DELIVERIES=6000000
ONLY=""
EMBER=./bin/ember-server
KEEP=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift ;;
    --deliveries) DELIVERIES=$2; shift ;;
    --only) ONLY=$2; shift ;;
    --ember) EMBER=$2; shift ;;
    --keep) KEEP=$2; shift ;;
    -h|--help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

for t in go redis-server redis-cli redis-benchmark awk timeout setsid; do
  command -v "$t" >/dev/null || { echo "bench-messaging: $t not found" >&2; exit 2; }
done
[ -x "$EMBER" ] || { echo "bench-messaging: $EMBER not built (make build)" >&2; exit 2; }

if [ -n "$KEEP" ]; then mkdir -p "$KEEP"; WORK=$(cd "$KEEP" && pwd)
else WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-messaging.XXXXXX"); fi
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
ulimit -n "$(ulimit -Hn)" 2>/dev/null
LOAD=$WORK/msgload
go build -o "$LOAD" ./scripts/msgload || exit 2

SERVER_ARGS=(--maxclients 20000)
# shellcheck source=bench-servers.sh
source "$(dirname "$0")/bench-servers.sh"

log() { echo "bench-messaging: $*" >&2; }
order_of() { if [ $(($1 % 2)) = 1 ]; then echo "ember redis"; else echo "redis ember"; fi; }

# Results: label, round, server, rate (per second), server CPU µs per unit.
RES=$WORK/results.tsv; : >"$RES"

# ---------------------------------------------------------------- pub/sub

run_pubsub() {
  local name r n msgs out
  for name in ember redis; do start "$name"; done
  kill -STOP "${PID_OF[ember]}" "${PID_OF[redis]}"
  for r in $(seq 1 "$ROUNDS"); do
    log "pub/sub round $r/$ROUNDS"
    for n in 1 100 1000; do
      msgs=$((DELIVERIES / n)); [ "$n" = 1 ] && msgs=$((DELIVERIES / 6))
      for name in $(order_of "$r"); do
        kill -CONT "${PID_OF[$name]}"
        out=$(timeout -k 5 300 "$LOAD" deliver -addr "127.0.0.1:${PORT_OF[$name]}" -pid "${PID_OF[$name]}" \
              -hz "$CLK_TCK" -subs "$n" -messages "$msgs" -timeout 240s) || { log "deliver failed on $name"; exit 2; }
        kill -STOP "${PID_OF[$name]}"
        log "  $name $n subscribers: $out"
        echo "$out" | awk -v l="PUBLISH to $n subscriber$([ "$n" = 1 ] || echo s)" -v r="$r" -v s="$name" \
          'BEGIN { OFS = "\t" } { print l, r, s, $5, $7 }' >>"$RES"
      done
    done
  done
  for name in ember redis; do stop_server "${PID_OF[$name]}"; done
}

# ---------------------------------------------------------------- idle

IDLERES=$WORK/idle.tsv; : >"$IDLERES"
run_idle() {
  local name r out
  for r in $(seq 1 "$ROUNDS"); do
    for name in $(order_of "$r"); do
      start "$name"
      sleep 0.5
      out=$(timeout -k 5 300 "$LOAD" idle -addr "127.0.0.1:${PORT_OF[$name]}" -pid "${PID_OF[$name]}" \
            -subs 10000 -timeout 240s) || { log "idle failed on $name"; exit 2; }
      log "idle round $r $name: $out"
      printf '%s\t%s\t%s\n' "$r" "$name" "$out" >>"$IDLERES"
      stop_server "${PID_OF[$name]}"
    done
  done
}

# ---------------------------------------------------------------- bitmaps, HLL

# rb NAME LABEL N ARGS... : one redis-benchmark run of a custom command.
rb() {
  local name=$1 label=$2 n=$3 pid=${PID_OF[$1]} port=${PORT_OF[$1]} c0 c1 out
  shift 3
  kill -CONT "$pid"
  c0=$(cpu_ticks "$pid")
  out=$(timeout -k 5 300 redis-benchmark -h 127.0.0.1 -p "$port" -c 50 -P 16 -n "$n" -r 100000000 --csv "$@" 2>/dev/null)
  c1=$(cpu_ticks "$pid")
  kill -STOP "$pid"
  echo "$out" | tail -n 1 | tr -d '"' | awk -F, -v l="$label" -v s="$name" -v r="$ROUND" -v d=$((c1 - c0)) \
    -v hz="$CLK_TCK" -v q="$n" 'BEGIN { OFS = "\t" } { print l, r, s, $2, d / hz * 1e6 / q }' >>"$RES"
}

# mo NAME LABEL N ARGS... : the same through msgload ops.
mo() {
  local name=$1 label=$2 n=$3 out
  shift 3
  kill -CONT "${PID_OF[$name]}"
  out=$(timeout -k 5 300 "$LOAD" ops -addr "127.0.0.1:${PORT_OF[$name]}" -pid "${PID_OF[$name]}" -hz "$CLK_TCK" \
        -c 50 -P 16 -n "$n" -r 8388608 -timeout 240s "$@") || { log "ops failed on $name"; exit 2; }
  kill -STOP "${PID_OF[$name]}"
  echo "$out" | awk -v l="$label" -v r="$ROUND" -v s="$name" 'BEGIN { OFS = "\t" } { print l, r, s, $3, $5 }' >>"$RES"
}

run_ops() {
  local name k
  for name in ember redis; do
    start "$name"
    # A 1 MB bitmap, and three dense HyperLogLogs of 200k random elements.
    redis-cli -h 127.0.0.1 -p "${PORT_OF[$name]}" SETBIT bm 8388607 1 >/dev/null
    for k in hll1 hll2 hll3; do
      timeout -k 5 120 redis-benchmark -h 127.0.0.1 -p "${PORT_OF[$name]}" -c 1 -P 100 -n 200000 -r 100000000 \
        PFADD "$k" __rand_int__ >/dev/null 2>&1
    done
  done
  kill -STOP "${PID_OF[ember]}" "${PID_OF[redis]}"
  for ROUND in $(seq 1 "$ROUNDS"); do
    log "bitmap/HLL round $ROUND/$ROUNDS"
    for name in $(order_of "$ROUND"); do rb "$name" "SETBIT, fixed offset" 1000000 SETBIT bm 4194304 1; done
    for name in $(order_of "$ROUND"); do mo "$name" "SETBIT, random offsets" 1000000 SETBIT bm __rand__ 1; done
    for name in $(order_of "$ROUND"); do rb "$name" "GETBIT, fixed offset" 1000000 GETBIT bm 4194304; done
    for name in $(order_of "$ROUND"); do mo "$name" "GETBIT, random offsets" 1000000 GETBIT bm __rand__; done
    for name in $(order_of "$ROUND"); do rb "$name" "BITCOUNT of 1 MB" 20000 BITCOUNT bm; done
    for name in $(order_of "$ROUND"); do rb "$name" "PFADD, random elements" 1000000 PFADD hll __rand_int__; done
    for name in $(order_of "$ROUND"); do rb "$name" "PFCOUNT, 1 key" 1000000 PFCOUNT hll1; done
    for name in $(order_of "$ROUND"); do rb "$name" "PFCOUNT, 3 keys" 50000 PFCOUNT hll1 hll2 hll3; done
  done
  for name in ember redis; do stop_server "${PID_OF[$name]}"; done
}

# ---------------------------------------------------------------- tables

median='function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j > 0 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
  return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }'

print_rates() { # unit
  echo "| workload | ember $1/s | redis $1/s | ember/redis | range | ember cpu µs/$1 | redis cpu µs/$1 | cpu ember/redis |"
  echo "| :-- | --: | --: | --: | --: | --: | --: | --: |"
  awk -F'\t' -v pat="$2" "$median"'
    $1 ~ pat { k = $1 SUBSEP $3; n[k]++; O[k, n[k]] = $4; C[k, n[k]] = $5
      Q[$1, $2, $3] = $4; if ($2 > R[$1]) R[$1] = $2; if (!($1 in seen)) { seen[$1] = 1; order[++nw] = $1 } }
    END { for (w = 1; w <= nw; w++) { x = order[w]
      for (s = 1; s <= 2; s++) { nm = s == 1 ? "ember" : "redis"; k = x SUBSEP nm
        for (i = 1; i <= n[k]; i++) { a[i] = O[k, i]; d[i] = C[k, i] }
        mo[s] = med(a, n[k]); mc[s] = med(d, n[k]) }
      lo = 1e9; hi = 0; nr = 0
      for (r = 1; r <= R[x]; r++) { q = Q[x, r, "ember"] / Q[x, r, "redis"]; if (q < lo) lo = q; if (q > hi) hi = q; rr[++nr] = q }
      printf "| %s | %.0f | %.0f | %.2f | %.2f-%.2f | %.3f | %.3f | %.2f |\n",
        x, mo[1], mo[2], med(rr, nr), lo, hi, mc[1], mc[2], mc[2] ? mc[1] / mc[2] : 0 } }' "$RES"
}

print_idle() {
  echo "| metric | ember | redis | ember/redis | range |"
  echo "| :-- | --: | --: | --: | --: |"
  awk -F'\t' "$median"'
    { s = $2; n[s]++; B[s, n[s]] = $4 / 1024; A[s, n[s]] = $5 / 1024; P[s, n[s]] = $6; G[$1, s] = $6; if ($1 > R) R = $1 }
    END { for (s = 1; s <= 2; s++) { nm = s == 1 ? "ember" : "redis"
        for (i = 1; i <= n[nm]; i++) { b[i] = B[nm, i]; a[i] = A[nm, i]; p[i] = P[nm, i] }
        mb[s] = med(b, n[nm]); ma[s] = med(a, n[nm]); mp[s] = med(p, n[nm]) }
      lo = 1e9; hi = 0
      for (r = 1; r <= R; r++) { q = G[r, "ember"] / G[r, "redis"]; if (q < lo) lo = q; if (q > hi) hi = q; rr[r] = q }
      printf "| RSS before (MiB) | %.1f | %.1f | %.2f | |\n", mb[1], mb[2], mb[1] / mb[2]
      printf "| RSS with 10,000 subscribers (MiB) | %.1f | %.1f | %.2f | |\n", ma[1], ma[2], ma[1] / ma[2]
      printf "| RSS per subscriber (bytes) | %.0f | %.0f | %.2f | %.2f-%.2f |\n", mp[1], mp[2], med(rr, R), lo, hi }' "$IDLERES"
}

log "load: $(uptime)"
[ -z "$ONLY" ] || [ "$ONLY" = pubsub ] && run_pubsub
[ -z "$ONLY" ] || [ "$ONLY" = idle ] && run_idle
[ -z "$ONLY" ] || [ "$ONLY" = ops ] && run_ops
log "load: $(uptime)"
if [ -z "$ONLY" ] || [ "$ONLY" = pubsub ]; then
  echo "### PUBLISH fan-out: 32-byte messages, 32 PUBLISHes in flight, $ROUNDS rounds, medians"
  echo
  print_rates delivery '^PUBLISH'
  echo
fi
if [ -z "$ONLY" ] || [ "$ONLY" = idle ]; then
  echo "### 10,000 idle subscribers, each on a channel of its own, $ROUNDS rounds, medians"
  echo
  print_idle
  echo
fi
if [ -z "$ONLY" ] || [ "$ONLY" = ops ]; then
  echo "### Bitmaps and HyperLogLog: -c 50 -P 16, $ROUNDS rounds, medians"
  echo
  print_rates op '^(SETBIT|GETBIT|BITCOUNT|PF)'
fi
