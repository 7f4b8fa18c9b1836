package store

import (
	"cmp"
	"runtime"
	"slices"
	"sync"

	"github.com/emberkv/ember/internal/hashorder"
	"github.com/emberkv/ember/internal/lanes"
)

// Staging is a whole keyspace being loaded (from an RDB file), built
// apart from the live databases and installed at once by Store.Install,
// so that a load that fails half way leaves nothing behind.
//
// One goroutine adds to it. On a machine with more than one processor
// the adds are stored by workers, one a processor, each owning a fixed
// set of shards (no locks): the map inserts, which are most of a load's
// time, run beside the reader that decodes the file. So an add's error
// that depends on what was added before (a key added twice) comes from
// Wait, not from the add.
type Staging struct {
	s    *Store
	data [][]*shardData // [db][shard]
	// order holds each shard's scan index items until Install loads them
	// sorted, with the index's buckets sized for them first.
	order [][][]scanItem
	keys  int

	nworkers int
	pending  [][]stagedKey             // per worker: adds not yet handed over
	workers  *lanes.Lanes[[]stagedKey] // nil while no worker runs
	busy     []*BusyKeyError           // per worker: the first key it found twice
}

// stagedKey is one add on its way to a worker.
type stagedKey struct {
	key string
	e   entry
	h   uint64
	db  int
	seq int // the add's place in the order of adds, for Wait's error
}

// stagingBatch is how many adds go to a worker at once: enough that
// the handover costs little a key, few enough that the batches in
// flight stay small (about 36 KB each).
const stagingBatch = 512

// BusyKeyError is the ErrBusyKey of a Staging: Key was added twice to
// database DB.
type BusyKeyError struct {
	DB  int
	Key string
	seq int
}

func (e *BusyKeyError) Error() string { return ErrBusyKey.Error() }
func (e *BusyKeyError) Unwrap() error { return ErrBusyKey }

// NewStaging returns an empty keyspace shaped as the store's.
func (s *Store) NewStaging() *Staging {
	st := &Staging{s: s, data: make([][]*shardData, len(s.dbs)), order: make([][][]scanItem, len(s.dbs))}
	for i, db := range s.dbs {
		st.order[i] = make([][]scanItem, len(db.shards))
		st.data[i] = make([]*shardData, len(db.shards))
		for j := range st.data[i] {
			st.data[i][j] = newShardData(s.shardBits())
		}
	}
	st.nworkers = min(runtime.GOMAXPROCS(0), len(s.dbs[0].shards))
	st.pending = make([][]stagedKey, st.nworkers)
	st.busy = make([]*BusyKeyError, st.nworkers)
	return st
}

// Keys is the number of keys added.
func (st *Staging) Keys() int { return st.keys }

// Access is what a dump file says of a key's last access: Redis writes
// IdleSec (RDB's IDLE, seconds) under an LRU maxmemory-policy and Freq
// (FREQ, the LFU counter) under an LFU one. Either is -1 when absent.
type Access struct {
	IdleSec int64
	Freq    int
}

// NoAccess is an Access that says nothing: the key starts fresh.
var NoAccess = Access{IdleSec: -1, Freq: -1}

// loadedAccess is the access data of a loaded key, as Redis's
// objectSetLRUOrLFU after rdbLoadObject: the file's FREQ under an LFU
// policy, its IDLE under any other, else a fresh access.
func (s *Store) loadedAccess(acc Access) uint32 {
	lfu := s.eviction.Load().Policy.LFU()
	if lfu && acc.Freq >= 0 || !lfu && acc.IdleSec >= 0 {
		sec := uint32(s.nowMs() / 1000)
		if lfu {
			return uint32(lfuMinutes(sec))<<8 | uint32(min(acc.Freq, 255))
		}
		return sec - uint32(min(acc.IdleSec, int64(sec)))
	}
	return s.freshAccess()
}

// Add stores v at key in database db with the given expiry (0 for none)
// and what the file said of its last access.
// A database out of range is ErrDBIndex; an empty value is ErrEmptyValue
// (Redis skips such keys with a warning). A key added twice is a
// *BusyKeyError from Wait (Redis refuses an RDB file with a duplicate
// key).
func (st *Staging) Add(db int, key string, v *Value, expireAt int64, acc Access) error {
	if db < 0 || db >= len(st.data) {
		return ErrDBIndex
	}
	if err := v.done(); err != nil {
		return err
	}
	st.add(db, clone(key), v.newEntry(expireAt, st.s.loadedAccess(acc)))
	return nil
}

// AddString is Add for a string value, without building a Value: the
// loader's fast path. Unlike Add it keeps key and val as they are: pass
// memory that is yours and never written again.
func (st *Staging) AddString(db int, key string, val []byte, expireAt int64, acc Access) error {
	if db < 0 || db >= len(st.data) {
		return ErrDBIndex
	}
	if val == nil {
		val = []byte{}
	}
	e := stringEntry(val, flagOwned)
	e.expireAt = expireAt
	e.setAccess(st.s.loadedAccess(acc))
	st.add(db, key, e)
	return nil
}

// add hands e at key to the worker of key's shard, or stores it at once
// when there is one processor.
func (st *Staging) add(db int, key string, e entry) {
	h := st.s.hash(key)
	sk := stagedKey{key: key, e: e, h: h, db: db, seq: st.keys}
	st.keys++
	if st.nworkers == 1 {
		st.store(0, &sk)
		return
	}
	w := int(h>>st.s.shift) % st.nworkers
	if st.pending[w] == nil {
		st.pending[w] = st.batch()
	}
	if st.pending[w] = append(st.pending[w], sk); len(st.pending[w]) == stagingBatch {
		st.handOver(w)
	}
}

// batch returns an empty batch, one a worker is done with if any.
func (st *Staging) batch() []stagedKey {
	if st.workers != nil {
		if b, ok := st.workers.Spare(); ok {
			return b[:0]
		}
	}
	return make([]stagedKey, 0, stagingBatch)
}

// handOver sends worker w its pending adds, starting the workers first
// if none runs.
func (st *Staging) handOver(w int) {
	if st.workers == nil {
		st.workers = lanes.Start(st.nworkers, st.storeBatch)
	}
	st.workers.Send(w, st.pending[w])
	st.pending[w] = nil
}

// storeBatch stores a batch for worker w, and empties it for reuse.
func (st *Staging) storeBatch(w int, b []stagedKey) {
	for i := range b {
		st.store(w, &b[i])
		b[i] = stagedKey{} // the batch is reused: let go of the key
	}
}

// store puts one add in its shard. Only worker w calls it for the shards
// it owns.
func (st *Staging) store(w int, sk *stagedKey) {
	si := sk.h >> st.s.shift
	d := st.data[sk.db][si]
	// One map operation, not a lookup then an insert: a key already
	// there leaves the count as it was, and the load fails, so that the
	// overwritten entry does not matter.
	n := d.items.Len()
	d.items.Add(sk.key, sk.e)
	if d.items.Len() == n {
		if st.busy[w] == nil {
			st.busy[w] = &BusyKeyError{DB: sk.db, Key: sk.key, seq: sk.seq}
		}
		return
	}
	st.order[sk.db][si] = append(st.order[sk.db][si], d.order.Item(sk.h, sk.key))
	if sk.e.expireAt != 0 {
		d.volatile[sk.key] = struct{}{}
	}
	d.usedBytes += sk.e.size(sk.key)
}

// Wait returns once every add is stored, with the error of the first
// key (in the order of the adds) that was added twice, if any.
func (st *Staging) Wait() error {
	for w, b := range st.pending {
		if len(b) > 0 && st.workers != nil {
			st.workers.Send(w, b)
		} else {
			st.storeBatch(w, b) // too few adds yet to start the workers
		}
		st.pending[w] = nil
	}
	if st.workers != nil {
		st.workers.Close()
		st.workers = nil
	}
	var first *BusyKeyError
	for _, b := range st.busy {
		if b != nil && (first == nil || b.seq < first.seq) {
			first = b
		}
	}
	if first == nil {
		return nil
	}
	return first
}

// Install replaces the contents of every database with the staging's, at
// once (every shard is held): what loading an RDB file does. Watchers of
// keys that existed are told, as after a FLUSHALL. It waits for the
// adds first; a staging whose Wait failed must not be installed.
func (s *Store) Install(st *Staging) {
	st.Wait()
	// The scan indexes are built before any lock is taken, by as many
	// goroutines as there were workers.
	var wg sync.WaitGroup
	for w := range st.nworkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ranks []scanRank
			for i := range st.order {
				for j := w; j < len(st.order[i]); j += st.nworkers {
					items := st.order[i][j]
					ranks = sortScanItems(items, ranks)
					st.data[i][j].order.Load(len(ranks), func(yield func(scanItem) bool) {
						for _, r := range ranks {
							if !yield(items[r.i]) {
								return
							}
						}
					})
					st.order[i][j] = nil
				}
			}
		}()
	}
	wg.Wait()
	s.lockAll() // every shard, under the wide lock (wide.go)
	defer s.unlockAll()
	s.bumpEvictGen()
	for i, db := range s.dbs {
		for j, sh := range db.shards {
			sh.saveAll()
			sh.touchWatchedIfExists(sh.data)
			sh.touchWatchedIfExists(st.data[i][j])
			// The store's running totals follow the swap of the data.
			old, nd := sh.data, st.data[i][j]
			s.used.Add(nd.usedBytes - old.usedBytes)
			s.keys.Add(int64(nd.items.Len() - old.items.Len()))
			s.volatileKeys.Add(int64(len(nd.volatile) - len(old.volatile)))
			sh.data = nd
		}
	}
	st.data = nil
}

// scanRank is a scan item's place in the sort of sortScanItems.
type scanRank struct {
	hash uint32 // the item's Hash
	i    int32
}

// sortScanItems returns, in ranks (reused), the order of items by hash
// then key, the scan index's order. It sorts this pointer-free index
// rather than the items themselves: each move of an item (it holds a
// string) pays the collector's write barrier while a cycle runs, as one
// does through most of a load.
func sortScanItems(items []scanItem, ranks []scanRank) []scanRank {
	ranks = ranks[:0]
	for i, it := range items {
		ranks = append(ranks, scanRank{hash: it.Hash, i: int32(i)})
	}
	slices.SortFunc(ranks, func(a, b scanRank) int {
		if a.hash != b.hash {
			return cmp.Compare(a.hash, b.hash)
		}
		return hashorder.Compare(items[a.i], items[b.i])
	})
	return ranks
}
