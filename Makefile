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

.PHONY: all build run test deps bench bench-collections bench-messaging bench-scripting lint fuzz clean

all: build

# Always hands the build to go, which knows what is stale.
build:
	$(GO) build -o $(BIN) ./cmd/ember-server

run: build
	./$(BIN) --bind $(HOST) --port $(PORT)

deps:
	scripts/install-deps.sh

# Everything: unit, integration, differential and end-to-end tests, all
# under the race detector (internal/e2e builds the server with -race too,
# and runs the Flask demo's test). EMBER_REQUIRE_TOOLS=1 turns a missing
# redis-server, redis-cli or Flask into a failure instead of a skip.
test: deps
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
