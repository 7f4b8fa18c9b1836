package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emberkv/ember/store"
)

func bs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func strs(vals [][]byte) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out
}

// listOf reads the whole list at key.
func listOf(t *testing.T, db *store.DB, key string) []string {
	t.Helper()
	vals, err := db.LRange(key, 0, -1)
	if err != nil {
		t.Fatalf("LRange(%q): %v", key, err)
	}
	return strs(vals)
}

func TestListCommands(t *testing.T) {
	tests := []struct {
		name string
		run  func(db *store.DB) (any, error)
		want any
		list []string // the list at "l" afterwards; nil: it must not exist
	}{
		{"rpush", func(db *store.DB) (any, error) { return db.RPush("l", bs("d", "e")...) }, 5, []string{"a", "b", "c", "d", "e"}},
		{"lpush order", func(db *store.DB) (any, error) { return db.LPush("l", bs("x", "y")...) }, 5, []string{"y", "x", "a", "b", "c"}},
		{"lpushx missing", func(db *store.DB) (any, error) { return db.LPushX("m", bs("x")...) }, 0, []string{"a", "b", "c"}},
		{"rpushx", func(db *store.DB) (any, error) { return db.RPushX("l", bs("x")...) }, 4, []string{"a", "b", "c", "x"}},
		{"lpop 2", func(db *store.DB) (any, error) { v, err := db.LPop("l", 2); return strs(v), err }, []string{"a", "b"}, []string{"c"}},
		{"rpop all", func(db *store.DB) (any, error) { v, err := db.RPop("l", 10); return strs(v), err }, []string{"c", "b", "a"}, nil},
		{"lpop 0", func(db *store.DB) (any, error) { v, err := db.LPop("l", 0); return v != nil && len(v) == 0, err }, true, []string{"a", "b", "c"}},
		{"lpop missing", func(db *store.DB) (any, error) { v, err := db.LPop("m", 1); return v == nil, err }, true, []string{"a", "b", "c"}},
		{"llen", func(db *store.DB) (any, error) { return db.LLen("l") }, 3, []string{"a", "b", "c"}},
		{"lindex -1", func(db *store.DB) (any, error) { v, _, err := db.LIndex("l", -1); return string(v), err }, "c", []string{"a", "b", "c"}},
		{"lindex out", func(db *store.DB) (any, error) { _, ok, err := db.LIndex("l", 3); return ok, err }, false, []string{"a", "b", "c"}},
		{"lset", func(db *store.DB) (any, error) { return nil, db.LSet("l", -2, []byte("B")) }, nil, []string{"a", "B", "c"}},
		{"linsert after", func(db *store.DB) (any, error) { return db.LInsert("l", true, []byte("b"), []byte("b2")) }, 4, []string{"a", "b", "b2", "c"}},
		{"linsert no pivot", func(db *store.DB) (any, error) { return db.LInsert("l", false, []byte("z"), []byte("x")) }, -1, []string{"a", "b", "c"}},
		{"lrem all", func(db *store.DB) (any, error) { return db.LRem("l", 0, []byte("b")) }, 1, []string{"a", "c"}},
		{"ltrim", func(db *store.DB) (any, error) { return nil, db.LTrim("l", 1, -1) }, nil, []string{"b", "c"}},
		{"ltrim empty", func(db *store.DB) (any, error) { return nil, db.LTrim("l", 2, 1) }, nil, nil},
		{"lpos", func(db *store.DB) (any, error) {
			return db.LPos("l", []byte("c"), store.LPosOptions{Rank: -1, Count: 1})
		}, []int64{2}, []string{"a", "b", "c"}},
		{"lmove rotate", func(db *store.DB) (any, error) {
			v, _, err := db.LMove("l", "l", store.ListLeft, store.ListRight)
			return string(v), err
		}, "a", []string{"b", "c", "a"}},
		{"lmove away", func(db *store.DB) (any, error) {
			v, _, err := db.LMove("l", "m", store.ListRight, store.ListLeft)
			return string(v), err
		}, "c", []string{"a", "b"}},
		{"lmpop", func(db *store.DB) (any, error) {
			k, v, err := db.LMPop([]string{"m", "l"}, store.ListRight, 2)
			return k + ":" + fmt.Sprint(strs(v)), err
		}, "l:[c b]", []string{"a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := newTestDB(t)
			db.RPush("l", bs("a", "b", "c")...)
			got, err := tc.run(db)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if n, _ := db.LLen("l"); tc.list == nil && n != 0 {
				t.Fatalf("l still exists: %q", listOf(t, db, "l"))
			}
			if tc.list != nil && !slices.Equal(listOf(t, db, "l"), tc.list) {
				t.Fatalf("l = %q, want %q", listOf(t, db, "l"), tc.list)
			}
		})
	}
}

func TestListErrors(t *testing.T) {
	db, _ := newTestDB(t)
	db.Set("s", []byte("v"), store.SetOptions{})
	db.RPush("l", bs("a")...)
	if err := db.LSet("missing", 0, nil); !errors.Is(err, store.ErrNoSuchKey) {
		t.Errorf("LSet missing: %v", err)
	}
	if err := db.LSet("l", 1, nil); !errors.Is(err, store.ErrIndexOutOfRange) {
		t.Errorf("LSet out of range: %v", err)
	}
	if _, err := db.RPush("s", []byte("x")); !errors.Is(err, store.ErrWrongType) {
		t.Errorf("RPush string: %v", err)
	}
	// A wrong-type destination: nothing moves.
	if _, _, err := db.LMove("l", "s", store.ListLeft, store.ListLeft); !errors.Is(err, store.ErrWrongType) {
		t.Errorf("LMove to string: %v", err)
	}
	if got := listOf(t, db, "l"); !slices.Equal(got, []string{"a"}) {
		t.Errorf("l = %q after a failed LMove", got)
	}
	if _, _, err := db.LMPop([]string{"missing", "s", "l"}, store.ListLeft, 1); !errors.Is(err, store.ErrWrongType) {
		t.Errorf("LMPop past a string: %v", err)
	}
}

// TestPopsDoNotAlias checks that popped and ranged values are copies: later
// changes of the list must not show through.
func TestPopsDoNotAlias(t *testing.T) {
	db, _ := newTestDB(t)
	db.RPush("l", bs("aaaa", "bbbb", "cccc", "dddd")...)
	r, _ := db.LRange("l", 0, 1)
	p, _ := db.LPop("l", 1)
	v, _, _ := db.LIndex("l", 0)
	db.LSet("l", 0, []byte("XXXX"))
	db.LPush("l", bs("yyyy", "zzzz")...)
	if string(r[0]) != "aaaa" || string(r[1]) != "bbbb" || string(p[0]) != "aaaa" || string(v) != "bbbb" {
		t.Fatalf("values changed: %q %q %q", r, p, v)
	}
}

// TestListModel runs random operations through the store API against a
// slice, with small nodes (list-max-listpack-size 3) so that the quicklist
// splits and merges all the time, and checks the memory accounting.
func TestListModel(t *testing.T) {
	for _, fill := range []int{3, -1} {
		t.Run(strconv.Itoa(fill), func(t *testing.T) {
			clock := store.NewManualClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
			limits := store.DefaultEncodingLimits()
			limits.ListMaxListpackSize = fill
			s := store.New(store.Options{Clock: clock, SweepInterval: -1, EncodingLimits: &limits})
			defer s.Close()
			db := s.DB(0)
			r := rand.New(rand.NewPCG(1, uint64(fill+10)))
			var model []string
			vals := []string{"a", "b", "", "12", "-7", "a\x00b", string(bytes.Repeat([]byte("x"), 5000))}
			for step := range 3000 {
				v := vals[r.IntN(len(vals))]
				n := len(model)
				i := int64(r.IntN(2*n+3) - n - 1)
				switch r.IntN(9) {
				case 0:
					db.LPush("k", []byte(v))
					model = append([]string{v}, model...)
				case 1:
					db.RPush("k", []byte(v))
					model = append(model, v)
				case 2:
					c := r.IntN(3)
					got, _ := db.LPop("k", c)
					c = min(c, n)
					if n > 0 && !slices.Equal(strs(got), model[:c]) {
						t.Fatalf("step %d: LPop = %q", step, got)
					}
					model = model[c:]
				case 3:
					j := i
					if j < 0 {
						j += int64(n)
					}
					err := db.LSet("k", i, []byte(v))
					if j >= 0 && j < int64(n) {
						model[j] = v
					} else if err == nil {
						t.Fatalf("step %d: LSet(%d) on %d", step, i, n)
					}
				case 4:
					after, elem := r.IntN(2) == 0, vals[r.IntN(len(vals))]
					db.LInsert("k", after, []byte(v), []byte(elem))
					if j := slices.Index(model, v); j >= 0 {
						if after {
							j++
						}
						model = slices.Insert(model, j, elem)
					}
				case 5:
					c := int64(r.IntN(5) - 2)
					removed, _ := db.LRem("k", c, []byte(v))
					left := removed
					if c >= 0 {
						model = slices.DeleteFunc(model, func(e string) bool {
							if e == v && left > 0 {
								left--
								return true
							}
							return false
						})
					} else {
						for x := len(model) - 1; x >= 0 && left > 0; x-- {
							if model[x] == v {
								model = slices.Delete(model, x, x+1)
								left--
							}
						}
					}
				case 6:
					stop := i + int64(r.IntN(20))
					db.LTrim("k", i, stop)
					from, to := i, stop
					if from < 0 {
						from += int64(n)
					}
					if to < 0 {
						to += int64(n)
					}
					from = max(from, 0)
					if from > to || from >= int64(n) {
						model = nil
					} else {
						model = model[from:min(to+1, int64(n))]
					}
				case 7:
					db.LMove("k", "k", store.ListRight, store.ListLeft)
					if n > 0 {
						model = append([]string{model[n-1]}, model[:n-1]...)
					}
				case 8:
					db.RPush("k", bs(vals...)...)
					model = append(model, vals...)
				}
				if got := listOf(t, db, "k"); !slices.Equal(got, model) && !(len(got) == 0 && len(model) == 0) {
					t.Fatalf("step %d: list %q, model %q", step, got, model)
				}
				if len(model) == 0 && db.Size() != 0 {
					t.Fatalf("step %d: empty list not deleted", step)
				}
			}
			// The usedBytes kept by deltas equal a fresh count.
			used := db.UsedBytes()
			db.Del("k")
			if db.UsedBytes() != 0 {
				t.Fatalf("usedBytes %d after deleting everything (was %d)", db.UsedBytes(), used)
			}
		})
	}
}

// TestListConcurrent pushes, pops and moves on shared keys from several
// goroutines; run with -race. Every element pushed is popped exactly once.
func TestListConcurrent(t *testing.T) {
	db, _ := newTestDB(t)
	const workers, perWorker = 4, 500
	var wg sync.WaitGroup
	var mu sync.Mutex
	popped := map[string]int{}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				v := []byte(fmt.Sprintf("%d-%d", w, i))
				db.RPush("a", v)
				db.LMove("a", "b", store.ListLeft, store.ListRight)
				if got, _ := db.LPop("b", 1); len(got) == 1 {
					mu.Lock()
					popped[string(got[0])]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for _, k := range []string{"a", "b"} {
		rest, _ := db.LRange(k, 0, -1)
		for _, v := range rest {
			popped[string(v)]++
		}
	}
	if len(popped) != workers*perWorker {
		t.Fatalf("%d distinct elements, want %d", len(popped), workers*perWorker)
	}
	for v, n := range popped {
		if n != 1 {
			t.Fatalf("%q seen %d times", v, n)
		}
	}
}

func BenchmarkLPush(b *testing.B) {
	db, keys := newBenchStore(b)
	v := []byte("xxx")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		db.LPush(keys[i%100], v)
		i++
	}
}

func BenchmarkRPop(b *testing.B) {
	db, _ := newBenchStore(b)
	v := []byte("xxx")
	for range 1000 { // a list that stays: no key made and deleted per pop
		db.RPush("l", v)
	}
	b.ReportAllocs()
	for b.Loop() {
		db.RPush("l", v)
		db.RPop("l", 1)
	}
}

func benchmarkLRange(b *testing.B, stop int64) {
	db, _ := newBenchStore(b)
	for range 600 {
		db.RPush("l", []byte("xxx"))
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		db.LRangeFunc("l", 0, stop, func(int) {}, func(v []byte) { buf = append(buf, v...) })
	}
}

// The workloads of redis-benchmark's lrange_100 and lrange_600.
func BenchmarkLRange100(b *testing.B) { benchmarkLRange(b, 99) }
func BenchmarkLRange600(b *testing.B) { benchmarkLRange(b, 599) }

func BenchmarkLIndexMiddle(b *testing.B) {
	db, _ := newBenchStore(b)
	vals := make([][]byte, 1000)
	for i := range 1000 {
		for j := range vals {
			vals[j] = []byte("element:" + strconv.Itoa(i*1000+j))
		}
		db.RPush("l", vals...)
	}
	b.ReportAllocs()
	for b.Loop() {
		db.LIndex("l", 500_000)
	}
}

// BenchmarkListMemory reports the memory a list of a million short strings
// takes per element, by the store's own accounting.
func BenchmarkListMemory(b *testing.B) {
	for b.Loop() {
		s := store.New(store.Options{SweepInterval: -1})
		db := s.DB(0)
		vals := make([][]byte, 1000)
		for i := range 1000 {
			for j := range vals {
				vals[j] = []byte("element:" + strconv.Itoa(i*1000+j))
			}
			db.RPush("l", vals...)
		}
		b.ReportMetric(float64(db.UsedBytes())/1e6, "bytes/element")
		s.Close()
	}
}
