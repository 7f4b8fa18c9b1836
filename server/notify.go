package server

import (
	"strconv"
	"sync"

	"github.com/emberkv/ember/store"
)

// Keyspace notifications, as Redis's notify.c: a command that changes a
// key publishes the event on __keyspace@<db>__:<key> (the message is the
// event's name) and the key on __keyevent@<db>__:<event>, for the classes
// notify-keyspace-events enables. Handlers call c.notify at the points
// where Redis calls notifyKeyspaceEvent, in the same order; what happens
// inside the store (expiry, a key's creation, a read miss) comes through
// the store's OnKeyEvent.
//
// With notifications off (the default) every call costs one atomic load.

// keyspaceEventFlags turns a notify-keyspace-events value into classes, as
// Redis's keyspaceEventsStringToFlags; ok is false for an unknown letter.
func keyspaceEventFlags(classes string) (flags int, ok bool) {
	for i := 0; i < len(classes); i++ {
		switch c := classes[i]; c {
		case 'A':
			flags |= nkAll
		case 'K':
			flags |= nkKeyspace
		case 'E':
			flags |= nkKeyevent
		case 'm':
			flags |= nkKeyMiss
		default:
			found := false
			for _, k := range keyspaceEventClasses {
				if k.c == c {
					flags |= k.flag
					found = true
				}
			}
			if !found {
				return 0, false
			}
		}
	}
	return flags, true
}

// keyspaceEventString writes classes back as Redis's
// keyspaceEventsFlagsToString does. Like Redis it drops 'n' when 'A' is
// shown ("An" reads back as "A", though "new" events stay on).
func keyspaceEventString(flags int) string {
	var b []byte
	if flags&nkAll == nkAll {
		b = append(b, 'A')
	} else {
		for _, k := range keyspaceEventClasses {
			if flags&k.flag != 0 {
				b = append(b, k.c)
			}
		}
	}
	if flags&nkKeyspace != 0 {
		b = append(b, 'K')
	}
	if flags&nkKeyevent != 0 {
		b = append(b, 'E')
	}
	if flags&nkKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

// setNotifyFlags makes classes (a value parseKeyspaceEvents accepted) the
// ones in force. Without K or E nothing can be published, so the flags are
// kept as zero and the hot path's test fails at once.
func (s *Server) setNotifyFlags(classes string) {
	flags, _ := keyspaceEventFlags(classes)
	if flags&(nkKeyspace|nkKeyevent) == 0 {
		flags = 0
	}
	s.notifyFlags.Store(int32(flags))
}

// notify reports event on key, in the client's selected database, when
// class is enabled: Redis's notifyKeyspaceEvent(class, event, key, db).
func (c *client) notify(class int, event string, key []byte) {
	if int(c.srv.notifyFlags.Load())&class == 0 {
		return
	}
	c.srv.notifySlow(class, event, keyOf(key), c.dbIndex)
}

// notifyKey is notify for a key in database db, for code with no client
// at hand or a key given as a string.
func (s *Server) notifyKey(db int, class int, event, key string) {
	if int(s.notifyFlags.Load())&class == 0 {
		return
	}
	s.notifySlow(class, event, key, db)
}

// notifyIn is notify for an event in database db (MOVE's and COPY's
// destination).
func (c *client) notifyIn(db, class int, event string, key []byte) {
	if int(c.srv.notifyFlags.Load())&class == 0 {
		return
	}
	c.srv.notifySlow(class, event, keyOf(key), db)
}

// notifies reports whether events of class are published, for handlers
// that would do extra work to report them.
func (c *client) notifies(class int) bool { return int(c.srv.notifyFlags.Load())&class != 0 }

// notifyDelIfGone reports "del" for a key that a removal just emptied
// (the store deletes an empty aggregate, as Redis does), as the view's
// OpNotes recorded it. A view without notes (an embedder's) looks at the
// key again instead, which another writer could race.
func (c *client) notifyDelIfGone(key []byte) { c.srv.notifyDelIfGone(c.db, keyOf(key)) }

func (s *Server) notifyDelIfGone(db *store.DB, key string) {
	var emptied bool
	if n := db.Notes(); n != nil {
		emptied, n.Emptied = n.Emptied, false
	} else if int(s.notifyFlags.Load())&nkGeneric != 0 {
		emptied = db.Exists(key) == 0
	}
	if emptied && int(s.notifyFlags.Load())&nkGeneric != 0 {
		s.notifySlow(nkGeneric, "del", key, db.Index())
	}
}

// notifyPop reports a pop from the list at key, as Redis's
// listElementsRemoved: "lpop" or "rpop", then "del" if it emptied it.
func (s *Server) notifyPop(db *store.DB, key string, end store.ListEnd) {
	if int(s.notifyFlags.Load())&(nkList|nkGeneric) == 0 {
		return
	}
	if end == store.ListLeft {
		s.notifyKey(db.Index(), nkList, "lpop", key)
	} else {
		s.notifyKey(db.Index(), nkList, "rpop", key)
	}
	s.notifyDelIfGone(db, key)
}

// notifyZPop reports a pop from the sorted set at key, as Redis's
// genericZpopCommand: "zpopmin" or "zpopmax", then "del" if it emptied it.
func (s *Server) notifyZPop(db *store.DB, key string, max bool) {
	if int(s.notifyFlags.Load())&(nkZset|nkGeneric) == 0 {
		return
	}
	if max {
		s.notifyKey(db.Index(), nkZset, "zpopmax", key)
	} else {
		s.notifyKey(db.Index(), nkZset, "zpopmin", key)
	}
	s.notifyDelIfGone(db, key)
}

// notifyMove reports an LMOVE in Redis's order (lmoveGenericCommand): the
// push onto dst, the pop from src, then "del" if src was emptied.
func (s *Server) notifyMove(db *store.DB, src, dst string, from, to store.ListEnd) {
	if int(s.notifyFlags.Load())&(nkList|nkGeneric) == 0 {
		return
	}
	if to == store.ListLeft {
		s.notifyKey(db.Index(), nkList, "lpush", dst)
	} else {
		s.notifyKey(db.Index(), nkList, "rpush", dst)
	}
	s.notifyPop(db, src, from)
}

// notifyStoreBefore tells, for a *STORE command about to write dst,
// whether dst exists: an empty result deletes it, and Redis reports "del"
// only if there was something to delete. It looks only when "del" would
// be published.
func (c *client) notifyStoreBefore(dst []byte) bool {
	return c.notifies(nkGeneric) && c.db.Exists(keyOf(dst)) > 0
}

// notifyStore reports a *STORE command's result of n elements at dst:
// event (class) when it stored something, "del" when an empty result
// deleted an existing dst, nothing after an error.
func (c *client) notifyStore(class int, event string, dst []byte, n int, existed bool, err error) {
	switch {
	case err != nil:
	case n > 0:
		c.notify(class, event, dst)
	case existed:
		c.notify(nkGeneric, "del", dst)
	}
}

// notifyKeyEvent is the store's OnKeyEvent: it runs with a shard lock
// held, and publishing only appends to subscribers' buffers, so it keeps
// the store's rule (never call back into the store).
func (s *Server) notifyKeyEvent(db int, ev store.KeyEvent, key string) {
	if ev == store.KeyExpired || ev == store.KeyEvicted {
		s.aofKeyGone(db, key)
	}
	flags := int(s.notifyFlags.Load())
	if flags == 0 {
		return
	}
	switch ev {
	case store.KeyExpired:
		if flags&nkExpired != 0 {
			s.notifySlow(nkExpired, "expired", key, db)
		}
	case store.KeyCreated:
		if flags&nkNew != 0 {
			s.notifySlow(nkNew, "new", key, db)
		}
	case store.KeyMissed:
		if flags&nkKeyMiss != 0 {
			s.notifySlow(nkKeyMiss, "keymiss", key, db)
		}
	case store.KeyEvicted:
		s.notifyEvicted(db, key)
	}
}

// notifyEvicted reports a key that eviction removed ("evicted", class e).
// The eviction work calls it (or raises store.KeyEvicted).
func (s *Server) notifyEvicted(db int, key string) {
	if int(s.notifyFlags.Load())&nkEvicted != 0 {
		s.notifySlow(nkEvicted, "evicted", key, db)
	}
}

var channelPool = sync.Pool{New: func() any { b := make([]byte, 0, 64); return &b }}

// notifySlow publishes one event; class is known to be enabled.
func (s *Server) notifySlow(class int, event, key string, db int) {
	flags := int(s.notifyFlags.Load())
	if flags&class == 0 {
		return // changed by CONFIG SET since the caller looked
	}
	bp := channelPool.Get().(*[]byte)
	buf := *bp
	if flags&nkKeyspace != 0 {
		buf = append(buf[:0], "__keyspace@"...)
		buf = strconv.AppendInt(buf, int64(db), 10)
		buf = append(buf, "__:"...)
		buf = append(buf, key...)
		n := len(buf)
		buf = append(buf, event...)
		s.notifyPublish(buf[:n], buf[n:])
	}
	if flags&nkKeyevent != 0 {
		buf = append(buf[:0], "__keyevent@"...)
		buf = strconv.AppendInt(buf, int64(db), 10)
		buf = append(buf, "__:"...)
		buf = append(buf, event...)
		n := len(buf)
		buf = append(buf, key...)
		s.notifyPublish(buf[:n], buf[n:])
	}
	if cap(buf) <= 4096 {
		*bp = buf[:0]
		channelPool.Put(bp)
	}
}

// notifyPublish hands one notification to Pub/Sub's subscribers. It may
// run with shard locks held (the store's OnKeyEvent): publishing only
// appends to the subscribers' output buffers and takes no store lock.
func (s *Server) notifyPublish(channel, message []byte) {
	s.publish(channel, message)
}
