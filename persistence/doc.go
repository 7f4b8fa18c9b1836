// Package persistence makes Ember durable, in Redis's own formats and
// against the store's API, never the network: rdb (this directory's
// persistence/rdb) reads and writes RDB snapshots, version 10, readable
// by Redis 7.0 and read from its dump files; the append-only file of
// effects (SET ... PXAT, DEL for expired keys) joins it. See
// docs/persistence.md.
package persistence
