package store

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHashMemAccounting checks that usedBytes stays exact through every
// kind of hash change, conversion included: after random operations it
// equals the sum of the entries' sizes computed afresh, and the hashtable's
// valBytes equals what its pairs take beyond their fields.
func TestHashMemAccounting(t *testing.T) {
	l := DefaultEncodingLimits()
	l.HashMaxListpackEntries, l.HashMaxListpackValue = 8, 16
	s := New(Options{SweepInterval: -1, EncodingLimits: &l, Clock: NewManualClock(time.Unix(1e9, 0))})
	defer s.Close()
	db := s.DB(0)
	rng := rand.New(rand.NewPCG(7, 7))
	for step := range 4000 {
		key := "h" + strconv.Itoa(rng.IntN(4))
		f := []byte("f" + strconv.Itoa(rng.IntN(30)))
		switch rng.IntN(5) {
		case 0, 1:
			db.HSet(key, f, []byte(strings.Repeat("v", rng.IntN(24))))
		case 2:
			db.HDel(key, f)
		case 3:
			db.HIncrBy(key, f, 3)
		case 4:
			db.HIncrByFloat(key, f, []byte("0.5"))
		}
		var want int64
		for _, sh := range db.shards {
			for _, k := range sh.data.items.Keys() {
				e, _ := sh.data.items.Peek(k)
				want += e.size(k)
				if h, ok := e.agg().(*hash); ok && h.ht != nil {
					vb := 0
					for f, v := range h.ht.All() {
						vb += pairExtra(len(f), len(v))
					}
					if vb != h.valBytes {
						t.Fatalf("step %d: valBytes %d, the pairs hold %d", step, h.valBytes, vb)
					}
				}
			}
		}
		if got := db.UsedBytes(); got != want {
			t.Fatalf("step %d: usedBytes %d, entries add up to %d", step, got, want)
		}
	}
}
