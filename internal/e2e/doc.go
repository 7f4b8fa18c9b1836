// Package e2e holds Ember's end-to-end tests. They build the real
// ember-server binary, start it on free loopback ports, and drive it with
// the tools people use: redis-cli (one-shot, interactive, --pipe),
// redis-benchmark, signals, and the Flask demo's own test. Two of them
// also drive a throwaway real redis-server and compare: every collection
// command through redis-cli in each of its output modes
// (cli_collections_test.go) and through redis-py (redispy_test.go).
//
// A test whose tool is missing skips, or fails when EMBER_REQUIRE_TOOLS=1
// (as `make test` sets it; scripts/install-deps.sh installs the tools).
// EMBER_SERVER_BIN runs the suite against another binary instead of a fresh
// build; EMBER_SERVER_BIN=/usr/bin/redis-server checks the tests themselves
// against the real Redis.
package e2e
