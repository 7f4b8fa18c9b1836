package store

// KeyEvent is something that happened to a key inside the store rather
// than by a caller's explicit request, reported to Options.OnKeyEvent.
// The server turns them into Redis's keyspace notifications ("expired",
// "new", "keymiss", "evicted"); everything a command does on purpose the
// server reports itself.
type KeyEvent uint8

const (
	// KeyExpired: the key was removed because its TTL had passed, lazily
	// (an operation touched it) or by the active sweeper.
	KeyExpired KeyEvent = iota + 1
	// KeyCreated: the key was added, as Redis's dbAdd. RENAME and COPY
	// onto an existing key report it too, since Redis deletes and adds.
	KeyCreated
	// KeyMissed: a read found no live key (a keyspace miss).
	KeyMissed
	// KeyEvicted: the key was removed to free memory (MakeRoom, under a
	// maxmemory-policy other than noeviction). OnKeyModified sees it with
	// EvictorWriter.
	KeyEvicted
)

// SetOnKeyEvent sets (or, with nil, clears) the function told of key
// events, replacing Options.OnKeyEvent.
//
// The rule for fn: it runs on the goroutine of the operation, while the
// store holds the lock of the key's shard (and possibly others), so that
// events arrive in the order they happen. It must therefore be quick and
// must never call back into the store: it may only record or hand the
// event on (the server publishes it to Pub/Sub subscribers, which appends
// to their output buffers). key is valid only during the call.
func (s *Store) SetOnKeyEvent(fn func(db int, ev KeyEvent, key string)) {
	if fn == nil {
		s.onEvent.Store(nil)
		return
	}
	s.onEvent.Store(&fn)
}

// event reports ev on key to the store's OnKeyEvent, if any. The shard's
// lock is held.
func (sh *shard) event(ev KeyEvent, key string) {
	if fn := sh.store.onEvent.Load(); fn != nil {
		(*fn)(sh.dbIndex, ev, key)
	}
}
