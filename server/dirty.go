package server

import "strconv"

// rdb_changes_since_last_save, as Redis's server.dirty. The store counts
// changed keys (Store.Changes: a key written, deleted or expired counts
// one). Redis's commands add what they changed instead: SADD of three new
// members adds 3, RPUSH of three elements 3, HSET of two pairs 2 (even
// when a value is the same).
// For the commands that change many elements of one key, countDirty adds
// the difference (Server.persist.dirtyAdj), so that save points and INFO
// count as Redis does. Commands not listed here count one per changed key,
// which is Redis's count for most of them; the exceptions are listed in
// docs/persistence.md.

// changes is the server's running change count: the store's, plus what
// Redis's commands count beyond it.
func (s *Server) changes() int64 { return s.store.Changes() + s.persist.dirtyAdj.Load() }

// countDirty adds, after a write command that succeeded, the difference
// between what Redis's server.dirty counts for it and what the store
// counted (OpNotes.Changes). reply is what the command wrote to the reply
// buffer.
func (c *client) countDirty(cmd *command, args [][]byte, reply []byte) {
	stored := c.notes.Changes
	want := int64(-1) // Redis's count; -1: the store's stands
	switch {
	case cmd.dirty != nil:
		want = cmd.dirty(c, args, reply, stored)
	case cmd.firstKey > 0 && cmd.lastKey == cmd.firstKey:
		// A command on one key counts one (dirty++), where the store
		// counts two for an aggregate it creates (its creation and its
		// first elements).
		want = min(stored, 1)
	}
	if want >= 0 && want != stored {
		c.srv.persist.dirtyAdj.Add(want - stored)
	}
}

// dirtyCount is a command's own count of server.dirty, where it is not
// the one-key rule of countDirty: what Redis's command adds, or -1 for
// the store's count. newCommandTable puts it in the command's row.
type dirtyCount func(c *client, args [][]byte, reply []byte, stored int64) int64

var dirtyCounts = func() map[string]dirtyCount {
	m := map[string]dirtyCount{
		"lpush": pushDirty, "rpush": pushDirty, // one per element (pushGenericCommand)
		"lpushx": func(c *client, args [][]byte, reply []byte, _ int64) int64 {
			if n, ok := intReply(reply); ok && n > 0 {
				return int64(len(args) - 2)
			}
			return -1
		},
		"hset": hsetDirty, "hmset": hsetDirty,
		"zadd": func(c *client, args [][]byte, reply []byte, stored int64) int64 {
			if zaddIncr(args) {
				return min(stored, 1)
			}
			return c.notes.Elements // added+updated (zaddGenericCommand)
		},
		// Elements removed (ltrimCommand); elements that changed the
		// sketch, and one for a new one (pfaddCommand).
		// The writes that changed a field or a string that grew, not
		// those OVERFLOW FAIL refused (bitfieldGeneric).
		"ltrim": elementsDirty, "pfadd": elementsDirty, "bitfield": elementsDirty,
		"lpop": popDirty, "rpop": popDirty, "spop": popDirty,
		"zpopmin": zpopDirty, "zpopmax": zpopDirty,
		"smove": func(_ *client, _ [][]byte, reply []byte, _ int64) int64 {
			// Removed from the source, added to the destination: 2 unless
			// the destination had the member already (Ember counts 2 then
			// too).
			if n, ok := intReply(reply); ok && n == 1 {
				return 2
			}
			return -1
		},
		"sort": func(_ *client, _ [][]byte, reply []byte, _ int64) int64 {
			if n, ok := intReply(reply); ok && n > 0 {
				return n // SORT ... STORE: one per element stored
			}
			return -1
		},
		"swapdb": func(*client, [][]byte, []byte, int64) int64 { return 1 },
	}
	m["rpushx"] = m["lpushx"]
	// The members added or removed: the reply.
	for _, name := range []string{"sadd", "srem", "hdel", "zrem", "zremrangebyscore", "zremrangebyrank", "zremrangebylex", "lrem"} {
		m[name] = replyDirty
	}
	// One change (dirty++), though two keys change.
	for _, name := range []string{"lmove", "rpoplpush", "blmove", "brpoplpush", "rename", "renamenx", "move"} {
		m[name] = func(_ *client, _ [][]byte, _ []byte, stored int64) int64 { return min(stored, 1) }
	}
	return m
}()

func pushDirty(_ *client, args [][]byte, _ []byte, _ int64) int64 { return int64(len(args) - 2) }

// hsetDirty: one per pair, changed or not (hsetCommand).
func hsetDirty(_ *client, args [][]byte, _ []byte, _ int64) int64 { return int64((len(args) - 2) / 2) }

func replyDirty(_ *client, _ [][]byte, reply []byte, _ int64) int64 {
	if n, ok := intReply(reply); ok {
		return n
	}
	return -1
}

// popDirty: with a count, one per element popped (the reply's length).
func popDirty(_ *client, args [][]byte, reply []byte, _ int64) int64 {
	if n, ok := arrayReply(reply); ok && len(args) == 3 {
		return n
	}
	return -1
}

func zpopDirty(c *client, args [][]byte, reply []byte, _ int64) int64 {
	if n, ok := arrayReply(reply); ok && len(args) == 3 {
		if !c.w.resp3 {
			n /= 2 // member, score, flat
		}
		return n
	}
	return -1
}

// arrayReply reads the length of an array reply ("*n\r\n..."); a nil
// array is 0.
func arrayReply(b []byte) (int64, bool) {
	if len(b) < 4 || b[0] != '*' {
		return 0, false
	}
	end := 1
	for end < len(b) && b[end] != '\r' {
		end++
	}
	n, err := strconv.ParseInt(string(b[1:end]), 10, 64)
	return max(n, 0), err == nil
}

// intReply reads an integer reply (":n\r\n").
func intReply(b []byte) (int64, bool) {
	if len(b) < 4 || b[0] != ':' || b[len(b)-2] != '\r' {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b[1:len(b)-2]), 10, 64)
	return n, err == nil
}

// zaddIncr reports whether ZADD has the INCR option (before its first
// score), where Redis counts one change if the member's score changed.
func zaddIncr(args [][]byte) bool {
	for _, a := range args[2:] {
		switch {
		case optionIs(a, "incr"):
			return true
		case optionIs(a, "ch"), optionIs(a, "nx"), optionIs(a, "xx"), optionIs(a, "gt"), optionIs(a, "lt"):
		default:
			return false // the first score
		}
	}
	return false
}

func elementsDirty(c *client, _ [][]byte, _ []byte, _ int64) int64 { return c.notes.Elements }
