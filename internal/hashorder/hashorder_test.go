package hashorder

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// TestAgainstSortedSlice runs random sets, deletes and reads against a
// sorted slice, for several skips, through several doublings.
func TestAgainstSortedSlice(t *testing.T) {
	for _, skip := range []uint{0, 6, 10, 60, 63} {
		t.Run("skip"+strconv.Itoa(int(skip)), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(skip), 1))
			prefix := rng.Uint64() &^ (^uint64(0) >> skip) // the shared top bits
			hash := func() uint64 {
				h := prefix | rng.Uint64()>>skip
				if skip == 64 {
					h = prefix
				}
				if rng.IntN(8) == 0 {
					h = prefix // equal hashes, ordered by key
				}
				return h
			}
			x := New(skip)
			var ref []Item
			find := func(it Item) (int, bool) {
				return slices.BinarySearchFunc(ref, it, func(a, b Item) int {
					switch {
					case less(a, b):
						return -1
					case less(b, a):
						return 1
					}
					return 0
				})
			}
			for step := 0; step < 20000; step++ {
				it := Item{Hash: hash(), Key: strconv.Itoa(rng.IntN(3000))}
				if rng.IntN(4) == 0 && len(ref) > 0 {
					it = ref[rng.IntN(len(ref))]
				}
				switch rng.IntN(3) {
				case 0, 1:
					i, had := find(it)
					if got := x.Set(it); got != had {
						t.Fatalf("step %d: Set(%v) replaced = %v, want %v", step, it, got, had)
					}
					if !had {
						ref = slices.Insert(ref, i, it)
					}
				case 2:
					i, had := find(it)
					if got := x.Delete(it); got != had {
						t.Fatalf("step %d: Delete(%v) = %v, want %v", step, it, got, had)
					}
					if had {
						ref = slices.Delete(ref, i, i+1)
					}
				}
				if x.Len() != len(ref) {
					t.Fatalf("step %d: Len %d, want %d", step, x.Len(), len(ref))
				}
				if step%997 == 0 {
					check(t, x, ref, rng)
				}
			}
			check(t, x, ref, rng)
		})
	}
}

func check(t *testing.T, x *Index, ref []Item, rng *rand.Rand) {
	t.Helper()
	var all []Item
	x.Scan(func(it Item) bool { all = append(all, it); return true })
	if !slices.Equal(all, ref) {
		t.Fatalf("Scan: %d items, not the reference's %d in order", len(all), len(ref))
	}
	if m, ok := x.Min(); ok != (len(ref) > 0) || ok && m != ref[0] {
		t.Fatalf("Min = %v %v", m, ok)
	}
	for k := 0; k < 20 && len(ref) > 0; k++ {
		i := rng.IntN(len(ref))
		if it, ok := x.GetAt(i); !ok || it != ref[i] {
			t.Fatalf("GetAt(%d) = %v %v, want %v", i, it, ok, ref[i])
		}
		if it, ok := x.Get(ref[i]); !ok || it != ref[i] {
			t.Fatalf("Get(%v) = %v %v", ref[i], it, ok)
		}
		// Ascend from a pivot between items, and stop after a few.
		pivot := ref[i]
		pivot.Key += "\x00"
		var got []Item
		x.Ascend(pivot, func(it Item) bool { got = append(got, it); return len(got) < 5 })
		want := ref[i+1 : min(len(ref), i+6)]
		if !slices.Equal(got, want) {
			t.Fatalf("Ascend(%v) = %v, want %v", pivot, got, want)
		}
	}
	if _, ok := x.GetAt(len(ref)); ok {
		t.Fatal("GetAt(Len) found an item")
	}
}

func TestLoadAndReset(t *testing.T) {
	x := New(6)
	var items []Item
	for i := 0; i < 5000; i++ {
		items = append(items, Item{Hash: uint64(i) << 40, Key: "k" + strconv.Itoa(i)})
	}
	x.Load(len(items), slices.Values(items))
	if x.Len() != len(items) {
		t.Fatalf("Len %d", x.Len())
	}
	check(t, x, items, rand.New(rand.NewPCG(1, 2)))
	x.Reset()
	if x.Len() != 0 {
		t.Fatal("Reset left items")
	}
	if _, ok := x.Min(); ok {
		t.Fatal("Min after Reset")
	}
}

// BenchmarkSet inserts a million keys of random hashes into indexes of a
// shard's size (1/64 of them each).
func BenchmarkSet(b *testing.B) {
	const shards = 64
	idx := make([]*Index, shards)
	for i := range idx {
		idx[i] = New(6)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	items := make([]Item, 1<<20)
	for i := range items {
		items[i] = Item{Hash: rng.Uint64(), Key: "key:" + strconv.Itoa(i)}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		it := items[i%len(items)]
		if i%len(items) == 0 && i > 0 {
			for j := range idx {
				idx[j].Reset()
			}
		}
		idx[it.Hash>>58].Set(it)
	}
}

// benchIndex is one shard's index of a million keys spread over 64 shards.
func benchIndex() (*Index, []Item) {
	rng := rand.New(rand.NewPCG(2, 2))
	x := New(6)
	items := make([]Item, 1<<14)
	for i := range items {
		items[i] = Item{Hash: rng.Uint64() >> 6, Key: "key:" + strconv.Itoa(i)}
		x.Set(items[i])
	}
	return x, items
}

// BenchmarkGet looks up the keys of a shard's index, as a key's TTL
// gains it a place in the TTL map.
func BenchmarkGet(b *testing.B) {
	x, items := benchIndex()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		x.Get(items[i%len(items)])
	}
}

// BenchmarkAscend starts a walk of ten items at random places, as a SCAN
// call or an eviction sample does.
func BenchmarkAscend(b *testing.B) {
	x, _ := benchIndex()
	rng := rand.New(rand.NewPCG(3, 3))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		x.Ascend(Item{Hash: rng.Uint64() >> 6}, func(Item) bool { n++; return n < 10 })
	}
}
