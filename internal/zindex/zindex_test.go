package zindex

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// model is the reference: a sorted slice.
type model []Item

func (m model) search(it Item) (int, bool) {
	i := sort.Search(len(m), func(i int) bool { return !m[i].less(it) })
	return i, i < len(m) && m[i] == it
}

func (m *model) insert(it Item) bool {
	i, ok := m.search(it)
	if ok {
		return false
	}
	*m = slices.Insert(*m, i, it)
	return true
}

func (m *model) delete(it Item) bool {
	i, ok := m.search(it)
	if !ok {
		return false
	}
	*m = slices.Delete(*m, i, i+1)
	return true
}

// check compares every query of t against m, and t's internal invariants.
func check(t *testing.T, tr *Tree, m model, r *rand.Rand) {
	t.Helper()
	if tr.Len() != len(m) {
		t.Fatalf("Len = %d, want %d", tr.Len(), len(m))
	}
	if tr.root != nil {
		depth := -1
		checkNode(t, tr.root, true, 0, &depth)
	}
	var got []Item
	tr.Ascend(0, func(it Item) bool { got = append(got, it); return true })
	if !slices.Equal(got, m) && len(m) > 0 {
		t.Fatalf("Ascend = %v, want %v", got, m)
	}
	for range 5 {
		if len(m) == 0 {
			break
		}
		i := r.IntN(len(m))
		if it := tr.At(i); it != m[i] {
			t.Fatalf("At(%d) = %v, want %v", i, it, m[i])
		}
		if rk, ok := tr.Rank(m[i].Score, m[i].Member); !ok || rk != i {
			t.Fatalf("Rank(%v) = %d %v, want %d", m[i], rk, ok, i)
		}
		var asc []Item
		tr.Ascend(i, func(it Item) bool { asc = append(asc, it); return len(asc) < 7 })
		if want := m[i:min(i+7, len(m))]; !slices.Equal(asc, want) {
			t.Fatalf("Ascend(%d) = %v, want %v", i, asc, want)
		}
		var desc []Item
		tr.Descend(i, func(it Item) bool { desc = append(desc, it); return len(desc) < 7 })
		want := slices.Clone(m[max(0, i-6) : i+1])
		slices.Reverse(want)
		if !slices.Equal(desc, want) {
			t.Fatalf("Descend(%d) = %v, want %v", i, desc, want)
		}
	}
	for range 5 {
		b := float64(r.IntN(40)) / 2
		for _, incl := range []bool{false, true} {
			want := sort.Search(len(m), func(i int) bool {
				if incl {
					return m[i].Score > b
				}
				return m[i].Score >= b
			})
			if got := tr.ScoreRank(b, incl); got != want {
				t.Fatalf("ScoreRank(%v, %v) = %d, want %d", b, incl, got, want)
			}
		}
	}
	probe := Item{float64(r.IntN(40)) / 2, fmt.Sprint(r.IntN(50))}
	wantRank, wantOK := m.search(probe)
	if rk, ok := tr.Rank(probe.Score, probe.Member); rk != wantRank || ok != wantOK {
		t.Fatalf("Rank(%v) = %d %v, want %d %v", probe, rk, ok, wantRank, wantOK)
	}
}

// checkNode verifies the B-tree invariants: sizes, fill, order, equal depth.
func checkNode(t *testing.T, n *node, root bool, depth int, leafDepth *int) int {
	t.Helper()
	if !root && (len(n.items) < minItems || len(n.items) > maxItems) {
		t.Fatalf("node with %d items", len(n.items))
	}
	for i := 1; i < len(n.items); i++ {
		if !n.items[i-1].less(n.items[i]) {
			t.Fatalf("items out of order")
		}
	}
	size := len(n.items)
	if n.kids == nil {
		if *leafDepth == -1 {
			*leafDepth = depth
		} else if *leafDepth != depth {
			t.Fatalf("leaves at depths %d and %d", *leafDepth, depth)
		}
	} else {
		if len(n.kids) != len(n.items)+1 {
			t.Fatalf("%d kids for %d items", len(n.kids), len(n.items))
		}
		for _, k := range n.kids {
			size += checkNode(t, k, false, depth+1, leafDepth)
		}
	}
	if size != n.size {
		t.Fatalf("size %d, counted %d", n.size, size)
	}
	return size
}

func TestModel(t *testing.T) {
	for _, tc := range []struct {
		name           string
		ops, keys      int
		scores         int
		insertPercent  int
		checkEveryStep bool
	}{
		{"small", 2000, 30, 5, 60, true},
		{"equal scores", 3000, 400, 1, 60, true},
		{"grow then shrink", 20000, 5000, 40, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(tc.ops)))
			var tr Tree
			var m model
			steps := tc.ops
			for step := range steps {
				it := Item{float64(r.IntN(tc.scores)) / 2, fmt.Sprint(r.IntN(tc.keys))}
				insert := r.IntN(100) < tc.insertPercent
				if tc.insertPercent == 0 {
					insert = step < steps/2 // grow, then shrink
				}
				if insert {
					if got, want := tr.Insert(it.Score, it.Member), m.insert(it); got != want {
						t.Fatalf("Insert(%v) = %v, want %v", it, got, want)
					}
				} else {
					if tc.insertPercent == 0 && len(m) > 0 {
						it = m[r.IntN(len(m))]
					}
					if got, want := tr.Delete(it.Score, it.Member), m.delete(it); got != want {
						t.Fatalf("Delete(%v) = %v, want %v", it, got, want)
					}
				}
				if tc.checkEveryStep || step%97 == 0 {
					check(t, &tr, m, r)
				}
			}
			check(t, &tr, m, r)
		})
	}
}

func TestLexRank(t *testing.T) {
	var tr Tree
	members := []string{"", "a", "a\x00b", "aa", "b", "c", "\xff"}
	for _, s := range members {
		tr.Insert(0, s)
	}
	for i, s := range members {
		if got := tr.LexRank(s, false); got != i {
			t.Errorf("LexRank(%q, false) = %d, want %d", s, got, i)
		}
		if got := tr.LexRank(s, true); got != i+1 {
			t.Errorf("LexRank(%q, true) = %d, want %d", s, got, i+1)
		}
	}
}

func TestEmpty(t *testing.T) {
	var tr Tree
	if tr.Len() != 0 || tr.Delete(1, "a") || tr.ScoreRank(1, true) != 0 {
		t.Fatal("empty tree not empty")
	}
	if rk, ok := tr.Rank(1, "a"); rk != 0 || ok {
		t.Fatal("Rank on empty tree")
	}
	tr.Ascend(0, func(Item) bool { t.Fatal("Ascend on empty tree"); return false })
	tr.Descend(0, func(Item) bool { t.Fatal("Descend on empty tree"); return false })
}

// FuzzTree drives the tree with a byte string of operations and compares
// it with the model after each.
func FuzzTree(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x84\x85"))
	f.Add(make([]byte, 300))
	f.Fuzz(func(t *testing.T, ops []byte) {
		var tr Tree
		var m model
		r := rand.New(rand.NewPCG(2, 3))
		for i, op := range ops {
			it := Item{float64(op & 7), fmt.Sprint(op & 0x3f)}
			if op&0x80 == 0 {
				if tr.Insert(it.Score, it.Member) != m.insert(it) {
					t.Fatalf("Insert(%v) differs", it)
				}
			} else if tr.Delete(it.Score, it.Member) != m.delete(it) {
				t.Fatalf("Delete(%v) differs", it)
			}
			if i%16 == 0 {
				check(t, &tr, m, r)
			}
		}
		check(t, &tr, m, r)
	})
}

const benchN = 1_000_000

func filled(b *testing.B) *Tree {
	b.Helper()
	var tr Tree
	r := rand.New(rand.NewPCG(4, 5))
	for i := range benchN {
		tr.Insert(r.Float64(), fmt.Sprint("member:", i))
	}
	return &tr
}

func BenchmarkInsert1M(b *testing.B) {
	members := make([]string, benchN)
	scores := make([]float64, benchN)
	r := rand.New(rand.NewPCG(4, 5))
	for i := range members {
		members[i] = fmt.Sprint("member:", i)
		scores[i] = r.Float64()
	}
	b.ReportAllocs()
	for b.Loop() {
		var tr Tree
		for i := range members {
			tr.Insert(scores[i], members[i])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchN), "ns/insert")
}

func BenchmarkRank(b *testing.B) {
	tr := filled(b)
	items := make([]Item, 1024)
	for i := range items {
		items[i] = tr.At(i * 977)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		it := items[i&1023]
		tr.Rank(it.Score, it.Member)
		i++
	}
}

func BenchmarkAt(b *testing.B) {
	tr := filled(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tr.At(i * 7919 % benchN)
		i++
	}
}

func BenchmarkRange100FromMiddle(b *testing.B) {
	tr := filled(b)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		tr.Ascend(benchN/2, func(Item) bool { n++; return n < 100 })
	}
}

func BenchmarkScoreRank(b *testing.B) {
	tr := filled(b)
	b.ReportAllocs()
	for b.Loop() {
		tr.ScoreRank(0.5, false)
	}
}
