# bench-servers.sh - what the side-by-side benchmark scripts share: start
# Ember or redis-server on a free loopback port, stop them, read their RSS
# and CPU from /proc. Sourced, not run. The caller sets WORK (a scratch
# directory), KEEP (non-empty keeps it), EMBER (the binary) and, for extra
# arguments to both servers, SERVER_ARGS (an array).

STARTED=()

cleanup() {
  local p
  for p in "${STARTED[@]}"; do stop_server "$p"; done
  [ -n "$KEEP" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 12000 )) # below the ephemeral ports
    port_free "$p" && { echo "$p"; return 0; }
  done
  echo "no free port" >&2; exit 2
}

# start NAME (ember or redis) [DIR] -> sets PID_OF[NAME], PORT_OF[NAME].
# The server's directory is DIR, as it is, or else a fresh $WORK/NAME.data.
declare -A PID_OF PORT_OF
start() {
  local name=$1 port dir=${2:-} t0
  port=$(free_port)
  if [ -z "$dir" ]; then dir=$WORK/$name.data; rm -rf "$dir"; mkdir -p "$dir"; fi
  case "$name" in
    ember) setsid "$EMBER" --port "$port" --bind 127.0.0.1 --save "" "${SERVER_ARGS[@]}" \
             --dir "$dir" </dev/null >"$WORK/$name.log" 2>&1 & ;;
    redis) setsid redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
             "${SERVER_ARGS[@]}" --dir "$dir" </dev/null >"$WORK/$name.log" 2>&1 & ;;
  esac
  PID_OF[$name]=$!; PORT_OF[$name]=$port; STARTED+=("$!")
  t0=$SECONDS
  until [ "$(redis-cli -h 127.0.0.1 -p "$port" PING 2>/dev/null)" = PONG ]; do
    kill -0 "${PID_OF[$name]}" 2>/dev/null || { tail "$WORK/$name.log" >&2; exit 2; }
    [ $((SECONDS - t0)) -lt 30 ] || { echo "$name did not start" >&2; exit 2; }
    sleep 0.1
  done
}

stop_server() {
  local i
  kill -0 "$1" 2>/dev/null || return 0
  kill -CONT "$1" 2>/dev/null; kill -TERM "$1" 2>/dev/null
  for i in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  # "|| true": the callers may run under set -e, and a failing command in
  # the EXIT trap would end it before it stops the other servers.
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  return 0
}

rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
now_us() { echo "${EPOCHREALTIME/[.,]/}"; }

# What redis-benchmark prints without --csv or -q, for one test: its
# "Latency by percentile distribution" (HdrHistogram's steps, each halving
# the distance to 100%) and its summary lines.
#
# The awk programs read to the end instead of exiting early: an early exit
# would kill the writer of the pipe with SIGPIPE, which pipefail turns into
# a failure.
#
# rb_percentiles FILE -> "percentile<TAB>latency_ms<TAB>cumulative_count" lines
rb_percentiles() {
  tr '\r' '\n' <"$1" | awk '
    /^Latency by percentile distribution:/ { on = 1; next }
    on && /^$/ { on = 0 }
    on { sub(/%$/, "", $1); print $1 "\t" $3 "\t" $7 + 0 }'
}
# rb_percentile FILE P -> the latency (ms) of the first step at or above P%
rb_percentile() {
  rb_percentiles "$1" | awk -F'\t' -v p="$2" '!found && $1 + 0 >= p + 0 { v = $2; found = 1 }
    END { print found ? v : "-" }'
}
# rb_summary FILE -> "rps avg min p50 p95 p99 max" (ms), or nothing
rb_summary() {
  tr '\r' '\n' <"$1" | awk '
    /throughput summary:/ { rps = $3 }
    /latency summary/ { getline; getline; lat = $0 }
    END { if (rps != "" && lat != "") { $0 = lat; print rps, $1, $2, $3, $4, $5, $6 } }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }

# load_small PORT PREFIX N SIZE: N SETs of PREFIX%012d, SIZE-byte values,
# through redis-cli --pipe
load_small() {
  local port=$1 prefix=$2 n=$3 size=$4 out
  out=$(awk -v n="$n" -v p="$prefix" -v vs="$size" 'BEGIN {
      v = sprintf("%0" vs "d", 0)
      for (i = 0; i < n; i++) {
        k = sprintf("%s%012d", p, i)
        printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, vs, v
      }
    }' | timeout -k 5 1800 redis-cli -h 127.0.0.1 -p "$port" --pipe 2>&1) ||
    { echo "loading $n keys failed: $out" >&2; exit 1; }
  [[ $out == *"errors: 0, replies: $n"* ]] || { echo "load: $out" >&2; exit 1; }
}
