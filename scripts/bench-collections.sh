#!/usr/bin/env bash
#
# bench-collections.sh - Ember against redis-server on the collection
# workloads that ../shared/bench/compare.sh does not cover.
#
# Usage: scripts/bench-collections.sh [--rounds N] [--elements N] [--requests N]
#                                     [--only mem|ops] [--ember BIN] [--keep DIR]
#
# Memory (fresh servers per workload and round, the order alternating):
#   hashes  100k hashes of 10 fields (HSET h:N f0 v0 ... f9 v9)
#   hash    one hash of N fields     (HSET hbig field:I value:I, 100 per command)
#   intset  one set of N integers    (SADD sbig I, 100 per command; a hashtable
#                                     past set-max-intset-entries, as in Redis)
#   zset    one sorted set of N members, one ZADD per command
#                                    (ZADD zbig SCORE member:I, scores shuffled)
#   list    one list of N short elements (RPUSH lbig elem:I, 100 per command)
#   Each file goes through `redis-cli --pipe`; reported are the load time and
#   the growth of VmRSS (/proc/PID/status) per element, after minus before.
#
# Reads (one pair of servers holding zbig and a 600-element list "mylist",
# the idle server paused with SIGSTOP, the order alternating per round):
#   ZRANGE zbig N/2 N/2+99 (by rank, in the middle), ZRANK, ZRANGEBYSCORE
#   with LIMIT, ZSCORE, LRANGE 0 99 / 0 299 / 0 599, through redis-benchmark
#   -c 50 with custom commands. Reported: ops/s, p50/p99 (ms), and the
#   server's CPU (utime+stime) per request.
#
# Every table shows medians over the rounds; "range" is the min-max of the
# per-round ratios ember/redis. All traffic goes to 127.0.0.1. Each load and
# each benchmark run is bounded by `timeout`.

set -u -o pipefail

ROUNDS=3
N=1000000
REQUESTS=100000
ONLY=""
EMBER=./bin/ember-server
KEEP=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift ;;
    --elements) N=$2; shift ;;
    --requests) REQUESTS=$2; shift ;;
    --only) ONLY=$2; shift ;;
    --ember) EMBER=$2; shift ;;
    --keep) KEEP=$2; shift ;;
    -h|--help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

for t in redis-server redis-cli redis-benchmark awk timeout setsid; do
  command -v "$t" >/dev/null || { echo "bench-collections: $t not found" >&2; exit 2; }
done
[ -x "$EMBER" ] || { echo "bench-collections: $EMBER not built (make build)" >&2; exit 2; }

if [ -n "$KEEP" ]; then mkdir -p "$KEEP"; WORK=$(cd "$KEEP" && pwd)
else WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-collections.XXXXXX"); fi
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
SERVER_ARGS=()
# shellcheck source=bench-servers.sh
source "$(dirname "$0")/bench-servers.sh"

log() { echo "bench-collections: $*" >&2; }

# ---------------------------------------------------------------- data

# gen WORKLOAD -> the command file (RESP-free: redis-cli --pipe takes inline
# commands too, but RESP keeps binary-safety questions out of it).
gen() {
  local f=$WORK/$1.cmds
  [ -s "$f" ] && { echo "$f"; return; }
  case "$1" in
    hashes) awk -v n=100000 'BEGIN { for (i = 0; i < n; i++) {
              printf "*22\r\n$4\r\nHSET\r\n$%d\r\nh:%d\r\n", length("h:" i), i
              for (j = 0; j < 10; j++) printf "$2\r\nf%d\r\n$%d\r\nv%d\r\n", j, length("v" i), i }
            }' >"$f" ;;
    hash)   awk -v n="$N" 'BEGIN { for (i = 0; i < n; i += 100) {
              m = (n - i < 100) ? n - i : 100
              printf "*%d\r\n$4\r\nHSET\r\n$4\r\nhbig\r\n", 2 + 2 * m
              for (j = i; j < i + m; j++)
                printf "$%d\r\nfield:%d\r\n$%d\r\nvalue:%d\r\n", length("field:" j), j, length("value:" j), j }
            }' >"$f" ;;
    intset) awk -v n="$N" 'BEGIN { for (i = 0; i < n; i += 100) {
              m = (n - i < 100) ? n - i : 100
              printf "*%d\r\n$4\r\nSADD\r\n$4\r\nsbig\r\n", 2 + m
              for (j = i; j < i + m; j++) printf "$%d\r\n%d\r\n", length(j ""), j }
            }' >"$f" ;;
    zset)   awk -v n="$N" 'BEGIN { srand(42); for (i = 0; i < n; i++) {
              s = int(rand() * n)
              printf "*4\r\n$4\r\nZADD\r\n$4\r\nzbig\r\n$%d\r\n%d\r\n$%d\r\nmember:%d\r\n",
                length(s ""), s, length("member:" i), i }
            }' >"$f" ;;
    list)   awk -v n="$N" 'BEGIN { for (i = 0; i < n; i += 100) {
              m = (n - i < 100) ? n - i : 100
              printf "*%d\r\n$5\r\nRPUSH\r\n$4\r\nlbig\r\n", 2 + m
              for (j = i; j < i + m; j++) printf "$%d\r\nelem:%d\r\n", length("elem:" j), j }
            }' >"$f" ;;
    mylist) awk 'BEGIN { for (i = 0; i < 600; i++) {
              v = sprintf("%064d", i)
              printf "*3\r\n$5\r\nRPUSH\r\n$6\r\nmylist\r\n$64\r\n%s\r\n", v }
            }' >"$f" ;;
  esac
  echo "$f"
}

elements_of() { case "$1" in hashes) echo 1000000 ;; *) echo "$N" ;; esac; }

# load NAME FILE -> prints seconds
load() {
  local port=${PORT_OF[$1]} t0 t1 out
  t0=$(now_us)
  out=$(timeout -k 5 300 redis-cli -h 127.0.0.1 -p "$port" --pipe <"$2" 2>&1)
  t1=$(now_us)
  case "$out" in *"errors: 0,"*) ;; *) echo "load into $1 failed: $out" >&2; exit 2 ;; esac
  awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1e6 }'
}

# ---------------------------------------------------------------- memory

MEMRES=$WORK/memory.tsv; : >"$MEMRES"
run_memory() {
  local w r first name f rss0 rss1 secs el
  for w in hashes hash intset zset list; do
    f=$(gen "$w"); el=$(elements_of "$w")
    for r in $(seq 1 "$ROUNDS"); do
      if [ $((r % 2)) = 1 ]; then first="ember redis"; else first="redis ember"; fi
      for name in $first; do
        start "$name"
        sleep 0.3
        rss0=$(rss_kb "${PID_OF[$name]}")
        secs=$(load "$name" "$f")
        sleep 1 # let a collector cycle finish
        rss1=$(rss_kb "${PID_OF[$name]}")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$r" "$name" "$rss0" "$rss1" "$secs" "$el" >>"$MEMRES"
        log "memory $w round $r $name: $(( (rss1 - rss0) * 1024 / el )) B/element, ${secs}s"
        stop_server "${PID_OF[$name]}"
      done
    done
  done
}

# ---------------------------------------------------------------- reads

OPSRES=$WORK/ops.tsv; : >"$OPSRES"
bench() { # name label command...
  local name=$1 label=$2 pid=${PID_OF[$1]} port=${PORT_OF[$1]} c0 c1 out row
  shift 2
  kill -CONT "$pid"
  c0=$(cpu_ticks "$pid")
  out=$(timeout -k 5 120 redis-benchmark -h 127.0.0.1 -p "$port" -c 50 -n "$REQUESTS" --csv "$@" 2>/dev/null)
  c1=$(cpu_ticks "$pid")
  kill -STOP "$pid"
  row=$(echo "$out" | tail -n 1 | tr -d '"')
  echo "$row" | awk -F, -v l="$label" -v n="$name" -v r="$ROUND" -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v q="$REQUESTS" \
    'BEGIN { OFS = "\t" } { print l, r, n, $2, $5, $7, d / hz * 1e6 / q }' >>"$OPSRES"
}

run_reads() {
  local name mid lo
  mid=$((N / 2))
  for name in ember redis; do
    start "$name"
    load "$name" "$(gen zset)" >/dev/null
    load "$name" "$(gen mylist)" >/dev/null
  done
  # A score in the middle: ZRANGEBYSCORE from it, skipping 10, taking 20.
  lo=$(redis-cli -h 127.0.0.1 -p "${PORT_OF[redis]}" ZRANGE zbig "$mid" "$mid" WITHSCORES | tail -n 1)
  kill -STOP "${PID_OF[ember]}" "${PID_OF[redis]}"
  for ROUND in $(seq 1 "$ROUNDS"); do
    local order="ember redis"
    [ $((ROUND % 2)) = 0 ] && order="redis ember"
    log "reads round $ROUND/$ROUNDS"
    for name in $order; do bench "$name" "ZRANGE rank 100, middle" ZRANGE zbig "$mid" $((mid + 99)); done
    for name in $order; do bench "$name" "ZRANK" ZRANK zbig "member:$mid"; done
    for name in $order; do bench "$name" "ZRANGEBYSCORE LIMIT 10 20" ZRANGEBYSCORE zbig "$lo" +inf LIMIT 10 20; done
    for name in $order; do bench "$name" "ZSCORE" ZSCORE zbig "member:$mid"; done
    for name in $order; do bench "$name" "LRANGE 0 99" LRANGE mylist 0 99; done
    for name in $order; do bench "$name" "LRANGE 0 299" LRANGE mylist 0 299; done
    for name in $order; do bench "$name" "LRANGE 0 599" LRANGE mylist 0 599; done
  done
  for name in ember redis; do stop_server "${PID_OF[$name]}"; done
}

# ---------------------------------------------------------------- tables

median='function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j > 0 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
  return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }'

print_memory() {
  echo "| workload | elements | ember B/element | redis B/element | ember/redis | range | ember load s | redis load s |"
  echo "| :-- | --: | --: | --: | --: | --: | --: | --: |"
  awk -F'\t' "$median"'
    { g = ($5 - $4) * 1024 / $7; k = $1 SUBSEP $3; n[k]++; B[k, n[k]] = g; L[k, n[k]] = $6; el[$1] = $7
      G[$1, $2, $3] = g; if (!($1 in seen)) { seen[$1] = 1; order[++nw] = $1 } if ($2 > R[$1]) R[$1] = $2 }
    END { for (w = 1; w <= nw; w++) { x = order[w]
      for (s = 1; s <= 2; s++) { nm = s == 1 ? "ember" : "redis"; k = x SUBSEP nm
        for (i = 1; i <= n[k]; i++) { b[i] = B[k, i]; l[i] = L[k, i] } mb[s] = med(b, n[k]); ml[s] = med(l, n[k]) }
      lo = 1e9; hi = 0; nr = 0
      for (r = 1; r <= R[x]; r++) { q = G[x, r, "ember"] / G[x, r, "redis"]; if (q < lo) lo = q; if (q > hi) hi = q; rr[++nr] = q }
      printf "| %s | %d | %.1f | %.1f | %.2f | %.2f-%.2f | %.2f | %.2f |\n", x, el[x], mb[1], mb[2], med(rr, nr), lo, hi, ml[1], ml[2] } }' "$MEMRES"
}

print_ops() {
  echo "| workload | ember ops/s | redis ops/s | ember/redis | range | ember p50 | redis p50 | ember p99 | redis p99 | ember cpu us/op | redis cpu us/op | cpu ember/redis |"
  echo "| :-- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |"
  awk -F'\t' "$median"'
    { k = $1 SUBSEP $3; n[k]++; O[k, n[k]] = $4; P5[k, n[k]] = $5; P9[k, n[k]] = $6; C[k, n[k]] = $7
      Q[$1, $2, $3] = $4; if ($2 > R[$1]) R[$1] = $2; if (!($1 in seen)) { seen[$1] = 1; order[++nw] = $1 } }
    END { for (w = 1; w <= nw; w++) { x = order[w]
      for (s = 1; s <= 2; s++) { nm = s == 1 ? "ember" : "redis"; k = x SUBSEP nm
        for (i = 1; i <= n[k]; i++) { a[i] = O[k, i]; b[i] = P5[k, i]; c[i] = P9[k, i]; d[i] = C[k, i] }
        mo[s] = med(a, n[k]); m5[s] = med(b, n[k]); m9[s] = med(c, n[k]); mc[s] = med(d, n[k]) }
      lo = 1e9; hi = 0; nr = 0
      for (r = 1; r <= R[x]; r++) { q = Q[x, r, "ember"] / Q[x, r, "redis"]; if (q < lo) lo = q; if (q > hi) hi = q; rr[++nr] = q }
      printf "| %s | %.0f | %.0f | %.2f | %.2f-%.2f | %.3f | %.3f | %.3f | %.3f | %.2f | %.2f | %.2f |\n",
        x, mo[1], mo[2], med(rr, nr), lo, hi, m5[1], m5[2], m9[1], m9[2], mc[1], mc[2], mc[2] ? mc[1] / mc[2] : 0 } }' "$OPSRES"
}

log "load: $(uptime)"
[ "$ONLY" = ops ] || run_memory
[ "$ONLY" = mem ] || run_reads
log "load: $(uptime)"
if [ "$ONLY" != ops ]; then
  echo "### Memory: RSS growth per element, $ROUNDS rounds, medians"
  echo
  print_memory
  echo
fi
if [ "$ONLY" != mem ]; then
  echo "### Reads on a $N-member sorted set and a 600-element list: redis-benchmark -c 50 -n $REQUESTS, $ROUNDS rounds, medians; latency in ms"
  echo
  print_ops
fi
