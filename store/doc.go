// Package store is Ember's embeddable keyspace: a set of numbered databases,
// each split into a power-of-two number of shards chosen by a hash of the key.
//
// Every shard guards its own index (a golang-lru simplelru.LRU, whose recency
// order the eviction work uses) with its own mutex, so commands on different
// keys rarely contend. Entries carry an absolute expiry in Unix milliseconds;
// expiry is lazy (an expired key is never visible) and an active sweeper
// reclaims keys nobody touches again.
//
// The store knows nothing of the network: the server package maps its
// sentinel errors to Redis's wire texts, and the persistence package writes
// and reads it through the same API.
//
// The store copies the keys and values handed to it, so callers may pass
// views of buffers they reuse; a caller may instead hand a value over with
// SetOptions.Owned, and never touch it again. The values it returns are
// its own: a caller must not modify them.
//
// A key's value is an entry of 24 bytes kept by value in the LRU's list
// element (entry.go): a pointer to the value, the expiry, and the kind,
// flags and access data packed as in Redis's robj.
package store
