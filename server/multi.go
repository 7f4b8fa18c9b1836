package server

import (
	"github.com/emberkv/ember/store"
)

// multiState is a transaction being queued after MULTI.
type multiState struct {
	cmds   []queuedCommand
	failed bool // a command was rejected while queueing: EXEC aborts
	// denyOOM: a queued command is flagged denyoom, so EXEC is refused
	// when out of memory, as Redis's mstate.cmd_flags.
	denyOOM bool
}

type queuedCommand struct {
	cmd  *command
	args [][]byte
}

// queue keeps a command for EXEC. Arguments alias the connection's read
// buffer, so they are copied, into one allocation.
func (m *multiState) queue(cmd *command, args [][]byte) {
	size := 0
	for _, a := range args {
		size += len(a)
	}
	buf := make([]byte, 0, size)
	kept := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		kept[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	m.cmds = append(m.cmds, queuedCommand{cmd, kept})
	m.denyOOM = m.denyOOM || cmd.flags&flagDenyOOM != 0
}

func (c *client) discardMulti() {
	c.multi = nil
}

func (c *client) unwatchAll() {
	for _, wk := range c.watched {
		c.srv.store.DB(wk.db).Unwatch(wk.key, &c.watch)
	}
	c.watched = c.watched[:0]
	c.watch.Reset()
}

func cmdMulti(c *client, args [][]byte) {
	if c.multi != nil {
		c.w.error(errMultiNested)
		return
	}
	c.multi = &multiState{}
	c.w.ok()
}

func cmdDiscard(c *client, args [][]byte) {
	if c.multi == nil {
		c.w.error(errDiscardNoMulti)
		return
	}
	c.discardMulti()
	c.unwatchAll()
	c.w.ok()
}

func cmdWatch(c *client, args [][]byte) {
	if c.multi != nil {
		c.w.error(errWatchInMulti)
		return
	}
	for _, a := range args[1:] {
		key := string(a)
		already := false
		for _, wk := range c.watched {
			if wk.db == c.dbIndex && wk.key == key {
				already = true
				break
			}
		}
		if already {
			continue
		}
		c.db.Watch(key, &c.watch)
		c.watched = append(c.watched, watchedKey{c.dbIndex, key})
	}
	c.w.ok()
}

func cmdUnwatch(c *client, args [][]byte) {
	c.unwatchAll()
	c.w.ok()
}

// cmdExec runs the queued commands atomically: it takes every shard they
// can touch, in the store's fixed order, before running the first one.
func cmdExec(c *client, args [][]byte) {
	m := c.multi
	if m == nil {
		c.w.error(errExecNoMulti)
		return
	}
	c.multi = nil
	if m.failed {
		c.unwatchAll()
		c.w.error(errExecAbort)
		return
	}
	locked := c.lockFor(m.cmds)
	// A watched key whose TTL passed since WATCH counts as changed.
	for _, wk := range c.watched {
		locked.DB(wk.db).ExpireWatched(wk.key)
	}
	if c.watch.Dirty() {
		locked.Unlock()
		c.unwatchAll()
		c.w.nullArray()
		return
	}
	c.w.array(len(m.cmds))
	saved := c.db
	c.inExec = locked
	locked.SetNotes(&c.notes)
	if c.tracking() {
		locked.SetWriter(c.id)
	}
	c.db = locked.DB(c.dbIndex)
	for _, q := range m.cmds {
		c.call(q.cmd, q.args, monoNow())
	}
	c.inExec = nil
	locked.Unlock()
	// The transaction's effects go to the AOF before the pops of the
	// clients it serves.
	if c.aof.active {
		c.aofFlushUnit()
	}
	// Clients blocked on keys the transaction filled are served now, and
	// see the state it left, as Redis's handleClientsBlockedOnKeys after
	// EXEC.
	if c.srv.blocking.count.Load() > 0 {
		ready := c.readied
		c.readied = nil
		for _, q := range m.cmds {
			if q.cmd.flags&flagWrite != 0 {
				ready = appendKeysOf(ready, c.dbIndex, q.cmd, q.args)
			}
		}
		c.srv.serveReady(ready)
	} else {
		c.readied = c.readied[:0]
	}
	if c.dbIndex == saved.Index() {
		c.db = saved
	} else {
		c.selectDB(c.dbIndex)
	}
	c.unwatchAll()
}

// lockFor takes the shards a transaction needs: its key arguments, its
// watched keys, or everything when a command reaches beyond its keys.
func (c *client) lockFor(cmds []queuedCommand) *store.Locked {
	var refs []store.KeyRef
	db := c.dbIndex
	for _, q := range cmds {
		if q.cmd.scope != scopeKeys || q.cmd.flags&flagMovableKeys != 0 {
			return c.srv.store.LockAll()
		}
		for _, i := range q.cmd.keyIndexes(q.args) {
			refs = append(refs, store.KeyRef{DB: db, Key: string(q.args[i])})
		}
	}
	for _, wk := range c.watched {
		refs = append(refs, store.KeyRef{DB: wk.db, Key: wk.key})
	}
	return c.srv.store.LockKeys(refs)
}
