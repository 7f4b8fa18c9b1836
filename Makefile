# Ember's everyday commands. `make run` starts a server; `make test` is
# what CI runs (.ci/run) and installs what the tests need on a fresh
# Debian machine first.

GO        ?= go
BIN       := bin/ember-server
HOST      ?= 127.0.0.1
PORT      ?= 6379
FUZZ      ?= FuzzRequestConn
FUZZPKG   ?= ./server
FUZZTIME  ?= 30s

.PHONY: all build run test deps deps-plot bench bench-collections bench-messaging bench-scripting bench-durability bench-plots bench-scale lint fuzz clean

all: build

# Always hands the build to go, which knows what is stale.
build:
	$(GO) build -o $(BIN) ./cmd/ember-server

run: build
	./$(BIN) --bind $(HOST) --port $(PORT)

deps:
	scripts/install-deps.sh

# The same, and gnuplot, which the benchmark plots are drawn with (a test
# draws them from checked-in results).
deps-plot:
	scripts/install-deps.sh --plot

# Everything: unit, integration, differential and end-to-end tests, all
# under the race detector (internal/e2e builds the server with -race too,
# and runs the Flask demo's test). EMBER_REQUIRE_TOOLS=1 turns a missing
# redis-server, redis-cli or Flask into a failure instead of a skip.
test: deps-plot
	EMBER_REQUIRE_TOOLS=1 $(GO) test -race ./...
	@# Allocation counts need a build without the race detector, whose
	@# sync.Pool drops items at random (those cases skip under -race).
	$(GO) test -count=1 -run 'DoNotAllocate' ./server

bench:
	$(GO) test -bench . -benchmem -run '^$$' ./store/...

# Ember against redis-server on hashes, lists, sets and sorted sets of a
# million elements: memory per element, load time, range and rank reads
# (docs/benchmarks.md). About 10 minutes; loopback only.
bench-collections: build
	scripts/bench-collections.sh

# Ember against redis-server on PUBLISH fan-out (1, 100, 1000 subscribers),
# 10,000 idle subscribers, bitmaps and HyperLogLog (docs/benchmarks.md).
# About 5 minutes; loopback only.
bench-messaging: build
	scripts/bench-messaging.sh

# Ember against redis-server on EVALSHA and FCALL of a small script, at
# -P 1 and -P 16 (docs/benchmarks.md). About a minute; loopback only.
bench-scripting: build
	scripts/bench-scripting.sh

# Ember against redis-server on 1M keys: SAVE, BGSAVE under write load,
# the load at start-up, BGREWRITEAOF and AOF replay (docs/benchmarks.md).
# About 2 minutes and 1 GB of memory and disk; loopback only.
bench-durability: build
	scripts/bench-durability.sh

# The plots of docs/benchmarks.md: one quick compare.sh run (about 2
# minutes) and scripts/bench-latency.sh (half a minute) against a real
# redis-server, then scripts/plotbench draws docs/img/*.png. What the runs
# printed and their raw results stay in bench-out/ (compare.md,
# compare/, latency.txt, latency.tsv). REDRAW=1 only redraws
# from bench-out/; COMPARE_ARGS= (empty) makes compare.sh do its full run
# (5 rounds, 4-5 minutes). Loopback only.
COMPARE      ?= ../shared/bench/compare.sh
COMPARE_ARGS ?= --quick
BENCH_OUT    ?= bench-out
EMBER_CMD    := ./$(BIN) --port $$PORT --bind 127.0.0.1 --save "" --dir $$DATA_DIR
REDIS_CMD    := redis-server --port $$PORT --bind 127.0.0.1 --save "" --appendonly no --dir $$DATA_DIR
bench-plots: build deps-plot
ifndef REDRAW
	@mkdir -p $(BENCH_OUT)
	$(COMPARE) $(COMPARE_ARGS) --markdown --out $(BENCH_OUT)/compare \
		--name-a ember --a '$(EMBER_CMD)' --name-b redis --b '$(REDIS_CMD)' >$(BENCH_OUT)/compare.md
	@cat $(BENCH_OUT)/compare.md
	scripts/bench-latency.sh --out $(BENCH_OUT)/latency.tsv >$(BENCH_OUT)/latency.txt
	@cat $(BENCH_OUT)/latency.txt
endif
	$(GO) run ./scripts/plotbench -compare $(BENCH_OUT)/compare -latency $(BENCH_OUT)/latency.tsv -out docs/img

# The at-scale workloads of issue 11 (scripts/bench-scale.sh): 10M keys
# resident, GETs under a churn of 128 KiB values, 1 to 1,000 connections,
# -P 64 and -P 256, 16 KB and 128 KB values; the tables go to
# bench-out/scale/summary.md, the plots to docs/img (scale-*.png and the
# latency curves latency-keys-*.png, latency-churn-*.png). About 25 minutes
# and up to 10 GB of memory at full size; SCALE_ARGS="--keys 1000000
# --big-keys 4000 --rounds 3 --requests 200000" runs it scaled down in
# 7-8. Loopback only.
SCALE_ARGS ?=
bench-scale: build deps-plot
	scripts/bench-scale.sh --out $(BENCH_OUT)/scale $(SCALE_ARGS)
	$(GO) run ./scripts/plotbench -scale $(BENCH_OUT)/scale -out docs/img

lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt -l: these files need gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# make fuzz FUZZ=FuzzOther FUZZPKG=./store FUZZTIME=5m
# New inputs are minimised for at most 10s each (Go's default is a minute,
# which shows as long stretches of 0 execs/sec).
fuzz:
	$(GO) test -run '^$$' -fuzz '^$(FUZZ)$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 10s $(FUZZPKG)

clean:
	rm -rf bin
