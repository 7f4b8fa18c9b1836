// Package testenv is the plumbing Ember's tests share across packages: free
// loopback ports, a log buffer a process can write while a test reads it,
// the external tools the tests drive (redis-server, redis-cli, Debian's
// python3 with Flask) and how a missing one is reported, a throwaway real
// redis-server to compare against, and the ember-server binary built from
// this checkout.
//
// Only tests import it. A test whose tool is missing skips, or fails when
// EMBER_REQUIRE_TOOLS=1 (as `make test` sets it; scripts/install-deps.sh
// installs the tools).
package testenv
