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
	switch cmd.name {
	case "sadd", "srem", "hdel", "zrem", "zremrangebyscore", "zremrangebyrank", "zremrangebylex", "lrem":
		// The members added or removed: the reply.
		if n, ok := intReply(reply); ok {
			want = n
		}
	case "lpush", "rpush":
		want = int64(len(args) - 2) // one per element (pushGenericCommand)
	case "lpushx", "rpushx":
		if n, ok := intReply(reply); ok && n > 0 {
			want = int64(len(args) - 2)
		}
	case "hset", "hmset":
		want = int64((len(args) - 2) / 2) // one per pair, changed or not (hsetCommand)
	case "zadd":
		want = zaddDirty(args, reply, stored)
	case "lpop", "rpop", "spop":
		// With a count, one per element popped: the reply's length.
		if n, ok := arrayReply(reply); ok && len(args) == 3 {
			want = n
		}
	case "zpopmin", "zpopmax":
		if n, ok := arrayReply(reply); ok && len(args) == 3 {
			if !c.w.resp3 {
				n /= 2 // member, score, flat
			}
			want = n
		}
	case "smove":
		// Removed from the source, added to the destination: 2 unless the
		// destination had the member already (Ember counts 2 then too).
		if n, ok := intReply(reply); ok && n == 1 {
			want = 2
		}
	case "sort":
		if n, ok := intReply(reply); ok && n > 0 {
			want = n // SORT ... STORE: one per element stored
		}
	case "lmove", "rpoplpush", "blmove", "brpoplpush", "rename", "renamenx", "move":
		want = min(stored, 1) // one change (dirty++), though two keys change
	case "swapdb":
		want = 1
	case "bitfield":
		want = bitfieldWrites(args)
	default:
		// A command on one key counts one (dirty++), where the store
		// counts two for an aggregate it creates (its creation and its
		// first elements).
		if cmd.firstKey > 0 && cmd.lastKey == cmd.firstKey {
			want = min(stored, 1)
		}
	}
	if want >= 0 && want != stored {
		c.srv.persist.dirtyAdj.Add(want - stored)
	}
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

// zaddDirty is ZADD's added+updated (zaddGenericCommand). With CH the
// reply is that; with INCR, one if anything changed; otherwise the reply
// counts only the members added, and members whose score changed count
// one in all (the store's count of the key), not one each as in Redis.
func zaddDirty(args [][]byte, reply []byte, stored int64) int64 {
	ch := false
options:
	for _, a := range args[2:] {
		switch {
		case optionIs(a, "ch"):
			ch = true
		case optionIs(a, "incr"):
			return min(stored, 1)
		case optionIs(a, "nx"), optionIs(a, "xx"), optionIs(a, "gt"), optionIs(a, "lt"):
		default:
			break options // the first score
		}
	}
	n, ok := intReply(reply)
	if !ok {
		return -1
	}
	if ch {
		return n
	}
	return max(n, min(stored, 1))
}

// bitfieldWrites counts BITFIELD's SET and INCRBY operations, what Redis
// counts (one per write applied; one refused by OVERFLOW FAIL counts here
// all the same).
func bitfieldWrites(args [][]byte) int64 {
	var n int64
	for i := 2; i < len(args); {
		switch {
		case optionIs(args[i], "set"), optionIs(args[i], "incrby"):
			n++
			i += 4
		case optionIs(args[i], "overflow"):
			i += 2
		default: // GET
			i += 3
		}
	}
	return n
}
