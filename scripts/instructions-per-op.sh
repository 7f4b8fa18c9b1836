#!/usr/bin/env bash
# instructions-per-op.sh - instructions per operation of one Go benchmark,
# counted by valgrind's callgrind: the difference between a run of N1 and
# a run of N2 operations (so that setup cancels out), the median of three
# such differences (five, when one of the three is off by more than a
# tenth: now and then one run of a pair counts much more or less, on a
# loaded machine more often). GOGC=off, so the collector's work is left out: count
# allocations with -benchmem beside it. On a shared machine, where ns/op
# swings by half, this stays within a few percent; background goroutines
# that tick by the wall clock (a server's crons) are what varies, so the
# benchmark should slow them down (BenchmarkScriptDispatch sets hz 1).
#
#   scripts/instructions-per-op.sh BENCH-REGEXP [PACKAGE] [N1 N2]
#   scripts/instructions-per-op.sh 'BenchmarkScriptDispatch/EVALSHA$' ./server
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=$1 PKG=${2:-./server} N1=${3:-5000} N2=${4:-25000}
WORK=$(mktemp -d /tmp/instructions-per-op.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
go test -c -o "$WORK/bench.test" "$PKG"
cd "$PKG"

# ir N: the instructions of a run of N operations (retried when valgrind
# or the run fails, which Go programs under valgrind sometimes do).
ir() {
  local out
  for _ in 1 2 3; do
    out=$(GOGC=off GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind \
      --callgrind-out-file="$WORK/cg.out" "$WORK/bench.test" -test.run XXX \
      -test.bench "$BENCH" -test.benchtime "${1}x" 2>&1) || true
    if grep -qP "^Benchmark\S*\s+$1\s" <<<"$out" && grep -q Collected <<<"$out"; then
      awk '/Collected/ { print $4 }' <<<"$out"
      return
    fi
  done
  echo "instructions-per-op: no valid run of $1 operations" >&2
  exit 1
}

vals=()
diff_once() { a=$(ir "$N1"); b=$(ir "$N2"); vals+=($(((b - a) / (N2 - N1)))); }
median() { printf '%s\n' "${vals[@]}" | sort -n | sed -n "$(((${#vals[@]} + 1) / 2))p"; }
for _ in 1 2 3; do diff_once; done
m=$(median)
for v in "${vals[@]}"; do
  if [ $((v > m ? v - m : m - v)) -gt $((m / 10)) ]; then diff_once; diff_once; break; fi
done
echo "$BENCH $(median) instructions/op (runs: ${vals[*]})"
