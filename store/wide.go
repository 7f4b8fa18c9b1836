package store

// The wide lock orders the callers that hold more than one shard at a
// time. Every such caller takes Store.wide before its first shard:
// exclusively when it reaches several databases (LockAll, LockKeys over
// several databases, MOVE and COPY between databases) or runs a script
// (LockScript), shared when it takes several shards of one database
// (MSET, SINTERSTORE, KEYS, ...): the shards of its keys without waiting
// for one while it holds another (DB.lockShards), or every shard of the
// database in ascending order. A caller of one shard takes nothing more,
// and never waits for a second shard while it holds one.
//
// So while a script holds wide exclusively, every other holder of a shard
// holds that one shard alone and will release it without waiting for
// anything the script holds: the script may take shards in any order, as
// it reaches keys, without deadlock. It pays for the shards it touches
// instead of every shard of every database, and holding each until it
// ends (strict two-phase locking) keeps it atomic against every other
// client, for the keys it declared and those it did not.

// LockScript takes the right to lock any shard in any order, for a caller
// that must run atomically against everyone else while it may reach any
// key of any database (a script): lock what it reaches with HoldKey,
// HoldDB or HoldAll before reaching it, then Unlock. l must be unlocked
// (or new); its memory is reused, so that script after script allocates
// nothing.
func (s *Store) LockScript(l *Locked) {
	s.wide.Lock()
	held, marks, views := l.held[:0], l.marks, l.views
	n := len(s.dbs) * len(s.dbs[0].shards)
	if len(marks) != n {
		marks = make([]bool, n)
	}
	for j, v := range views {
		if v != nil {
			*v = *s.dbs[j]
			v.held = true
		}
	}
	*l = Locked{s: s, wide: true, held: held, marks: marks, views: views}
}

// HoldKey takes the shard of key in database i, unless it is held.
func (l *Locked) HoldKey(i int, key string) {
	if l.all || i < 0 || i >= len(l.s.dbs) {
		return
	}
	if l.marks == nil {
		panic("store: Locked.HoldKey without LockScript")
	}
	n := len(l.s.dbs[0].shards)
	l.hold(i*n + int(l.s.hash(key)>>l.s.shift))
}

func (l *Locked) hold(idx int) {
	if l.marks[idx] {
		return
	}
	n := len(l.s.dbs[0].shards)
	sh := l.s.dbs[idx/n].shards[idx%n]
	sh.mu.Lock()
	l.marks[idx] = true
	l.held = append(l.held, sh)
}

// HoldDB takes every shard of database i that is not held yet; i out of
// range is ignored.
func (l *Locked) HoldDB(i int) {
	if l.all || i < 0 || i >= len(l.s.dbs) {
		return
	}
	if l.marks == nil {
		panic("store: Locked.HoldDB without LockScript")
	}
	n := len(l.s.dbs[0].shards)
	for j := 0; j < n; j++ {
		l.hold(i*n + j)
	}
}

// HoldAll takes every shard, as LockAll would have (a script running
// FLUSHALL or SWAPDB).
func (l *Locked) HoldAll() {
	for i := range l.s.dbs {
		l.HoldDB(i)
	}
	l.all = true
}

// release is Unlock for a Locked of LockScript: it also clears the marks
// of what it held, for the next script.
func (l *Locked) release() {
	for i := len(l.held) - 1; i >= 0; i-- {
		l.held[i].mu.Unlock()
		l.held[i] = nil
	}
	clear(l.marks)
	l.held = l.held[:0]
	l.s.wide.Unlock()
}
