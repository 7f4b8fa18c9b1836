package dict

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"strconv"
	"testing"
	"unsafe"
)

// op is one step of a scripted test: set, del or get of key, expecting want
// (the added/found result) and, for get and del, the value val.
type op struct {
	do   string
	key  string
	val  int
	want bool
}

func TestOperations(t *testing.T) {
	tests := []struct {
		name string
		ops  []op
		len  int
	}{
		{"get from empty", []op{{"get", "a", 0, false}}, 0},
		{"delete from empty", []op{{"del", "a", 0, false}}, 0},
		{"set then get", []op{{"set", "a", 1, true}, {"get", "a", 1, true}}, 1},
		{"set twice keeps one", []op{{"set", "a", 1, true}, {"set", "a", 2, false}, {"get", "a", 2, true}}, 1},
		{"delete returns value", []op{{"set", "a", 1, true}, {"del", "a", 1, true}, {"get", "a", 0, false}}, 0},
		{"delete twice", []op{{"set", "a", 1, true}, {"del", "a", 1, true}, {"del", "a", 0, false}}, 0},
		{"empty key", []op{{"set", "", 7, true}, {"get", "", 7, true}, {"get", "a", 0, false}}, 1},
		{"delete first of two", []op{{"set", "a", 1, true}, {"set", "b", 2, true}, {"del", "a", 1, true}, {"get", "b", 2, true}}, 1},
		{"delete last of two", []op{{"set", "a", 1, true}, {"set", "b", 2, true}, {"del", "b", 2, true}, {"get", "a", 1, true}}, 1},
		{"set after delete", []op{{"set", "a", 1, true}, {"del", "a", 1, true}, {"set", "a", 3, true}, {"get", "a", 3, true}}, 1},
	}
	for _, tt := range tests {
		for _, zero := range []bool{false, true} {
			name := tt.name
			if zero {
				name += "/zero Dict"
			}
			t.Run(name, func(t *testing.T) {
				d := New[int](0)
				if zero {
					d = &Dict[int]{}
				}
				for _, o := range tt.ops {
					var got bool
					var v int
					switch o.do {
					case "set":
						got = d.Set(o.key, o.val)
					case "get":
						v, got = d.Get(o.key)
					case "del":
						v, got = d.Delete(o.key)
					}
					if got != o.want || (o.do != "set" && v != o.val) {
						t.Fatalf("%s(%q) = %d, %v; want %d, %v", o.do, o.key, v, got, o.val, o.want)
					}
					checkInvariants(t, d)
				}
				if d.Len() != tt.len {
					t.Fatalf("Len = %d, want %d", d.Len(), tt.len)
				}
			})
		}
	}
}

func TestSetCopiesNewKey(t *testing.T) {
	buf := []byte("alpha")
	d := New[int](0)
	d.Set(string(buf[:]), 1) // a copy made by the conversion; now a view:
	view := unsafeString(buf)
	if d.Set(view, 2) {
		t.Fatal("Set of an existing key reported added")
	}
	copy(buf, "bravo")
	if !d.Set(view, 3) {
		t.Fatal("Set of bravo through a reused buffer reported existing")
	}
	copy(buf, "xxxxx")
	for k, want := range map[string]int{"alpha": 2, "bravo": 3} {
		if v, ok := d.Get(k); !ok || v != want {
			t.Errorf("Get(%q) = %d, %v; want %d", k, v, ok, want)
		}
	}
	checkInvariants(t, d)
}

func TestSetOwned(t *testing.T) {
	d := New[string](0)
	if !d.SetOwned("k", "v1") || d.SetOwned("k", "v2") {
		t.Fatal("SetOwned added result wrong")
	}
	if v, _ := d.Get("k"); v != "v2" {
		t.Fatalf("Get = %q, want v2", v)
	}
}

func TestReplace(t *testing.T) {
	d := New[string](0)
	if _, ok := d.Replace("k", "v0"); ok || d.Len() != 0 {
		t.Fatal("Replace of a missing key changed something")
	}
	// Across a resize: the keys keep their chains.
	for i := range 100 {
		d.Set(fmt.Sprint("k", i), "v")
	}
	for i := range 100 {
		k := fmt.Sprint("k", i) // a new string, as the store's new pair
		if old, ok := d.Replace(k, "w"); !ok || old != "v" {
			t.Fatalf("Replace(%q) = %q, %v", k, old, ok)
		}
		if unsafe.StringData(d.keyOf(k)) != unsafe.StringData(k) {
			t.Fatalf("Replace(%q) kept the old key string", k)
		}
	}
	for i := range 100 {
		if v, _ := d.Get(fmt.Sprint("k", i)); v != "w" {
			t.Fatalf("Get(k%d) = %q after Replace", i, v)
		}
	}
	checkInvariants(t, d)
}

// keyOf returns the stored key equal to k.
func (d *Dict[V]) keyOf(k string) string { return d.items.at(d.find(k, hashOf(k))).key }

func TestPtr(t *testing.T) {
	d := New[int](0)
	if d.Ptr("a") != nil {
		t.Fatal("Ptr of a missing key is not nil")
	}
	d.Set("a", 1)
	*d.Ptr("a") += 41
	if v, _ := d.Get("a"); v != 42 {
		t.Fatalf("after in-place update Get = %d, want 42", v)
	}
}

func TestResize(t *testing.T) {
	tests := []struct {
		name    string
		insert  int // keys 0..insert-1
		delete  int // then keys 0..delete-1
		buckets int
	}{
		{"empty", 0, 0, 4},
		{"full at 4", 4, 0, 4},
		{"grows past 4", 5, 0, 8},
		{"grows to 1024", 1000, 0, 1024},
		{"full at 1024", 1024, 0, 1024},
		{"stays at an eighth", 1024, 1024 - 128, 1024},
		{"shrinks below an eighth", 1024, 1024 - 127, 128},
		{"stays at 16 holding 2", 1024, 1022, 16},
		{"shrinks repeatedly to 4", 1024, 1023, 4},
		{"empties to 4", 1024, 1024, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New[int](0)
			for i := range tt.insert {
				d.Set(strconv.Itoa(i), i)
			}
			for i := range tt.delete {
				d.Delete(strconv.Itoa(i))
			}
			settle(d)
			if d.Buckets() != tt.buckets {
				t.Fatalf("Buckets = %d, want %d", d.Buckets(), tt.buckets)
			}
			checkInvariants(t, d)
			for i := tt.delete; i < tt.insert; i++ {
				if v, ok := d.Get(strconv.Itoa(i)); !ok || v != i {
					t.Fatalf("Get(%d) = %d, %v", i, v, ok)
				}
			}
		})
	}
}

// TestResizeIsIncremental checks that a resize moves the table a bucket or
// so per Set and Delete, never pausing to relink everything, and that every
// element stays reachable meanwhile.
func TestResizeIsIncremental(t *testing.T) {
	const n = 1 << 12
	d := New[int](0)
	for i := range n {
		d.Set(strconv.Itoa(i), i)
	}
	settle(d)
	d.Set("over", -1) // n+1 elements: grows to 2n buckets
	if d.old == nil || len(d.old) != n || d.Buckets() != 2*n {
		t.Fatalf("after growing: old table %d, buckets %d; want %d and %d", len(d.old), d.Buckets(), n, 2*n)
	}
	for i := 0; d.old != nil; i++ {
		before := d.oldNext
		d.Set("extra"+strconv.Itoa(i), i)
		if moved := d.oldNext - before; d.old != nil && (moved < 1 || moved > 16) {
			t.Fatalf("one Set moved %d old buckets", moved)
		}
		if i%64 == 0 {
			checkInvariants(t, d)
			for j := range n {
				if v, ok := d.Get(strconv.Itoa(j)); !ok || v != j {
					t.Fatalf("mid-resize Get(%d) = %d, %v", j, v, ok)
				}
			}
		}
		if i > n {
			t.Fatalf("resize not finished after %d Sets", i)
		}
	}
	checkInvariants(t, d)
	// Deleting all but one shrinks, incrementally, all the way down.
	var keys []string
	for k := range d.All() {
		keys = append(keys, k)
	}
	for _, k := range keys[1:] {
		d.Delete(k)
	}
	for i := 0; d.old != nil || d.Buckets() > minBuckets; i++ {
		if i > n {
			t.Fatalf("still %d buckets (resizing: %v) after %d more Deletes", d.Buckets(), d.old != nil, i)
		}
		// A Delete that misses leaves the resize alone; changes drive it.
		d.Set("tmp", 0)
		d.Delete("tmp")
	}
	checkInvariants(t, d)
}

func TestNewSizeHint(t *testing.T) {
	tests := []struct{ hint, buckets int }{{-1, 4}, {0, 4}, {4, 4}, {5, 8}, {1000, 1024}}
	for _, tt := range tests {
		d := New[int](tt.hint)
		if d.Buckets() != tt.buckets {
			t.Errorf("New(%d).Buckets() = %d, want %d", tt.hint, d.Buckets(), tt.buckets)
		}
		for i := range tt.hint {
			d.Set(strconv.Itoa(i), i)
		}
		if d.Buckets() != tt.buckets {
			t.Errorf("after %d Sets Buckets() = %d, want %d", tt.hint, d.Buckets(), tt.buckets)
		}
	}
}

// TestModel drives random operations against a Go map and compares the two
// after every step.
func TestModel(t *testing.T) {
	for seed := range uint64(5) {
		r := rand.New(rand.NewPCG(seed, 1))
		d := New[int](0)
		m := map[string]int{}
		keys := 1 << (4 + seed*2) // small key spaces collide often, large ones grow the table
		for step := range 20000 {
			k := strconv.Itoa(r.IntN(keys))
			switch r.IntN(4) {
			case 0, 1:
				_, had := m[k]
				if added := d.Set(k, step); added == had {
					t.Fatalf("seed %d step %d: Set(%s) added = %v, map had it = %v", seed, step, k, added, had)
				}
				m[k] = step
			case 2:
				want, had := m[k]
				v, ok := d.Delete(k)
				if ok != had || v != want {
					t.Fatalf("seed %d step %d: Delete(%s) = %d, %v; want %d, %v", seed, step, k, v, ok, want, had)
				}
				delete(m, k)
			case 3:
				want, had := m[k]
				if v, ok := d.Get(k); ok != had || v != want {
					t.Fatalf("seed %d step %d: Get(%s) = %d, %v; want %d, %v", seed, step, k, v, ok, want, had)
				}
			}
			if d.Len() != len(m) {
				t.Fatalf("seed %d step %d: Len = %d, want %d", seed, step, d.Len(), len(m))
			}
			if step%97 == 0 || keys <= 64 {
				checkInvariants(t, d)
				if got := maps.Collect(d.All()); !maps.Equal(got, m) {
					t.Fatalf("seed %d step %d: All() differs from the model", seed, step)
				}
			}
		}
	}
}

func TestAllVisitsEachOnceAndStops(t *testing.T) {
	d := New[int](0)
	for i := range 100 {
		d.Set(strconv.Itoa(i), i)
	}
	seen := map[string]int{}
	for k, v := range d.All() {
		seen[k]++
		if k != strconv.Itoa(v) {
			t.Fatalf("All yielded %q => %d", k, v)
		}
	}
	if len(seen) != 100 {
		t.Fatalf("All yielded %d distinct keys, want 100", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("All yielded %q %d times", k, n)
		}
	}
	n := 0
	for range d.All() {
		n++
		if n == 10 {
			break
		}
	}
	if n != 10 {
		t.Fatalf("break after 10 ran %d iterations", n)
	}
}

func TestAllDeleteCurrent(t *testing.T) {
	d := New[int](0)
	for i := range 3000 { // three chunks of items
		d.Set(strconv.Itoa(i), i)
	}
	seen := map[string]bool{}
	for k, v := range d.All() {
		if seen[k] {
			t.Fatalf("All yielded %q twice", k)
		}
		seen[k] = true
		if v%3 != 0 { // deletes shrink the table and items as they go
			d.Delete(k)
		}
	}
	if len(seen) != 3000 {
		t.Fatalf("All yielded %d keys, want 3000", len(seen))
	}
	if d.Len() != 1000 {
		t.Fatalf("Len = %d after deleting, want 1000", d.Len())
	}
	checkInvariants(t, d)
}

func TestRandom(t *testing.T) {
	d := New[int](0)
	if _, _, ok := d.Random(nil); ok {
		t.Fatal("Random on an empty Dict returned an element")
	}
	const n = 10
	for i := range n {
		d.Set(strconv.Itoa(i), i)
	}
	r := rand.New(rand.NewPCG(1, 2))
	counts := make([]int, n)
	const draws = 100000
	for range draws {
		k, v, ok := d.Random(r.IntN)
		if !ok || k != strconv.Itoa(v) {
			t.Fatalf("Random = %q, %d, %v", k, v, ok)
		}
		counts[v]++
	}
	for i, c := range counts {
		// Expected 10000 each; 5 standard deviations is about 475.
		if c < draws/n-500 || c > draws/n+500 {
			t.Errorf("element %d drawn %d times of %d, want about %d", i, c, draws, draws/n)
		}
	}
	if _, _, ok := d.Random(nil); !ok {
		t.Fatal("Random(nil) found nothing")
	}
}

func TestCloneIsIndependent(t *testing.T) {
	d := New[int](0)
	for i := range 100 {
		d.Set(strconv.Itoa(i), i)
	}
	c := d.Clone()
	checkInvariants(t, c)
	for i := range 90 {
		d.Delete(strconv.Itoa(i))
	}
	c.Set("0", -1)
	*c.Ptr("99") = -99
	for i := range 1000 {
		c.Set("new"+strconv.Itoa(i), i)
	}
	checkInvariants(t, d)
	checkInvariants(t, c)
	if d.Len() != 10 || c.Len() != 1100 {
		t.Fatalf("Len: original %d (want 10), clone %d (want 1100)", d.Len(), c.Len())
	}
	if v, _ := d.Get("99"); v != 99 {
		t.Fatalf("original's 99 = %d after the clone's update", v)
	}
	if v, _ := c.Get("0"); v != -1 {
		t.Fatalf("clone's 0 = %d, want -1", v)
	}
	if z := (&Dict[int]{}).Clone(); z.Len() != 0 {
		t.Fatal("clone of the zero Dict is not empty")
	}
}

func TestMemSize(t *testing.T) {
	for _, n := range []int{1000, 5000} {
		d := New[string](0)
		keyBytes := 0
		for i := range n {
			k := "key:" + strconv.Itoa(i)
			keyBytes += len(k)
			d.Set(k, "v")
		}
		// At least an item of 40 bytes and a bucket head of 4 per element.
		least := int64(n*(40+4) + keyBytes)
		if got := d.MemSize(); got < least || got > 2*least {
			t.Errorf("%d elements: MemSize = %d, want %d to %d", n, got, least, 2*least)
		}
		for i := range n {
			d.Delete("key:" + strconv.Itoa(i))
		}
		settle(d)
		if got := d.MemSize(); got > 512 {
			t.Errorf("%d elements deleted: MemSize = %d, want no more than 512", n, got)
		}
	}
}

func TestDoNotAllocate(t *testing.T) {
	d := New[int](0)
	for i := range 1000 {
		d.Set(strconv.Itoa(i), i)
	}
	buf := []byte("500")
	key := unsafeString(buf)
	tests := []struct {
		name string
		fn   func()
		want float64
	}{
		{"Get hit", func() { d.Get(key) }, 0},
		{"Get miss", func() { d.Get("missing") }, 0},
		{"Ptr", func() { *d.Ptr(key)++ }, 0},
		{"Set existing", func() { d.Set(key, 1) }, 0},
		{"Scan", func() { d.Scan(3, func(string, int) {}) }, 0},
		{"Set new and Delete", func() { d.Set("fresh", 1); d.Delete("fresh") }, 1},
		{"SetOwned new and Delete", func() { d.SetOwned("fresh", 1); d.Delete("fresh") }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(100, tt.fn); got != tt.want {
				t.Fatalf("%v allocations, want %v", got, tt.want)
			}
		})
	}
}

// A Delete that finds nothing changes nothing, not even during a resize:
// the store measures a value's memory around its changes only, and SMOVE
// of an absent member changes no value.
func TestDeleteMissChangesNothing(t *testing.T) {
	d := New[int](0)
	for i := 0; d.old == nil; i++ {
		d.Set(strconv.Itoa(i), i)
	}
	before, progress := d.MemSize(), d.oldNext
	if _, ok := d.Delete("absent"); ok {
		t.Fatal("Delete of an absent key found it")
	}
	if d.MemSize() != before || d.oldNext != progress {
		t.Fatalf("a missed Delete changed MemSize %d -> %d, resize progress %d -> %d", before, d.MemSize(), progress, d.oldNext)
	}
}
