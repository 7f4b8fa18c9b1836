package store

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emberkv/ember/internal/listpack"
)

// A Snapshot is a point-in-time image of every database, taken while the
// store keeps serving (BGSAVE, the AOF rewrite). Go cannot fork, so it
// works shard by shard:
//
//   - the cut (Store.Snapshot) holds every shard's lock for a moment and
//     only marks each shard "pending" for this snapshot: O(shards);
//   - Next visits each shard's segments (snapSegments ranges of key
//     hashes, the scan index's order) in order and, under the shard's
//     lock, serializes a segment's live entries into a buffer through the
//     caller's EntryEncoder;
//   - any change to a key whose segment is still pending saves that key
//     first, as it was (shard.saveKey, called where entries are stored,
//     removed or handed out for an in-place change): its encoding joins
//     the segment's image, and Next's walk skips it; a change of a whole
//     shard (FLUSHALL, SWAPDB, Install) serializes all of it first
//     (shard.saveAll).
//
// So every entry is serialized exactly as it was at the cut, a client
// pays for the one key it changes, the longest a client waits is the
// saver's walk of one segment (1/64 of a shard), and the extra memory is
// at most the serialized image plus the names of the keys saved early.
// Keys whose TTL had passed at the cut are left out.
type Snapshot struct {
	s      *Store
	enc    EntryEncoder
	cutMs  int64
	shards []*shard // every shard of every database, in database order
	// Per segment, slot i*snapSegments+j for segment j of shards[i], each
	// guarded by that shard's lock: its image, whether it was serialized,
	// and how many entries the image holds.
	chunks [][]byte
	done   []bool
	counts []int
	sizes  []DBSize // per database, at the cut
	save   saveAccess
	next   int   // the next shard Next returns
	keys   int64 // entries returned by Next so far
	// longest is the longest one shard's serialization took, in ns: the
	// longest a client waited for it.
	longest atomic.Int64
	// free holds chunks given back with Recycle, for the next shards.
	freeMu sync.Mutex
	free   [][]byte

	// late holds, per segment, the strings serializeSeg set aside, to be
	// encoded by Next without the lock; guarded like chunks. freeLate
	// recycles them (under freeMu); lateEntry is Next's view of one.
	// saved holds, per segment not serialized yet, the keys clients saved
	// before changing them (saveOne): their image is in chunks already,
	// or they had none. Guarded like chunks.
	saved     []map[string]struct{}
	late      []*lateSet
	freeLate  []*lateSet
	lateEntry entry
}

// lateSet is the strings of one segment set aside to be encoded later,
// with the copies of the bytes of those the store may change in place.
type lateSet struct {
	strs    []lateString
	bytes   []byte
	touched byte // touchStrings' result, kept so that its reads stay
}

// EntryEncoder appends the serialization of one entry to buf and returns
// it. It runs with the entry's shard locked, possibly on a client's
// goroutine (or, for a string, on Next's goroutine after the lock is let
// go), so it must be quick and must never call the store. v and
// everything it hands out are valid only during the call.
type EntryEncoder func(buf []byte, v *EntryView) []byte

// SnapshotOptions configure Store.Snapshot.
type SnapshotOptions struct {
	// Encode serializes each entry (required).
	Encode EntryEncoder
	// AtCut, if set, is called at the cut, with every shard of every
	// database held: nothing changes in the store while it runs. The AOF
	// rewrite switches to a new incremental file there, so that the file
	// and the image meet exactly. cutMs is the cut's time in Unix ms.
	AtCut func(cutMs int64)
}

// DBSize is a database's key counts at a snapshot's cut, for RDB's
// RESIZEDB. They count keys whose TTL passed but that were not reclaimed
// yet, as Redis's dictSize does.
type DBSize struct {
	Keys    int
	Expires int
}

// Snapshot takes the cut of a point-in-time image of every database; see
// Snapshot. Read it with Next until it reports the end, or give it up
// with Close. Several snapshots may be in progress at once.
func (s *Store) Snapshot(opts SnapshotOptions) *Snapshot {
	nsh := len(s.dbs) * len(s.dbs[0].shards)
	sn := &Snapshot{
		s:      s,
		enc:    opts.Encode,
		shards: make([]*shard, 0, nsh),
		chunks: make([][]byte, nsh*snapSegments),
		late:   make([]*lateSet, nsh*snapSegments),
		saved:  make([]map[string]struct{}, nsh*snapSegments),
		done:   make([]bool, nsh*snapSegments),
		counts: make([]int, nsh*snapSegments),
		sizes:  make([]DBSize, len(s.dbs)),
	}
	s.lockAll() // every shard, under the wide lock (wide.go)
	sn.cutMs = s.nowMs()
	ev := s.eviction.Load()
	sn.save = saveAccess{lru: ev.Policy == AllKeysLRU || ev.Policy == VolatileLRU, lfu: ev.Policy.LFU(),
		sec: uint32(sn.cutMs / 1000), decay: ev.LFUDecayTime}
	for i, db := range s.dbs {
		for _, sh := range db.shards {
			sh.snaps = append(sh.snaps, snapMark{sn: sn, i: len(sn.shards), left: snapSegments})
			sn.shards = append(sn.shards, sh)
			sn.sizes[i].Keys += sh.data.items.Len()
			sn.sizes[i].Expires += len(sh.data.volatile)
		}
	}
	if opts.AtCut != nil {
		opts.AtCut(sn.cutMs)
	}
	s.unlockAll()
	return sn
}

// CutMs is the time of the cut, Unix ms.
func (sn *Snapshot) CutMs() int64 { return sn.cutMs }

// Size returns database db's key counts at the cut.
func (sn *Snapshot) Size(db int) DBSize { return sn.sizes[db] }

// Databases is the number of databases in the image.
func (sn *Snapshot) Databases() int { return len(sn.sizes) }

// Next returns the image of the next segment of a shard, in database
// order: the concatenated encodings of its live entries (possibly empty)
// and its database's number. ok is false past the last one. The chunk is
// the caller's to keep (or to give back with Recycle).
func (sn *Snapshot) Next() (db int, chunk []byte, ok bool) {
	if sn.next >= len(sn.chunks) {
		return 0, nil, false
	}
	k := sn.next
	sn.next++
	db, chunk, n := sn.take(k, &sn.lateEntry)
	sn.keys += int64(n)
	return db, chunk, true
}

// Each calls fn with each segment's image in Next's order, the
// segments serialized by up to workers goroutines at once. A worker takes
// every workers-th shard, whole: two segments of one shard would wait for
// each other's lock. It may run a shard ahead of fn (about a
// shard's share of the image, held until fn takes it). Each stops at the
// first error of fn, and returns it. It consumes sn as Next does.
func (sn *Snapshot) Each(workers int, fn func(db int, chunk []byte) error) error {
	workers = max(1, min(workers, len(sn.chunks)-sn.next))
	if workers == 1 {
		for {
			db, chunk, ok := sn.Next()
			if !ok {
				return nil
			}
			if err := fn(db, chunk); err != nil {
				return err
			}
		}
	}
	type image struct {
		db, n int
		chunk []byte
	}
	first := sn.next
	// worker returns the worker of segment k: shards taken in turn,
	// from the one first is in.
	firstShard := first / snapSegments
	worker := func(k int) int { return (k/snapSegments - firstShard) % workers }
	out := make([]chan image, workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range out {
		out[w] = make(chan image, snapSegments+1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(out[w])
			var late entry // this goroutine's encodeLate scratch
			for i := firstShard + w; i < len(sn.shards); i += workers {
				for k := max(first, i*snapSegments); k < (i+1)*snapSegments; k++ {
					var im image
					im.db, im.chunk, im.n = sn.take(k, &late)
					select {
					case out[w] <- im:
					case <-stop:
						return
					}
				}
			}
		}()
	}
	var err error
	for k := first; k < len(sn.chunks); k++ {
		im := <-out[worker(k)]
		sn.next = k + 1
		sn.keys += int64(im.n)
		if err = fn(im.db, im.chunk); err != nil {
			break
		}
	}
	close(stop)
	wg.Wait()
	return err
}

// take serializes segment k, unless a client or saveAll did already, and
// hands over its image, its database, and how many entries it holds.
// Calls for different segments may run at once; late is the caller's
// scratch for encodeLate.
func (sn *Snapshot) take(k int, late *entry) (db int, chunk []byte, n int) {
	i, j := k/snapSegments, k%snapSegments
	sh := sn.shards[i]
	if sn.sizes[sh.dbIndex].Keys > 0 {
		// A fresh time slice before the lock: the saver runs without
		// blocking, so the runtime preempts it every 10 ms, and one
		// preempted under a shard's lock keeps that shard's clients
		// waiting until it runs again (see serializeSeg).
		runtime.Gosched()
	}
	sh.mu.Lock()
	if !sn.done[k] {
		sh.serializeSeg(sh.markOf(sn), j)
	}
	chunk, sn.chunks[k] = sn.chunks[k], nil
	n = sn.counts[k]
	db = sh.dbIndex
	ls := sn.late[k]
	sn.late[k] = nil
	sh.mu.Unlock()
	if ls != nil {
		chunk = sn.encodeLate(chunk, db, ls, late)
	}
	return db, chunk, n
}

// lateString is a string entry of a segment, taken under the shard's
// lock and encoded by Next after it lets the lock go.
type lateString struct {
	key string
	e   entry
	off int // where e's bytes start in lateSet.bytes, -1: not copied
}

// lateMax is the longest string Next encodes after letting the lock go
// when its bytes must be copied first (see serializeSeg); a longer one is
// encoded under the lock.
const lateMax = 64 << 10

// encodeLate appends the encodings of the strings serializeSeg set aside
// in ls to chunk, without the shard's lock, then recycles ls.
func (sn *Snapshot) encodeLate(chunk []byte, db int, ls *lateSet, late *entry) []byte {
	v := EntryView{DB: db, e: late, save: &sn.save}
	for i := range ls.strs {
		if i%touchAhead == 0 {
			ls.touched = touchStrings(ls.strs[i:min(i+touchAhead, len(ls.strs))])
		}
		l := &ls.strs[i]
		if l.off >= 0 {
			n := len(l.e.str())
			l.e.setStr(ls.bytes[l.off : l.off+n : l.off+n])
		}
		*late = l.e
		v.Key, v.Kind, v.ExpireAt = l.key, l.e.kind(), l.e.expireAt
		chunk = sn.enc(chunk, &v)
		*l = lateString{} // let the values go
	}
	*late = entry{}
	ls.strs, ls.bytes = ls.strs[:0], ls.bytes[:0]
	if cap(ls.bytes) <= 1<<20 {
		sn.freeMu.Lock()
		if len(sn.freeLate) < 4 {
			sn.freeLate = append(sn.freeLate, ls)
		}
		sn.freeMu.Unlock()
	}
	return chunk
}

// toCopy marks a lateString whose bytes copyOwned has yet to copy.
const toCopy = -2

// copyOwned copies the bytes of the strings from strs[from:] that the
// store owns (their bytes may change once the lock is gone) into ls's own
// buffer. It reads the first byte of each before it copies any, as
// touchStrings does, so that their cache misses overlap: copied one
// after the other as the walk met them, they made a save of 1M short
// owned strings a fifth slower.
func (ls *lateSet) copyOwned(from int) {
	strs := ls.strs[from:]
	for i := range strs {
		if b := strs[i].e.str(); strs[i].off == toCopy && len(b) > 0 {
			ls.touched ^= b[0]
		}
	}
	for i := range strs {
		if strs[i].off == toCopy {
			strs[i].off = len(ls.bytes)
			ls.bytes = append(ls.bytes, strs[i].e.str()...)
		}
	}
}

// touchAhead is how many keys serializeSeg, and how many values
// encodeLate, read ahead of their work (touchKeys, touchStrings).
const touchAhead = 32

// touchStrings reads the first byte of each value. The walk under the
// lock copied each entry but did not read its value (unless the store
// owns it), so the value is in memory no cache holds: encoding value
// after value met one miss after the other (a CPU profile of a BGSAVE
// put four fifths of LZF's time on its first read of the input). These
// reads do not depend on one another, so the processor has the next
// values' misses in flight at once. The result only keeps the reads from
// being dropped. A value the store owns was copied under the lock, and
// its bytes in the store may be changing now: it is skipped.
func touchStrings(strs []lateString) byte {
	var x byte
	for i := range strs {
		if strs[i].off >= 0 {
			continue
		}
		if b := strs[i].e.str(); len(b) > 0 {
			x ^= b[0]
		}
	}
	return x
}

// touchKeys is touchStrings for the keys of the walk: the scan index
// holds only their bytes' address, and a lookup's hashing met their
// misses one after the other (aeshashbody was a fifth of a BGSAVE's
// profile).
func touchKeys(keys []string) byte {
	var x byte
	for _, k := range keys {
		if len(k) > 0 {
			x ^= k[0]
		}
	}
	return x
}

// takeLate returns a recycled lateSet, or a new one.
func (sn *Snapshot) takeLate() *lateSet {
	sn.freeMu.Lock()
	defer sn.freeMu.Unlock()
	if k := len(sn.freeLate); k > 0 {
		ls := sn.freeLate[k-1]
		sn.freeLate = sn.freeLate[:k-1]
		return ls
	}
	return &lateSet{}
}

// Recycle gives back a chunk from Next once it is written, so that the
// next shards reuse its memory instead of allocating.
func (sn *Snapshot) Recycle(chunk []byte) {
	if cap(chunk) == 0 || cap(chunk) > 8<<20 {
		return
	}
	sn.freeMu.Lock()
	if len(sn.free) < 2*snapSegments+4 { // what Each may hold: a shard ahead for two workers
		sn.free = append(sn.free, chunk[:0])
	}
	sn.freeMu.Unlock()
}

func (sn *Snapshot) takeBuf() []byte {
	sn.freeMu.Lock()
	defer sn.freeMu.Unlock()
	if k := len(sn.free); k > 0 {
		b := sn.free[k-1]
		sn.free = sn.free[:k-1]
		return b
	}
	return nil
}

// Keys is the number of entries Next has returned so far.
func (sn *Snapshot) Keys() int64 { return sn.keys }

// LongestShard is the longest time one segment's serialization took so
// far: the longest an operation may have waited for it.
func (sn *Snapshot) LongestShard() time.Duration { return time.Duration(sn.longest.Load()) }

// Close gives up the snapshot: segments not visited yet are no longer
// serialized for it. Calling it after the last Next is harmless.
func (sn *Snapshot) Close() {
	for k := sn.next; k < len(sn.chunks); k++ {
		if k%snapSegments == 0 || k == sn.next {
			sh := sn.shards[k/snapSegments]
			sh.mu.Lock()
			sh.dropMark(sn)
			sh.mu.Unlock()
		}
		sn.chunks[k] = nil
		sn.late[k] = nil
		sn.saved[k] = nil
	}
	sn.next = len(sn.chunks)
}

// snapSegments is how many ranges of key hashes a shard is serialized in:
// the unit a client may wait for.
const (
	snapSegBits  = 6
	snapSegments = 1 << snapSegBits
)

// snapMark says a shard is pending for a snapshot: slot i of it, with
// left segments not serialized yet.
type snapMark struct {
	sn      *Snapshot
	i       int
	left    int
	touched byte // serializeSeg's batches' reads, kept so that they stay
}

// lock takes the shard's lock for an operation.
func (sh *shard) lock() { sh.mu.Lock() }

// markOf returns the shard's mark for sn (it must be pending for it).
func (sh *shard) markOf(sn *Snapshot) *snapMark {
	for j := range sh.snaps {
		if sh.snaps[j].sn == sn {
			return &sh.snaps[j]
		}
	}
	panic("store: snapshot mark missing")
}

// segOf is the segment of a key's hash within its shard.
func (sh *shard) segOf(h uint64) int {
	return int((h << (64 - sh.store.shift)) >> (64 - snapSegBits))
}

// saveKey is called, the lock held, before a change to key (of hash h):
// storing, removing, or handing out its value to be changed in place. For
// every snapshot whose segment of the key is not serialized yet, the key
// is saved first as it is, which is as it was at the cut (every change
// since went through here): its entry is encoded into the segment's
// image, or, if it has none, it is noted as absent, and the saver's walk
// of the segment then skips it (serializeSeg). This is a copy-on-write of
// the one key: the client pays for it, not for the whole segment. With
// no snapshot running it costs one length test.
func (sh *shard) saveKey(key string, h uint64) {
	if len(sh.snaps) == 0 {
		return
	}
	j := sh.segOf(h)
	for i := range sh.snaps {
		sh.saveOne(&sh.snaps[i], j, key)
	}
}

// saveOne saves key, of segment j, for m's snapshot (see saveKey).
func (sh *shard) saveOne(m *snapMark, j int, key string) {
	sn := m.sn
	k := m.i*snapSegments + j
	if sn.done[k] {
		return
	}
	seen := sn.saved[k]
	if _, ok := seen[key]; ok {
		return
	}
	if seen == nil {
		seen = make(map[string]struct{})
		sn.saved[k] = seen
	}
	if e, ok := sh.data.items.Peek(key); ok && (e.expireAt == 0 || e.expireAt > sn.cutMs) {
		v := EntryView{DB: sh.dbIndex, Key: key, Kind: e.kind(), ExpireAt: e.expireAt, e: &e, save: &sn.save}
		sn.chunks[k] = sn.enc(sn.chunks[k], &v)
		sn.counts[k]++
	}
	seen[clone(key)] = struct{}{}
}

// saveAll serializes every pending segment, before the shard's data is
// replaced as a whole (a flush, SWAPDB, Install).
func (sh *shard) saveAll() {
	for len(sh.snaps) != 0 {
		m := &sh.snaps[0]
		for j := range snapSegments {
			if !m.sn.done[m.i*snapSegments+j] {
				if sh.serializeSeg(m, j) {
					break
				}
			}
		}
	}
}

// serializeSeg writes segment j's image for m's snapshot, the lock held,
// and reports whether that was the shard's last pending segment (its
// mark is then dropped).
//
// Strings are only set aside, for Next to encode once it has let the
// lock go: the lock is held for a walk that copies a few words per key,
// not for the encoding (LZF of every value over 20 bytes). This matters
// more than the CPU it moves: a goroutine preempted while it holds a
// shard's lock waits in the run queue behind every runnable client, tens
// of milliseconds on a busy machine, while the clients of that shard wait
// for the lock. A runtime trace of BGSAVEs under 20 writers showed the
// saver preempted under a lock 53 times in 3 s, for up to 119 ms. (Clients
// were too, 47 times, when a client's write serialized the key's whole
// segment; now it saves the one key, saveOne.) A string's bytes are taken as they are, since
// they never change once a view of them may exist, unless the store owns
// them (bit commands change those in place): those are copied, and, past
// lateMax bytes, encoded under the lock. Aggregates change in place, so
// they are encoded under the lock. Keys that clients saved already are
// skipped.
func (sh *shard) serializeSeg(m *snapMark, j int) bool {
	sn := m.sn
	k := m.i*snapSegments + j
	start := time.Now()
	n := 0
	v := EntryView{DB: sh.dbIndex, save: &sn.save}
	cut := sn.cutMs
	d := sh.data
	// The range of hashes of segment j of this shard.
	shift := sh.store.shift
	base := uint64(0)
	if shift < 64 {
		base = (uint64(m.i%len(sh.store.dbs[0].shards)) << shift)
	}
	width := uint64(1) << (shift - snapSegBits)
	lo := base + uint64(j)*width
	hi := lo + width // 0 after the last segment of the last shard: no bound
	// The walk allocates nothing but the chunk (recycled, see Recycle):
	// allocating while the collector marks a large heap makes the
	// allocating goroutine help it, and here that goroutine may be a
	// client waiting for this segment.
	// The image so far holds the keys clients saved (saveOne), which the
	// walk skips.
	buf := sn.chunks[k]
	if buf == nil {
		buf = sn.takeBuf()
	}
	seen := sn.saved[k]
	var ls *lateSet
	cur := new(entry) // one copy for the whole walk: &e would escape per key
	v.e = cur
	visit := func(key string) {
		if _, saved := seen[key]; saved {
			return
		}
		e, ok := d.items.Peek(key)
		if !ok || (e.expireAt != 0 && e.expireAt <= cut) {
			return
		}
		n++
		if e.kind() == KindString && (!e.owned() || len(e.str()) <= lateMax) {
			if ls == nil {
				ls = sn.takeLate()
			}
			off := -1
			if e.owned() {
				off = toCopy // by copyOwned, after the batch
			}
			ls.strs = append(ls.strs, lateString{key: key, e: e, off: off})
			return
		}
		*cur = e
		v.Key, v.Kind, v.ExpireAt = key, e.kind(), e.expireAt
		buf = sn.enc(buf, &v)
	}
	// The keys go by in batches, their first bytes read together before
	// any is looked up (touchKeys).
	var batch [touchAhead]string
	nb := 0
	visitBatch := func() {
		m.touched = touchKeys(batch[:nb])
		from := 0
		if ls != nil {
			from = len(ls.strs)
		}
		for _, key := range batch[:nb] {
			visit(key)
		}
		if ls != nil {
			ls.copyOwned(from)
		}
		nb = 0
	}
	d.order.Ascend(d.order.Item(lo, ""), func(it scanItem) bool {
		if hi != 0 && base|d.order.Bits(it) >= hi {
			return false
		}
		batch[nb] = it.Key()
		nb++
		if nb == len(batch) {
			visitBatch()
		}
		return true
	})
	visitBatch()
	sn.late[k] = ls
	sn.chunks[k] = buf
	sn.counts[k] += n
	sn.done[k] = true
	sn.saved[k] = nil
	if d := int64(time.Since(start)); d > sn.longest.Load() {
		// Racy max: a close second may win; good enough for a statistic.
		sn.longest.Store(d)
	}
	m.left--
	if m.left == 0 {
		sh.dropMark(sn)
		return true
	}
	return false
}

func (sh *shard) dropMark(sn *Snapshot) {
	for j, m := range sh.snaps {
		if m.sn == sn {
			sh.snaps = append(sh.snaps[:j], sh.snaps[j+1:]...)
			break
		}
	}
	if len(sh.snaps) == 0 {
		sh.snaps = nil
	}
}

// EntryView is a read-only view of one key and its value, handed to an
// EntryEncoder (or to DB.View's function). It and every slice it hands
// out are valid only during that call, and must not be written.
type EntryView struct {
	DB       int
	Key      string
	Kind     Kind
	ExpireAt int64 // absolute Unix ms; 0 means no expiry
	e        *entry
	save     *saveAccess // a snapshot's: what to say of the access
}

// saveAccess is what a snapshot says of each key's last access, as
// Redis's rdbSaveKeyValuePair: the idle time under an LRU policy, the LFU
// counter under an LFU one, nothing under any other.
type saveAccess struct {
	lru, lfu bool
	sec      uint32 // the cut, Unix seconds
	decay    int    // lfu-decay-time
}

// SavedAccess is what an RDB file says of the key's last access, as
// Redis writes it under the store's maxmemory-policy at the snapshot's
// cut: idleSec (IDLE) under allkeys-lru or volatile-lru, freq (FREQ, the
// LFU counter after its decay) under allkeys-lfu or volatile-lfu; -1 for
// what it does not say (and always for a view not from a snapshot).
func (v *EntryView) SavedAccess() (idleSec int64, freq int) {
	a := v.save
	switch {
	case a == nil:
		return -1, -1
	case a.lru:
		return int64(lruIdle(a.sec, v.e.access())), -1
	case a.lfu:
		return -1, int(lfuDecayed(v.e, lfuMinutes(a.sec), a.decay))
	}
	return -1, -1
}

// Encoding is the value's OBJECT ENCODING name, Redis 7.0's: "embstr",
// "int" or "raw" for a string; "quicklist"; "intset" or "hashtable";
// "listpack" or "skiplist"; "listpack" or "hashtable".
func (v *EntryView) Encoding() string {
	if v.Kind == KindString {
		enc, _ := stringEncoding(*v.e)
		return enc
	}
	return v.e.agg().encoding()
}

// Len is the number of elements of an aggregate (pairs for a hash), or
// the length of a string.
func (v *EntryView) Len() int {
	if v.Kind == KindString {
		return len(v.e.str())
	}
	return v.e.agg().length()
}

// Str returns a string's bytes.
func (v *EntryView) Str() []byte { return v.e.str() }

// Listpack returns the raw listpack of a hash or sorted set in the
// listpack encoding (byte for byte Redis's), nil for any other value.
func (v *EntryView) Listpack() []byte {
	switch a := v.e.agg().(type) {
	case *hash:
		if a.ht == nil {
			return a.lp
		}
	case *zset:
		if a.idx == nil {
			return a.lp
		}
	}
	return nil
}

// Intset returns the raw intset of a set in the intset encoding (byte for
// byte Redis's), nil for any other value.
func (v *EntryView) Intset() []byte {
	if s, ok := v.e.agg().(*set); ok && s.ht == nil {
		return s.is
	}
	return nil
}

// ListNodes calls fn with each node of a list, head first: a listpack
// (Redis's PACKED node) or, when plain is true, one element's bytes (a
// PLAIN node), until fn returns false.
func (v *EntryView) ListNodes(fn func(node []byte, plain bool) bool) {
	l, ok := v.e.agg().(*listValue)
	if !ok {
		return
	}
	l.ql.ForEachNode(func(lp []byte, plain bool) bool {
		if plain {
			// A plain node keeps its one element in a listpack.
			var buf [24]byte
			return fn(lpMember(lp, listpack.First(lp), &buf), true)
		}
		return fn(lp, false)
	})
}

// ListEach calls fn with each element of a list, head first, until fn
// returns false.
func (v *EntryView) ListEach(fn func(elem []byte) bool) {
	l, ok := v.e.agg().(*listValue)
	if !ok {
		return
	}
	var buf [24]byte
	it := l.ql.IterAt(0, true)
	for it.Next() {
		if !fn(it.Append(buf[:0])) {
			return
		}
	}
}

// SetEach calls fn with each member of a set (integers of an intset as
// decimal text) until fn returns false.
func (v *EntryView) SetEach(fn func(member []byte) bool) {
	s, ok := v.e.agg().(*set)
	if !ok {
		return
	}
	var buf [24]byte
	s.each(func(m setMember) bool { return fn(m.appendTo(buf[:0])) })
}

// HashEach calls fn with each field and value of a hash until fn returns
// false.
func (v *EntryView) HashEach(fn func(field, value []byte) bool) {
	h, ok := v.e.agg().(*hash)
	if !ok {
		return
	}
	var num intText
	h.each(&num, fn)
}

// ZSetEach calls fn with each member and score of a sorted set, in
// ascending order, until fn returns false.
func (v *EntryView) ZSetEach(fn func(member []byte, score float64) bool) {
	if z, ok := v.e.agg().(*zset); ok {
		z.ascend(0, fn)
	}
}

// ZSetEachDesc calls fn with each member and score of a sorted set, in
// descending order (how Redis writes a skiplist to an RDB file, so that
// its loader inserts at the head), until fn returns false.
func (v *EntryView) ZSetEachDesc(fn func(member []byte, score float64) bool) {
	if z, ok := v.e.agg().(*zset); ok {
		z.descend(z.length()-1, fn)
	}
}

// View calls fn with a view of key's live entry, as a read (it counts a
// hit or a miss and updates the key's recency, as DUMP's lookupKeyRead).
// It reports whether the key exists. fn runs with the key's shard locked:
// it must be quick and must not call the store.
func (db *DB) View(key string, fn func(v *EntryView)) bool {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	e, ok := sh.lookup(key, h, &t)
	if !ok {
		return false
	}
	fn(&EntryView{DB: db.index, Key: key, Kind: e.kind(), ExpireAt: e.expireAt, e: &e})
	return true
}
