// Package persistence will make Ember durable: Redis-compatible RDB
// snapshots (version 10, readable by Redis 7.0 and read from its dump
// files) and an append-only file of effects (SET ... PXAT, DEL for expired
// keys), written against the store's API and never the network.
//
// Nothing lives here yet: until it does, ember-server refuses the
// directives that would promise durability (appendonly yes, save points).
package persistence
