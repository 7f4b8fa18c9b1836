package quicklist

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/emberkv/ember/internal/listpack"
)

// check verifies the list's invariants: links both ways, no empty node,
// counts and byte totals that add up, well-formed listpacks, plain nodes of
// one element.
func check(t testing.TB, l *List) {
	t.Helper()
	count, nodes := 0, 0
	bytes := int64(0)
	var prev *node
	for n := l.head; n != nil; n = n.next {
		if n.prev != prev {
			t.Fatalf("node %d: prev link broken", nodes)
		}
		if n.count == 0 {
			t.Fatalf("node %d is empty", nodes)
		}
		if !listpack.Validate(n.lp, true) {
			t.Fatalf("node %d: invalid listpack", nodes)
		}
		if c := listpack.Count(n.lp); c != n.count {
			t.Fatalf("node %d: count %d, listpack holds %d", nodes, n.count, c)
		}
		if n.plain && n.count != 1 {
			t.Fatalf("node %d: plain with %d elements", nodes, n.count)
		}
		count += n.count
		nodes++
		bytes += int64(cap(n.lp)) + nodeOverhead
		prev = n
	}
	if prev != l.tail {
		t.Fatalf("tail link broken")
	}
	if count != l.count || nodes != l.nodes || bytes != l.bytes {
		t.Fatalf("totals: count %d/%d nodes %d/%d bytes %d/%d", count, l.count, nodes, l.nodes, bytes, l.bytes)
	}
}

// contents reads the list head to tail, and checks that tail to head reads
// the same backwards.
func contents(t testing.TB, l *List) [][]byte {
	t.Helper()
	var out [][]byte
	for it := l.IterAt(0, true); it.Next(); {
		out = append(out, it.Append(nil))
	}
	var back [][]byte
	for it := l.IterAt(-1, false); it.Next(); {
		back = append(back, it.Append(nil))
	}
	slices.Reverse(back)
	if !equalLists(out, back) {
		t.Fatalf("forward and backward iteration differ")
	}
	return out
}

func equalLists(a, b [][]byte) bool {
	return slices.EqualFunc(a, b, bytes.Equal)
}

func randValue(r *rand.Rand) []byte {
	switch r.IntN(12) {
	case 0:
		return []byte{}
	case 1:
		return []byte("a\x00b")
	case 2:
		return []byte(strconv.Itoa(r.IntN(300) - 150))
	case 3:
		return []byte(strconv.FormatInt(r.Int64(), 10))
	case 4:
		return bytes.Repeat([]byte{'x'}, 40+r.IntN(80))
	case 5:
		if r.IntN(8) == 0 {
			return bytes.Repeat([]byte{'L'}, 9000) // over the 8 KB safety limit
		}
		return bytes.Repeat([]byte{'y'}, 200+r.IntN(100)) // at least the lowered packedThreshold
	}
	return []byte(fmt.Sprintf("v%d", r.IntN(20)))
}

// withSmallLimits lowers the byte limits so that splits, merges and plain
// nodes happen in small tests: fill -1 means 64 bytes, and elements of 200
// bytes or more get plain nodes.
func withSmallLimits(t *testing.T) {
	oldLevel, oldPacked := optimizationLevel[0], packedThreshold
	optimizationLevel[0], packedThreshold = 64, 200
	t.Cleanup(func() { optimizationLevel[0], packedThreshold = oldLevel, oldPacked })
}

func normIndex(i, n int) (int, bool) {
	if i < 0 {
		i += n
	}
	return i, i >= 0 && i < n
}

// TestModel runs random operations against a plain slice.
func TestModel(t *testing.T) {
	withSmallLimits(t)
	for _, fill := range []int{1, 3, 5, -1, -2} {
		for seed := range uint64(30) {
			t.Run(fmt.Sprintf("fill%d/seed%d", fill, seed), func(t *testing.T) {
				runModel(t, fill, rand.New(rand.NewPCG(seed, uint64(fill+10))), 600)
			})
		}
	}
}

func runModel(t *testing.T, fill int, r *rand.Rand, steps int) {
	l := New(fill)
	var model [][]byte
	for step := range steps {
		n := len(model)
		idx := r.IntN(2*n+3) - n - 1 // in range and just out of it, both signs
		var op string
		switch k := r.IntN(100); {
		case k < 20:
			op = "pushhead"
			v := randValue(r)
			l.PushHead(v)
			model = append([][]byte{v}, model...)
		case k < 40:
			op = "pushtail"
			v := randValue(r)
			l.PushTail(v)
			model = append(model, v)
		case k < 47:
			op = "pophead"
			got, ok := l.PopHead(nil)
			if ok != (n > 0) || (ok && !bytes.Equal(got, model[0])) {
				t.Fatalf("step %d: PopHead = %q %v", step, got, ok)
			}
			if ok {
				model = model[1:]
			}
		case k < 54:
			op = "poptail"
			got, ok := l.PopTail(nil)
			if ok != (n > 0) || (ok && !bytes.Equal(got, model[n-1])) {
				t.Fatalf("step %d: PopTail = %q %v", step, got, ok)
			}
			if ok {
				model = model[:n-1]
			}
		case k < 60:
			op = "index"
			got, ok := l.Index(nil, idx)
			j, want := normIndex(idx, n)
			if ok != want || (ok && !bytes.Equal(got, model[j])) {
				t.Fatalf("step %d: Index(%d) = %q %v", step, idx, got, ok)
			}
		case k < 67:
			op = "replace"
			v := randValue(r)
			ok := l.Replace(idx, v)
			j, want := normIndex(idx, n)
			if ok != want {
				t.Fatalf("step %d: Replace(%d) = %v", step, idx, ok)
			}
			if ok {
				model[j] = v
			}
		case k < 80:
			op = "insert"
			j, ok := normIndex(idx, n)
			it := l.IterAt(idx, r.IntN(2) == 0)
			if it.Next() != ok {
				t.Fatalf("step %d: IterAt(%d)", step, idx)
			}
			if ok {
				v, after := randValue(r), r.IntN(2) == 0
				it.Insert(v, after)
				if it.Next() {
					t.Fatalf("step %d: iterator goes on after Insert", step)
				}
				if after {
					j++
				}
				model = slices.Insert(model, j, v)
			}
		case k < 86:
			op = "delrange"
			cnt := r.IntN(8)
			if r.IntN(10) == 0 {
				cnt = n + 5
			}
			got := l.DelRange(idx, cnt)
			j, ok := normIndex(idx, n)
			want := 0
			if ok && cnt > 0 {
				want = min(cnt, n-j)
				model = slices.Delete(model, j, j+want)
			}
			if got != want {
				t.Fatalf("step %d: DelRange(%d, %d) = %d, want %d", step, idx, cnt, got, want)
			}
		case k < 94:
			op = "lrem"
			// LREM-style: delete up to cnt elements equal to v, walking
			// from the head or the tail.
			v := randValue(r)
			if n > 0 && r.IntN(2) == 0 {
				v = model[r.IntN(n)]
			}
			forward := r.IntN(2) == 0
			cnt := r.IntN(3)
			removed := 0
			start := 0
			if !forward {
				start = -1
			}
			for it := l.IterAt(start, forward); it.Next(); {
				if it.Equal(v) {
					it.Delete()
					removed++
					if removed == cnt {
						break
					}
				}
			}
			left := removed
			if forward {
				model = slices.DeleteFunc(model, func(e []byte) bool {
					if left > 0 && bytes.Equal(e, v) {
						left--
						return true
					}
					return false
				})
			} else {
				for i := len(model) - 1; i >= 0 && left > 0; i-- {
					if bytes.Equal(model[i], v) {
						model = slices.Delete(model, i, i+1)
						left--
					}
				}
			}
			if left != 0 {
				t.Fatalf("step %d: removed %d not in the model", step, removed)
			}
		case k < 97:
			op = "walk"
			forward := r.IntN(2) == 0
			j, ok := normIndex(idx, n)
			var got [][]byte
			for it := l.IterAt(idx, forward); it.Next(); {
				got = append(got, it.Append(nil))
			}
			var want [][]byte
			if ok {
				if forward {
					want = model[j:]
				} else {
					want = slices.Clone(model[:j+1])
					slices.Reverse(want)
				}
			}
			if !equalLists(got, want) {
				t.Fatalf("step %d: walk from %d forward=%v differs", step, idx, forward)
			}
		default:
			op = "clone"
			c := l.Clone()
			check(t, c)
			if !equalLists(contents(t, c), contents(t, l)) {
				t.Fatalf("step %d: clone differs", step)
			}
			l = c
		}
		check(t, l)
		if got := contents(t, l); !equalLists(got, model) {
			t.Fatalf("step %d (%s): list %q, model %q", step, op, got, model)
		}
		if l.Len() != len(model) {
			t.Fatalf("step %d: Len %d, model %d", step, l.Len(), len(model))
		}
	}
}

// TestFillLimits checks the node sizes Redis's rules give.
func TestFillLimits(t *testing.T) {
	tests := []struct {
		fill     int
		elements int
		value    string
		maxCount int // most entries in a node
		maxBytes int // most bytes in a node
	}{
		{fill: 3, elements: 100, value: "abc", maxCount: 3},
		{fill: 128, elements: 1000, value: "abc", maxCount: 128},
		{fill: -1, elements: 10000, value: "0123456789", maxBytes: 4096},
		{fill: -2, elements: 10000, value: "0123456789", maxBytes: 8192},
		{fill: -5, elements: 50000, value: "0123456789", maxBytes: 65536},
		// A positive fill still stops at the 8 KB safety limit.
		{fill: 10000, elements: 10000, value: "0123456789", maxBytes: 8192},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("fill%d", tc.fill), func(t *testing.T) {
			l := New(tc.fill)
			for range tc.elements / 2 {
				l.PushTail([]byte(tc.value))
				l.PushHead([]byte(tc.value))
			}
			check(t, l)
			l.ForEachNode(func(lp []byte, plain bool) bool {
				if tc.maxCount > 0 && listpack.Count(lp) > tc.maxCount {
					t.Errorf("node of %d entries", listpack.Count(lp))
				}
				if tc.maxBytes > 0 && len(lp) > tc.maxBytes {
					t.Errorf("node of %d bytes", len(lp))
				}
				return true
			})
		})
	}
}

// TestLargeElements checks that an element of packedThreshold bytes or
// more gets a plain node, wherever it goes.
func TestLargeElements(t *testing.T) {
	withSmallLimits(t)
	big := bytes.Repeat([]byte{'B'}, 300)
	l := New(3)
	for i := range 7 {
		l.PushTail([]byte(strconv.Itoa(i)))
	}
	l.PushHead(big)
	l.PushTail(big)
	it := l.IterAt(4, true)
	it.Next()
	it.Insert(big, true) // in the middle of a node: splits it
	check(t, l)
	plain := 0
	l.ForEachNode(func(lp []byte, p bool) bool {
		if p {
			plain++
		}
		return true
	})
	if plain != 3 {
		t.Fatalf("%d plain nodes, want 3", plain)
	}
	if got, _ := l.Index(nil, 5); !bytes.Equal(got, big) {
		t.Fatalf("Index(5) = %q", got)
	}
}

func TestMemSizeMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	l := New(DefaultFill)
	for i := range 1_000_000 {
		l.PushTail([]byte("element:" + strconv.Itoa(i)))
	}
	check(t, l)
	perElement := float64(l.MemSize()) / float64(l.Len())
	// Each entry takes 16 to 17 bytes of listpack; nodes add little.
	if perElement > 20 {
		t.Fatalf("%.1f bytes per element", perElement)
	}
	if got, _ := l.Index(nil, 500_000); string(got) != "element:500000" {
		t.Fatalf("Index(500000) = %q", got)
	}
}

func FuzzList(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07"))
	f.Add([]byte("abcdefghijklmnopqrstuvwxyz0123456789"))
	f.Fuzz(func(t *testing.T, ops []byte) {
		oldLevel, oldPacked := optimizationLevel[0], packedThreshold
		optimizationLevel[0], packedThreshold = 64, 200
		defer func() { optimizationLevel[0], packedThreshold = oldLevel, oldPacked }()
		// The fuzzer's bytes seed the operation stream.
		var seed uint64
		for _, b := range ops {
			seed = seed*131 + uint64(b)
		}
		fill := []int{1, 2, 3, -1}[seed%4]
		runModel(t, fill, rand.New(rand.NewPCG(seed, uint64(len(ops)))), 50+len(ops)*4)
	})
}

func BenchmarkPushTail(b *testing.B) {
	l := New(DefaultFill)
	v := []byte("element:12345")
	b.ReportAllocs()
	for b.Loop() {
		l.PushTail(v)
	}
}

func BenchmarkPushPop(b *testing.B) {
	l := New(DefaultFill)
	v := []byte("element:12345")
	for range 1000 {
		l.PushTail(v)
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		l.PushHead(v)
		buf, _ = l.PopTail(buf[:0])
	}
}

func BenchmarkIndexMiddle(b *testing.B) {
	l := New(DefaultFill)
	for i := range 1_000_000 {
		l.PushTail([]byte("element:" + strconv.Itoa(i)))
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = l.Index(buf[:0], 500_000)
	}
}

func BenchmarkRange100(b *testing.B) {
	l := New(DefaultFill)
	for i := range 600 {
		l.PushTail([]byte("element:" + strconv.Itoa(i)))
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		it := l.IterAt(0, true)
		for i := 0; i < 100 && it.Next(); i++ {
			buf = it.Append(buf)
		}
	}
}
