package hashorder

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

func TestItemIs16Bytes(t *testing.T) {
	if n := unsafe.Sizeof(Item{}); n != 16 {
		t.Fatalf("Item is %d bytes", n)
	}
}

// TestAgainstSortedSlice runs random sets, deletes and reads against a
// sorted slice, for several skips, through several doublings.
func TestAgainstSortedSlice(t *testing.T) {
	for _, skip := range []uint{0, 6, 10, 31, 32, 40, 60, 63} {
		t.Run("skip"+strconv.Itoa(int(skip)), func(t *testing.T) { againstSortedSlice(t, skip, 3000) })
	}
	// Keys too long for an item's length, as a 4 GiB key would be.
	t.Run("longKeys", func(t *testing.T) {
		defer func(n uint64) { longKey = n }(longKey)
		longKey = 3 // keys from "100" up
		againstSortedSlice(t, 6, 3000)
	})
}

func againstSortedSlice(t *testing.T, skip uint, keys int) {
	rng := rand.New(rand.NewPCG(uint64(skip), 1))
	prefix := rng.Uint64() &^ (^uint64(0) >> skip) // the shared top bits
	collide := rng.Uint64() >> skip                // a hash whose first 32 bits below skip others share
	hash := func() uint64 {
		h := prefix | rng.Uint64()>>skip
		switch rng.IntN(8) {
		case 0:
			h = prefix // equal hashes, ordered by key
		case 1:
			// Equal in the 32 bits an item keeps, apart below them.
			low := ^uint64(0) >> (skip + 32)
			if skip >= 32 {
				low = 0
			}
			h = prefix | collide&^low | rng.Uint64()&low
		}
		return h
	}
	x := New(skip)
	var ref []Item
	find := func(it Item) (int, bool) { return slices.BinarySearchFunc(ref, it, Compare) }
	for step := 0; step < 20000; step++ {
		it := x.Item(hash(), strconv.Itoa(rng.IntN(keys)))
		if rng.IntN(4) == 0 && len(ref) > 0 {
			// An item there, by a copy of its key: items are equal by
			// the key's bytes, not their address.
			r := ref[rng.IntN(len(ref))]
			it = Item{key: unsafe.StringData(strings.Clone(r.Key())), n: r.n, Hash: r.Hash}
			if r.n == longKeyLen {
				it.key = longKeyHeader(strings.Clone(r.Key()))
			}
		}
		switch rng.IntN(3) {
		case 0, 1:
			i, had := find(it)
			if got := x.Set(it); got != had {
				t.Fatalf("step %d: Set(%q) replaced = %v, want %v", step, it.Key(), got, had)
			}
			if had {
				ref[i] = it // Set keeps the item it is given
			} else {
				ref = slices.Insert(ref, i, it)
			}
		case 2:
			i, had := find(it)
			if got := x.Delete(it); got != had {
				t.Fatalf("step %d: Delete(%q) = %v, want %v", step, it.Key(), got, had)
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
}

// check compares x with ref, item by item: == compares the keys' addresses,
// so reads must return the very items stored.
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
		byCopy := x.Item(0, strings.Clone(ref[i].Key()))
		byCopy.Hash = ref[i].Hash
		if it, ok := x.Get(byCopy); !ok || it != ref[i] {
			t.Fatalf("Get(%q) = %v %v, want the item stored", ref[i].Key(), it, ok)
		}
		// Ascend from a pivot between items, and stop after a few.
		pivot := x.Item(0, ref[i].Key()+"\x00")
		pivot.Hash = ref[i].Hash
		var got []Item
		x.Ascend(pivot, func(it Item) bool { got = append(got, it); return len(got) < 5 })
		want := ref[i+1 : min(len(ref), i+6)]
		if !slices.Equal(got, want) {
			t.Fatalf("Ascend(%q) = %v, want %v", pivot.Key(), got, want)
		}
		// From a Hash: the first item of that Hash or above.
		got = got[:0]
		x.Ascend(Item{Hash: ref[i].Hash}, func(it Item) bool { got = append(got, it); return false })
		j, _ := slices.BinarySearchFunc(ref, Item{Hash: ref[i].Hash}, Compare)
		if len(got) != 1 || got[0] != ref[j] {
			t.Fatalf("Ascend(Hash %#x) = %v, want %v", ref[i].Hash, got, ref[j])
		}
	}
	if _, ok := x.GetAt(len(ref)); ok {
		t.Fatal("GetAt(Len) found an item")
	}
}

func TestItemAndBits(t *testing.T) {
	const h = 0x0123456789abcdef
	tests := []struct {
		skip uint
		hash uint32 // Item.Hash
		bits uint64 // Bits
	}{
		{0, 0x01234567, 0x0123456700000000},
		{6, 0x48d159e2, 0x0123456788000000}, // the bits below the top 6
		{8, 0x23456789, 0x0023456789000000},
		{32, 0x89abcdef, 0x0000000089abcdef},
		{40, 0xabcdef00, 0x0000000000abcdef}, // all 24 bits there are
		{63, 0x80000000, 0x0000000000000001},
	}
	for _, tc := range tests {
		x := New(tc.skip)
		it := x.Item(h, "key")
		if it.Hash != tc.hash || it.Key() != "key" {
			t.Errorf("skip %d: Item = %#x %q, want %#x", tc.skip, it.Hash, it.Key(), tc.hash)
		}
		if b := x.Bits(it); b != tc.bits {
			t.Errorf("skip %d: Bits = %#x, want %#x", tc.skip, b, tc.bits)
		}
	}
}

func TestItemKeepsTheKeysBytes(t *testing.T) {
	x := New(6)
	key := strings.Clone("some key")
	it := x.Item(1<<40, key)
	if unsafe.StringData(it.Key()) != unsafe.StringData(key) {
		t.Fatal("the item copied the key")
	}
	if allocs := testing.AllocsPerRun(100, func() { x.Set(x.Item(1<<40, key)) }); allocs != 0 {
		t.Fatalf("Set of a present key allocates %v times", allocs)
	}
}

func TestLoadAndReset(t *testing.T) {
	x := New(6)
	var items []Item
	for i := 0; i < 5000; i++ {
		items = append(items, x.Item(uint64(i)<<40, "k"+strconv.Itoa(i)))
	}
	x.Load(len(items), slices.Values(items))
	if x.Len() != len(items) {
		t.Fatalf("Len %d", x.Len())
	}
	if len(x.buckets) < len(items)/perBucket {
		t.Fatalf("Load made %d buckets for %d items", len(x.buckets), len(items))
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
	type key struct {
		hash uint64
		key  string
	}
	keys := make([]key, 1<<20)
	for i := range keys {
		keys[i] = key{rng.Uint64(), "key:" + strconv.Itoa(i)}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := keys[i%len(keys)]
		if i%len(keys) == 0 && i > 0 {
			for j := range idx {
				idx[j].Reset()
			}
		}
		x := idx[k.hash>>58]
		x.Set(x.Item(k.hash, k.key))
	}
}

// benchIndex is one shard's index of a million keys spread over 64 shards.
func benchIndex() (*Index, []Item) {
	rng := rand.New(rand.NewPCG(2, 2))
	x := New(6)
	items := make([]Item, 1<<14)
	for i := range items {
		items[i] = x.Item(rng.Uint64()>>6, "key:"+strconv.Itoa(i))
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
		x.Ascend(x.Item(rng.Uint64()>>6, ""), func(Item) bool { n++; return n < 10 })
	}
}

// search's guess and walk find what a binary search of the bucket finds,
// for pivots on items, between them and past the ends, in indexes whose
// keys share hashes or whose buckets cannot split (skip 63).
func TestSearchMatchesBinarySearch(t *testing.T) {
	tests := []struct {
		name   string
		skip   uint
		n      int
		hashes int // distinct hashes drawn from, 0 for any
	}{
		{"spread", 6, 5000, 0},
		{"shared hashes", 6, 5000, 50},
		{"buckets cannot split", 63, 300, 0},
		{"one item", 6, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(tt.n)))
			x := New(tt.skip)
			hashOf := func() uint64 {
				if tt.hashes > 0 {
					return uint64(rng.IntN(tt.hashes)) << 40
				}
				return rng.Uint64()
			}
			for i := range tt.n {
				x.Set(x.Item(hashOf(), "k"+strconv.Itoa(i)))
			}
			for i := range 20000 {
				var pivot Item
				if i%2 == 0 {
					pivot = x.Item(hashOf(), "k"+strconv.Itoa(rng.IntN(tt.n+10)))
				} else {
					pivot = x.Item(hashOf(), "") // before every key of its hash
				}
				b := x.buckets[x.bucketOf(pivot.Hash)]
				if got, want := x.search(b, pivot), binarySearch(b, pivot); got != want {
					t.Fatalf("pivot %v %q in a bucket of %d: search %d, binary search %d", pivot.Hash, pivot.Key(), len(b), got, want)
				}
			}
		})
	}
}
