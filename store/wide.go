package store

// The wide lock orders the callers that hold shards of more than one
// database at a time: LockAll, LockKeys over several databases, MOVE and
// COPY between databases, and scripts (LockDB). Each takes Store.wide
// before any shard; callers that stay inside one database never take it.
//
// That is what lets a script lock whole databases in any order as it
// reaches them (a script may SELECT any database at any point): while it
// holds wide, every other holder of shards stays inside one database and
// locks that database's shards in ascending order, so locking a further
// database shard by shard in the same order cannot close a cycle. A
// script so pays for the databases it touches (64 shards each by
// default) instead of every shard of every database.

// LockDB takes every shard of database i, and the right to take whole
// further databases with HoldDB, for a caller that must run atomically
// against everyone else while it may reach any key of any database (a
// script). Call Unlock when done.
func (s *Store) LockDB(i int) *Locked {
	l := &Locked{}
	s.LockDBInto(l, i)
	return l
}

// LockDBInto is LockDB reusing l, which must be unlocked (or new), so
// that a caller running script after script allocates nothing.
func (s *Store) LockDBInto(l *Locked, i int) {
	s.wide.Lock()
	held, dbs, views := l.held[:0], l.dbs, l.views
	if len(dbs) != len(s.dbs) {
		dbs = make([]bool, len(s.dbs))
	}
	clear(dbs)
	for j, v := range views {
		if v != nil {
			*v = *s.dbs[j]
			v.held = true
		}
	}
	*l = Locked{s: s, wide: true, held: held, dbs: dbs, views: views}
	l.HoldDB(i)
}

// HoldDB takes every shard of database i too, unless they are held
// already; i out of range is ignored. It panics on a Locked that does not
// come from LockDB, whose lock order it would break.
func (l *Locked) HoldDB(i int) {
	if l.dbs == nil {
		panic("store: Locked.HoldDB without LockDB")
	}
	if l.all || i < 0 || i >= len(l.dbs) || l.dbs[i] {
		return
	}
	if l.held == nil {
		l.held = make([]*shard, 0, len(l.s.dbs[i].shards))
	}
	for _, sh := range l.s.dbs[i].shards {
		sh.mu.Lock()
		l.held = append(l.held, sh)
	}
	l.dbs[i] = true
	for _, held := range l.dbs {
		if !held {
			return
		}
	}
	l.all = true
}

// HoldsDB reports whether every shard of database i is held.
func (l *Locked) HoldsDB(i int) bool {
	if l.all {
		return true
	}
	return l.dbs != nil && i >= 0 && i < len(l.dbs) && l.dbs[i]
}

// HoldAll takes every database, as LockAll would have (a script running
// FLUSHALL or SWAPDB).
func (l *Locked) HoldAll() {
	for i := range l.s.dbs {
		l.HoldDB(i)
	}
}
