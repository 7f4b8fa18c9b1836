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

# start NAME (ember or redis) -> sets PID_OF[NAME], PORT_OF[NAME]
declare -A PID_OF PORT_OF
start() {
  local name=$1 port dir t0
  port=$(free_port)
  dir=$WORK/$name.data; rm -rf "$dir"; mkdir -p "$dir"
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
  kill -KILL "$1" 2>/dev/null; wait "$1" 2>/dev/null
  return 0
}

rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
now_us() { echo "${EPOCHREALTIME/[.,]/}"; }
