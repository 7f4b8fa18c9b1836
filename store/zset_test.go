package store_test

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emberkv/ember/store"
)

// zmodel is the reference for a sorted set: a map, sorted on demand.
type zmodel map[string]float64

func (m zmodel) sorted() []store.ZMember {
	out := make([]store.ZMember, 0, len(m))
	for k, v := range m {
		out = append(out, store.ZMember{Member: k, Score: v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score < out[j].Score
		}
		return out[i].Member < out[j].Member
	})
	return out
}

func checkZ(t *testing.T, db *store.DB, key string, m zmodel) {
	t.Helper()
	got, err := db.ZMembers(key)
	if err != nil {
		t.Fatal(err)
	}
	want := m.sorted()
	if len(want) == 0 {
		want = nil
	}
	if len(got) == 0 {
		got = nil
	}
	if !slices.Equal(got, want) {
		t.Fatalf("members = %v, want %v", got, want)
	}
	n, _ := db.ZCard(key)
	if n != len(m) {
		t.Fatalf("ZCard = %d, want %d", n, len(m))
	}
	for i, e := range want {
		r, s, ok, _ := db.ZRank(key, e.Member, false)
		if !ok || r != i || s != e.Score {
			t.Fatalf("ZRank(%q) = %d %v %v, want %d", e.Member, r, s, ok, i)
		}
		if i > 3 {
			break
		}
	}
}

// TestZSetModel runs random operations against a map, across the
// listpack → skiplist conversion (the limits are small here).
func TestZSetModel(t *testing.T) {
	for _, limit := range []int{4, 128} {
		t.Run(fmt.Sprint("entries ", limit), func(t *testing.T) {
			l := store.DefaultEncodingLimits()
			l.ZSetMaxListpackEntries = limit
			l.ZSetMaxListpackValue = 8
			s := store.New(store.Options{SweepInterval: -1, EncodingLimits: &l})
			db := s.DB(0)
			r := rand.New(rand.NewPCG(7, uint64(limit)))
			m := zmodel{}
			member := func() string {
				if r.IntN(20) == 0 {
					return strings.Repeat("long", 4) + fmt.Sprint(r.IntN(5))
				}
				return fmt.Sprint(r.IntN(300))
			}
			for step := range 3000 {
				switch op := r.IntN(10); {
				case op < 5:
					k, s := member(), float64(r.IntN(20))/4
					db.ZAdd("z", 0, []store.ZMember{{Member: k, Score: s}})
					m[k] = s
				case op < 7:
					k := member()
					db.ZRem("z", []string{k})
					delete(m, k)
				case op < 8:
					k := member()
					s, _ := db.ZIncrBy("z", 1.5, k)
					m[k] += 1.5
					if s != m[k] {
						t.Fatalf("ZIncrBy = %v, want %v", s, m[k])
					}
				case op < 9:
					lo, hi := float64(r.IntN(20))/4, float64(r.IntN(20))/4
					n, _ := db.ZRemRange("z", &store.ZRangeSpec{By: store.ZByScore, Score: store.ScoreRange{Min: lo, Max: hi}})
					want := 0
					for k, v := range m {
						if v >= lo && v <= hi {
							delete(m, k)
							want++
						}
					}
					if n != want {
						t.Fatalf("ZRemRange = %d, want %d", n, want)
					}
				default:
					got, _ := db.ZPop("z", r.IntN(2) == 0, 2)
					for _, e := range got {
						delete(m, e.Member)
					}
				}
				if step%7 == 0 {
					checkZ(t, db, "z", m)
				}
			}
			checkZ(t, db, "z", m)
		})
	}
}

func TestZAddFlags(t *testing.T) {
	tests := []struct {
		name    string
		flags   store.ZAddFlags
		score   float64
		added   int
		updated int
		want    float64
	}{
		{"plain update", 0, 5, 0, 1, 5},
		{"nx keeps", store.ZAddNX, 5, 0, 0, 2},
		{"xx updates", store.ZAddXX, 5, 0, 1, 5},
		{"gt refuses lower", store.ZAddGT, 1, 0, 0, 2},
		{"gt takes higher", store.ZAddGT, 3, 0, 1, 3},
		{"lt takes lower", store.ZAddLT, 1, 0, 1, 1},
		{"incr adds", store.ZAddIncr, 1, 0, 1, 3},
		{"same score is no update", 0, 2, 0, 0, 2},
		{"minus zero is zero", 0, math.Copysign(0, -1), 0, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := newTestDB(t)
			db.ZAdd("z", 0, []store.ZMember{{Member: "a", Score: 2}})
			res, err := db.ZAdd("z", tc.flags, []store.ZMember{{Member: "a", Score: tc.score}})
			if err != nil || res.Added != tc.added || res.Updated != tc.updated {
				t.Fatalf("ZAdd = %+v, %v", res, err)
			}
			if s, _, _ := db.ZScore("z", "a"); s != tc.want {
				t.Fatalf("score %v, want %v", s, tc.want)
			}
		})
	}
	db, _ := newTestDB(t)
	db.ZAdd("z", 0, []store.ZMember{{Member: "a", Score: math.Inf(1)}})
	if _, err := db.ZIncrBy("z", math.Inf(-1), "a"); err != store.ErrNaNScore {
		t.Fatalf("inf + -inf: %v, want ErrNaNScore", err)
	}
}

// TestZSetConcurrent runs writers on shared keys, for the race detector.
func TestZSetConcurrent(t *testing.T) {
	db, _ := newTestDB(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				k := fmt.Sprint("z", i%3)
				db.ZAdd(k, 0, []store.ZMember{{Member: fmt.Sprint(g, ":", i), Score: float64(i)}})
				db.ZRange(k, &store.ZRangeSpec{By: store.ZByRank, Start: 0, Stop: 5, Count: -1})
				db.ZCombineStore("u", &store.ZCombineSpec{Op: store.ZUnion, Keys: []string{"z0", "z1"}})
				if i%10 == 0 {
					db.ZPop(k, true, 3)
				}
			}
		}()
	}
	wg.Wait()
}

func newZBench(b *testing.B, n int) *store.DB {
	b.Helper()
	db, _ := newBenchStore(b)
	batch := make([]store.ZMember, 0, 1000)
	for i := range n {
		batch = append(batch, store.ZMember{Member: fmt.Sprint("member:", i), Score: float64(i)})
		if len(batch) == cap(batch) {
			db.ZAdd("big", 0, batch)
			batch = batch[:0]
		}
	}
	db.ZAdd("big", 0, batch)
	return db
}

func BenchmarkZAddListpack(b *testing.B) {
	db, _ := newBenchStore(b)
	members := make([]string, 128)
	for i := range members {
		members[i] = fmt.Sprint("m", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%128 == 0 {
			db.ZRem("lp", members)
		}
		db.ZAdd("lp", 0, []store.ZMember{{Member: members[i%128], Score: float64(i)}})
		i++
	}
}

// BenchmarkZAddListpack127 adds a member to the middle of a full listpack
// (127 members, the default zset-max-listpack-entries being 128) and
// removes it again: ZADD's find, its walk to the insert position and the
// ZREM, over integer scores and over scores stored as %.17g text.
func BenchmarkZAddListpack127(b *testing.B) {
	for _, kind := range []string{"int", "float"} {
		b.Run(kind, func(b *testing.B) {
			db, _ := newBenchStore(b)
			score := func(i int) float64 {
				if kind == "float" {
					return float64(i) + 0.1
				}
				return float64(i)
			}
			for i := range 127 {
				db.ZAdd("lp", 0, []store.ZMember{{Member: fmt.Sprint("m", i), Score: score(2 * i)}})
			}
			add := []store.ZMember{{Member: "new", Score: score(127)}}
			rem := []string{"new"}
			b.ReportAllocs()
			for b.Loop() {
				db.ZAdd("lp", 0, add)
				db.ZRem("lp", rem)
			}
		})
	}
}

func BenchmarkZAddSkiplist(b *testing.B) {
	db, _ := newBenchStore(b)
	members := make([]string, 1<<20)
	for i := range members {
		members[i] = fmt.Sprint("m", i)
	}
	b.ReportAllocs()
	i := 0
	pair := make([]store.ZMember, 1)
	for b.Loop() {
		// The member strings are made before the loop: what is left is the
		// store's one allocation per new member, its copy of the member.
		pair[0] = store.ZMember{Member: members[i%len(members)], Score: float64(i % 1000)}
		db.ZAdd("sl", 0, pair)
		i++
	}
}

func BenchmarkZScore1M(b *testing.B) {
	db := newZBench(b, 1_000_000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		db.ZScore("big", "member:123456")
		i++
	}
}

func BenchmarkZRank1M(b *testing.B) {
	db := newZBench(b, 1_000_000)
	b.ReportAllocs()
	for b.Loop() {
		db.ZRank("big", "member:543210", false)
	}
}

func BenchmarkZRange100FromMiddle1M(b *testing.B) {
	db := newZBench(b, 1_000_000)
	spec := &store.ZRangeSpec{By: store.ZByRank, Start: 500_000, Stop: 500_099, Count: -1}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		db.ZRangeFunc("big", spec, func(int) {}, func([]byte, float64) { n++ })
	}
}

func BenchmarkZRangeByScoreLimit1M(b *testing.B) {
	db := newZBench(b, 1_000_000)
	spec := &store.ZRangeSpec{By: store.ZByScore, Score: store.ScoreRange{Min: 250_000, Max: math.Inf(1)}, Offset: 10, Count: 20}
	b.ReportAllocs()
	for b.Loop() {
		db.ZRangeFunc("big", spec, func(int) {}, func([]byte, float64) {})
	}
}

// BenchmarkZSetMemory reports the heap bytes per member of a 1M-member
// sorted set (members "member:N", about 13 bytes).
func BenchmarkZSetMemory(b *testing.B) {
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		db := newZBench(b, 1_000_000)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "bytes/member")
		runtime.KeepAlive(db)
	}
}

// FuzzZSetConversion drives a sorted set across its listpack-to-skiplist
// conversion with adds, score changes, removals and long members, and
// checks it against a map: the same members and scores, in score then
// member order, whatever the encoding.
func FuzzZSetConversion(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add(bytes.Repeat([]byte{9, 200, 17, 3}, 30))
	f.Fuzz(func(t *testing.T, ops []byte) {
		l := store.DefaultEncodingLimits()
		l.ZSetMaxListpackEntries, l.ZSetMaxListpackValue = 6, 10
		s := store.New(store.Options{SweepInterval: -1, EncodingLimits: &l})
		defer s.Close()
		db := s.DB(0)
		model := map[string]float64{}
		for i := 0; i+1 < len(ops); i += 2 {
			op, arg := ops[i], ops[i+1]
			m := "m" + strconv.Itoa(int(arg%16))
			if arg >= 240 {
				m += strings.Repeat("x", int(arg-230)) // too long for the listpack
			}
			switch op % 4 {
			case 0, 1:
				score := float64(int8(op)) / 4
				model[m] = score
				db.ZAdd("z", 0, []store.ZMember{{Member: m, Score: score}})
			case 2:
				delete(model, m)
				db.ZRem("z", []string{m})
			case 3:
				if _, ok := model[m]; ok {
					model[m]++
				} else {
					model[m] = 1
				}
				db.ZIncrBy("z", 1, m)
			}
		}
		want := make([]store.ZMember, 0, len(model))
		for m, sc := range model {
			want = append(want, store.ZMember{Member: m, Score: sc})
		}
		slices.SortFunc(want, func(a, b store.ZMember) int {
			if a.Score != b.Score {
				return cmp.Compare(a.Score, b.Score)
			}
			return strings.Compare(a.Member, b.Member)
		})
		got, err := db.ZMembers("z")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || (len(want) > 0 && !slices.Equal(got, want)) {
			t.Fatalf("zset %v, model %v", got, want)
		}
	})
}
