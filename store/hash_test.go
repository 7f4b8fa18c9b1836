package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emberkv/ember/store"
)

// hashOf reads the whole hash at key as a map, through HGetAll.
func hashOf(t testing.TB, db *store.DB, key string) map[string]string {
	t.Helper()
	pairs, err := db.HGetAll(key)
	if err != nil {
		t.Fatalf("HGetAll(%q): %v", key, err)
	}
	if len(pairs)%2 != 0 {
		t.Fatalf("HGetAll(%q): odd number of elements %d", key, len(pairs))
	}
	m := make(map[string]string, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		if _, dup := m[string(pairs[i])]; dup {
			t.Fatalf("HGetAll(%q): field %q twice", key, pairs[i])
		}
		m[string(pairs[i])] = string(pairs[i+1])
	}
	return m
}

func TestHashBasics(t *testing.T) {
	db, _ := newTestDB(t)
	if n, err := db.HSet("h", bs("a", "1", "b", "2", "a", "3")...); n != 2 || err != nil {
		t.Fatalf("HSet = %d, %v; want 2 new fields", n, err)
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"HGet a", must(db.HGet("h", []byte("a"))), "3"},
		{"HGet missing", must(db.HGet("h", []byte("x"))), "<nil>"},
		{"HGet missing key", must(db.HGet("nokey", []byte("a"))), "<nil>"},
		{"HLen", must2(db.HLen("h")), 2},
		{"HLen missing", must2(db.HLen("nokey")), 0},
		{"HExists", must2(db.HExists("h", []byte("b"))), true},
		{"HExists missing", must2(db.HExists("h", []byte("c"))), false},
		{"HStrLen", must2(db.HStrLen("h", []byte("a"))), 1},
		{"HKeys", must2(db.HKeys("h")), []string{"a", "b"}},
		{"HVals", fmt.Sprintf("%q", must2(db.HVals("h"))), `["3" "2"]`},
		{"HGetAll", fmt.Sprintf("%q", must2(db.HGetAll("h"))), `["a" "3" "b" "2"]`},
		{"HMGet", fmt.Sprintf("%q", must2(db.HMGet("h", bs("b", "x", "a")...))), `["2" "" "3"]`},
		{"encoding", encodingOf(t, db, "h"), "listpack"},
	}
	for _, tt := range tests {
		if fmt.Sprint(tt.got) != fmt.Sprint(tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	// HMGet tells a missing field (nil) from an empty value.
	db.HSet("h", bs("e", "")...)
	vals, _ := db.HMGet("h", bs("e", "x")...)
	if vals[0] == nil || vals[1] != nil {
		t.Errorf("HMGet empty/missing = %#v", vals)
	}
	if v, ok, _ := db.HGet("h", []byte("e")); !ok || v == nil || len(v) != 0 {
		t.Errorf("HGet of an empty value = %#v, %v", v, ok)
	}
}

func must(v []byte, ok bool, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	if !ok {
		return "<nil>"
	}
	return string(v)
}

func must2[T any](v T, err error) any {
	if err != nil {
		return "error: " + err.Error()
	}
	return v
}

func TestHashDelete(t *testing.T) {
	tests := []struct {
		name    string
		set     []string
		del     []string
		want    int
		remains map[string]string
	}{
		{"none", []string{"a", "1"}, []string{"x"}, 0, map[string]string{"a": "1"}},
		{"one", []string{"a", "1", "b", "2"}, []string{"a"}, 1, map[string]string{"b": "2"}},
		{"repeated", []string{"a", "1", "b", "2"}, []string{"a", "a"}, 1, map[string]string{"b": "2"}},
		{"last deletes the key", []string{"a", "1"}, []string{"a", "x"}, 1, nil},
		{"binary", []string{"a\x00b", "1", "", ""}, []string{"", "a\x00b"}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := newTestDB(t)
			db.HSet("h", bs(tt.set...)...)
			n, err := db.HDel("h", bs(tt.del...)...)
			if n != tt.want || err != nil {
				t.Fatalf("HDel = %d, %v; want %d", n, err, tt.want)
			}
			if tt.remains == nil {
				if db.Type("h") != store.KindNone {
					t.Fatalf("key still exists after its last field went")
				}
				if db.UsedBytes() != 0 {
					t.Errorf("UsedBytes = %d after the only key went", db.UsedBytes())
				}
				return
			}
			if got := hashOf(t, db, "h"); !maps.Equal(got, tt.remains) {
				t.Errorf("left %v, want %v", got, tt.remains)
			}
		})
	}
}

func TestHashWrongType(t *testing.T) {
	db, _ := newTestDB(t)
	db.Set("s", []byte("x"), store.SetOptions{})
	f := []byte("f")
	checks := map[string]error{}
	_, checks["HSet"] = db.HSet("s", f, f)
	_, checks["HSetNX"] = db.HSetNX("s", f, f)
	_, _, checks["HGet"] = db.HGet("s", f)
	_, checks["HMGet"] = db.HMGet("s", f)
	_, checks["HDel"] = db.HDel("s", f)
	_, checks["HExists"] = db.HExists("s", f)
	_, checks["HLen"] = db.HLen("s")
	_, checks["HStrLen"] = db.HStrLen("s", f)
	_, checks["HKeys"] = db.HKeys("s")
	_, checks["HVals"] = db.HVals("s")
	_, checks["HGetAll"] = db.HGetAll("s")
	_, checks["HIncrBy"] = db.HIncrBy("s", f, 1)
	_, checks["HIncrByFloat"] = db.HIncrByFloat("s", f, []byte("1"))
	_, _, checks["HRandField"] = db.HRandField("s")
	_, checks["HRandFields"] = db.HRandFields("s", 3, true)
	_, _, checks["HScan"] = db.HScan("s", 0, "*", 10)
	for name, err := range checks {
		if !errors.Is(err, store.ErrWrongType) {
			t.Errorf("%s on a string: %v, want ErrWrongType", name, err)
		}
	}
	if v, _, _ := db.Get("s"); string(v) != "x" {
		t.Errorf("the string changed: %q", v)
	}
}

func TestHashIncr(t *testing.T) {
	tests := []struct {
		name    string
		initial string // "" means no field
		by      int64
		want    int64
		err     error
	}{
		{"missing field", "", 5, 5, nil},
		{"add", "10", -3, 7, nil},
		{"max", "9223372036854775806", 1, 9223372036854775807, nil},
		{"overflow", "9223372036854775807", 1, 0, store.ErrOverflow},
		{"underflow", "-9223372036854775808", -1, 0, store.ErrOverflow},
		{"not an integer", "1.5", 1, 0, store.ErrHashNotInteger},
		{"spaces", " 1", 1, 0, store.ErrHashNotInteger},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := newTestDB(t)
			db.HSet("h", bs("other", "x")...)
			if tt.initial != "" {
				db.HSet("h", bs("f", tt.initial)...)
			}
			got, err := db.HIncrBy("h", []byte("f"), tt.by)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("HIncrBy = %d, %v; want %d, %v", got, err, tt.want, tt.err)
			}
		})
	}

	floats := []struct {
		initial, incr, want string
		err                 error
	}{
		{"", "0.1", "0.1", nil},
		{"0.1", "0.2", "0.3", nil},
		{"1e17", "1", "100000000000000001", nil},
		{"10", "-10.5", "-0.5", nil},
		{"5", "inf", "", store.ErrInfIncrement},
		{"5", "abc", "", store.ErrNotFloat},
		{"abc", "1", "", store.ErrHashNotFloat},
		{"inf", "1", "", store.ErrNaNOrInf},
		{"1.18e4932", "1.18e4932", "", store.ErrNaNOrInf},
	}
	for _, tt := range floats {
		t.Run("float "+tt.initial+"+"+tt.incr, func(t *testing.T) {
			db, _ := newTestDB(t)
			db.HSet("h", bs("other", "x")...)
			if tt.initial != "" {
				db.HSet("h", bs("f", tt.initial)...)
			}
			got, err := db.HIncrByFloat("h", []byte("f"), []byte(tt.incr))
			if string(got) != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("HIncrByFloat = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
	// A rejected increment never creates the key.
	db, _ := newTestDB(t)
	db.HIncrByFloat("nokey", []byte("f"), []byte("inf"))
	if db.Type("nokey") != store.KindNone {
		t.Error("a rejected HIncrByFloat created the key")
	}
}

// TestHashConversion checks Redis 7.0's conversion points (t_hash.c).
func TestHashConversion(t *testing.T) {
	long := strings.Repeat("x", 65)
	tests := []struct {
		name   string
		limits store.EncodingLimits
		do     func(db *store.DB)
		want   string
	}{
		{"small", store.DefaultEncodingLimits(), func(db *store.DB) { db.HSet("h", bs("a", "1")...) }, "listpack"},
		{"64-byte value stays", store.DefaultEncodingLimits(), func(db *store.DB) { db.HSet("h", bs("a", long[:64])...) }, "listpack"},
		{"65-byte value converts", store.DefaultEncodingLimits(), func(db *store.DB) { db.HSet("h", bs("a", long)...) }, "hashtable"},
		{"65-byte field converts", store.DefaultEncodingLimits(), func(db *store.DB) { db.HSet("h", bs(long, "1")...) }, "hashtable"},
		{"HSETNX of an existing field does not", store.DefaultEncodingLimits(), func(db *store.DB) {
			db.HSet("h", bs("a", "1")...)
			db.HSetNX("h", []byte("a"), []byte(long))
		}, "listpack"},
		{"HINCRBY of a long field converts", store.DefaultEncodingLimits(), func(db *store.DB) {
			db.HIncrBy("h", []byte(long), 1)
		}, "hashtable"},
		{"entries: 4 of 4 stay", limitsWith(4, 64), func(db *store.DB) { db.HSet("h", bs("a", "1", "b", "2", "c", "3", "d", "4")...) }, "listpack"},
		{"entries: the 5th converts", limitsWith(4, 64), func(db *store.DB) {
			db.HSet("h", bs("a", "1", "b", "2", "c", "3", "d", "4")...)
			db.HIncrBy("h", []byte("e"), 1)
		}, "hashtable"},
		{"never back", limitsWith(1, 64), func(db *store.DB) {
			db.HSet("h", bs("a", "1", "b", "2")...)
			db.HDel("h", []byte("a"))
		}, "hashtable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := store.New(store.Options{SweepInterval: -1, EncodingLimits: &tt.limits})
			defer s.Close()
			db := s.DB(0)
			tt.do(db)
			if got := encodingOf(t, db, "h"); got != tt.want {
				t.Errorf("encoding %q, want %q", got, tt.want)
			}
		})
	}
}

func limitsWith(entries, value int) store.EncodingLimits {
	l := store.DefaultEncodingLimits()
	l.HashMaxListpackEntries, l.HashMaxListpackValue = entries, value
	return l
}

func TestHashRandField(t *testing.T) {
	for _, enc := range []string{"listpack", "hashtable"} {
		t.Run(enc, func(t *testing.T) {
			l := store.DefaultEncodingLimits()
			if enc == "hashtable" {
				l.HashMaxListpackEntries = 0
			}
			s := store.New(store.Options{SweepInterval: -1, EncodingLimits: &l})
			defer s.Close()
			db := s.DB(0)
			want := map[string]string{}
			for i := range 20 {
				f, v := "f"+strconv.Itoa(i), strconv.Itoa(i*i)
				want[f] = v
				db.HSet("h", []byte(f), []byte(v))
			}
			if got := encodingOf(t, db, "h"); got != enc {
				t.Fatalf("encoding %s", got)
			}
			for _, count := range []int64{0, 1, 5, 7, 19, 20, 25, -1, -50} {
				pairs, err := db.HRandFields("h", count, true)
				if err != nil {
					t.Fatal(err)
				}
				n := int(count)
				switch {
				case count < 0:
					n = int(-count)
				case count > 20:
					n = 20
				}
				if len(pairs) != 2*n {
					t.Fatalf("count %d: %d elements, want %d pairs", count, len(pairs), n)
				}
				seen := map[string]bool{}
				for i := 0; i < len(pairs); i += 2 {
					f, v := string(pairs[i]), string(pairs[i+1])
					if want[f] != v {
						t.Fatalf("count %d: pair %q=%q is not in the hash", count, f, v)
					}
					if count > 0 && seen[f] {
						t.Fatalf("count %d: %q twice", count, f)
					}
					seen[f] = true
				}
			}
			// Every field is picked eventually: the picks are not stuck.
			seen := map[string]bool{}
			for range 2000 {
				f, _, _ := db.HRandField("h")
				seen[string(f)] = true
			}
			if len(seen) != 20 {
				t.Errorf("HRandField picked %d of 20 fields in 2000 tries", len(seen))
			}
			if f, ok, err := db.HRandField("nokey"); f != nil || ok || err != nil {
				t.Errorf("HRandField(nokey) = %q, %v, %v", f, ok, err)
			}
		})
	}
}

// TestHashScan walks both encodings to the end, with changes in between,
// and checks Redis's guarantee: every field present throughout is seen.
func TestHashScan(t *testing.T) {
	db, _ := newTestDB(t)
	for i := range 1000 {
		db.HSet("h", []byte("f"+strconv.Itoa(i)), []byte("v"))
	}
	db.HSet("small", bs("a", "1", "b", "2", "ab", "3")...)
	next, pairs, err := db.HScan("small", 7, "a*", 1)
	if next != 0 || err != nil || fmt.Sprintf("%q", pairs) != `["a" "1" "ab" "3"]` {
		t.Errorf("listpack HScan = %d, %q, %v", next, pairs, err)
	}
	// MATCH "" is a pattern too: only the empty field matches it.
	db.HSet("small", bs("", "empty")...)
	if _, pairs, _ := db.HScan("small", 0, "", 10); fmt.Sprintf("%q", pairs) != `["" "empty"]` {
		t.Errorf(`HScan MATCH "" = %q`, pairs)
	}
	seen := map[string]bool{}
	cursor, calls := uint64(0), 0
	for {
		var pairs [][]byte
		cursor, pairs, err = db.HScan("h", cursor, "*", 25)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(pairs); i += 2 {
			seen[string(pairs[i])] = true
		}
		calls++
		// Grow and shrink the table while the scan goes on: fields
		// f0..f499 stay throughout.
		if calls%3 == 0 {
			for j := range 200 {
				db.HSet("h", []byte("tmp"+strconv.Itoa(calls*1000+j)), []byte("x"))
			}
		} else if calls%3 == 1 {
			for j := 500 + calls; j < 1000; j += 7 {
				db.HDel("h", []byte("f"+strconv.Itoa(j)))
			}
		}
		if cursor == 0 {
			break
		}
	}
	for i := range 500 {
		if !seen["f"+strconv.Itoa(i)] {
			t.Fatalf("f%d was never returned", i)
		}
	}
	if calls < 3 {
		t.Errorf("a hashtable of 1000 fields scanned in %d calls of COUNT 25", calls)
	}
}

// hashModel is what a hash should hold, for the random tests.
type hashModel map[string]string

// TestHashModel runs random operations against the store and a Go map,
// across the listpack-to-hashtable conversion, and compares them after
// every step.
func TestHashModel(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			l := limitsWith(16, 8) // small thresholds: conversions happen early
			s := store.New(store.Options{SweepInterval: -1, EncodingLimits: &l})
			defer s.Close()
			db := s.DB(0)
			rng := rand.New(rand.NewPCG(seed, 1))
			model := hashModel{}
			field := func() string {
				if rng.IntN(10) == 0 {
					return strings.Repeat("F", 5+rng.IntN(10)) // sometimes too long
				}
				return "f" + strconv.Itoa(rng.IntN(40))
			}
			value := func() string {
				switch rng.IntN(4) {
				case 0:
					return strconv.Itoa(rng.IntN(2000) - 1000)
				case 1:
					return strings.Repeat("v", rng.IntN(12))
				default:
					return "v" + strconv.Itoa(rng.IntN(100))
				}
			}
			for step := range 3000 {
				var op string
				switch rng.IntN(7) {
				case 0, 1:
					f, v, g, w := field(), value(), field(), value()
					op = fmt.Sprintf("HSET %s %s %s %s", f, v, g, w)
					want := 0
					if _, ok := model[f]; !ok {
						want++
					}
					model[f] = v
					if _, ok := model[g]; !ok {
						want++
					}
					model[g] = w
					if n, _ := db.HSet("h", []byte(f), []byte(v), []byte(g), []byte(w)); n != want {
						t.Fatalf("step %d %s: %d new, want %d", step, op, n, want)
					}
				case 2:
					f, v := field(), value()
					op = "HSETNX " + f + " " + v
					_, exists := model[f]
					if !exists {
						model[f] = v
					}
					if set, _ := db.HSetNX("h", []byte(f), []byte(v)); set == exists {
						t.Fatalf("step %d %s: set %v", step, op, set)
					}
				case 3, 4:
					f, g := field(), field()
					op = "HDEL " + f + " " + g
					want := 0
					for _, x := range []string{f, g} {
						if _, ok := model[x]; ok {
							delete(model, x)
							want++
						}
					}
					if n, _ := db.HDel("h", []byte(f), []byte(g)); n != want {
						t.Fatalf("step %d %s: %d deleted, want %d", step, op, n, want)
					}
				case 5:
					f := field()
					by := int64(rng.IntN(100) - 50)
					op = fmt.Sprintf("HINCRBY %s %d", f, by)
					cur, isInt := int64(0), true
					if old, ok := model[f]; ok {
						// Only canonical decimal integers are integers.
						n, err := strconv.ParseInt(old, 10, 64)
						cur, isInt = n, err == nil && strconv.FormatInt(n, 10) == old
					}
					got, err := db.HIncrBy("h", []byte(f), by)
					if !isInt {
						if !errors.Is(err, store.ErrHashNotInteger) {
							t.Fatalf("step %d %s on %q: %v", step, op, model[f], err)
						}
						break
					}
					if err != nil || got != cur+by {
						t.Fatalf("step %d %s: %d, %v; want %d", step, op, got, err, cur+by)
					}
					model[f] = strconv.FormatInt(cur+by, 10)
				case 6:
					f := field()
					op = "HGET " + f
					v, ok, _ := db.HGet("h", []byte(f))
					if want, wok := model[f]; ok != wok || string(v) != want {
						t.Fatalf("step %d %s = %q, %v; want %q, %v", step, op, v, ok, want, wok)
					}
				}
				if got := hashOf(t, db, "h"); !maps.Equal(got, model) {
					t.Fatalf("step %d %s: hash %v, model %v", step, op, got, model)
				}
				if n, _ := db.HLen("h"); n != len(model) {
					t.Fatalf("step %d %s: HLen %d, model %d", step, op, n, len(model))
				}
				if len(model) == 0 && db.Type("h") != store.KindNone {
					t.Fatalf("step %d %s: an empty hash is left", step, op)
				}
			}
			db.Flush()
			if db.UsedBytes() != 0 {
				t.Errorf("UsedBytes %d after FLUSHDB", db.UsedBytes())
			}
		})
	}
}

// FuzzHashConversion applies a byte-coded sequence of sets and deletes,
// some with long values, and compares the hash with a map, whichever
// encoding it ends in.
func FuzzHashConversion(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add(bytes.Repeat([]byte{9, 200, 17}, 30))
	f.Fuzz(func(t *testing.T, ops []byte) {
		l := limitsWith(8, 10)
		s := store.New(store.Options{SweepInterval: -1, EncodingLimits: &l})
		defer s.Close()
		db := s.DB(0)
		model := hashModel{}
		for i := 0; i+1 < len(ops); i += 2 {
			op, arg := ops[i], ops[i+1]
			fld := "f" + strconv.Itoa(int(arg%16))
			switch op % 4 {
			case 0, 1:
				v := strings.Repeat("v", int(arg>>4)) // 0..15 bytes: some too long
				model[fld] = v
				db.HSet("k", []byte(fld), []byte(v))
			case 2:
				delete(model, fld)
				db.HDel("k", []byte(fld))
			case 3:
				v := strconv.Itoa(int(int8(arg))) // integers, stored as such
				model[fld] = v
				db.HSet("k", []byte(fld), []byte(v))
			}
		}
		if got := hashOf(t, db, "k"); !maps.Equal(got, model) {
			t.Fatalf("hash %v, model %v", got, model)
		}
		keys, _ := db.HKeys("k")
		if !slices.Equal(slices.Sorted(slices.Values(keys)), slices.Sorted(maps.Keys(model))) {
			t.Fatalf("HKeys %v", keys)
		}
	})
}

// TestHashConcurrent has several goroutines change the same few hashes;
// run with -race. The counters must add up.
func TestHashConcurrent(t *testing.T) {
	db, _ := newTestDB(t)
	const workers, rounds = 6, 400
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := []byte("w" + strconv.Itoa(w))
			for i := range rounds {
				key := "h" + strconv.Itoa(i%3)
				db.HIncrBy(key, []byte("count"), 1)
				db.HSet(key, own, []byte(strconv.Itoa(i)))
				db.HGetAll(key)
				db.HScan(key, 0, "*", 10)
				db.HRandFields(key, -3, true)
				db.HDel(key, []byte("tmp"))
				db.HSet(key, []byte("tmp"), bytes.Repeat([]byte("x"), i%100)) // converts some
			}
		}()
	}
	wg.Wait()
	total := int64(0)
	for i := range 3 {
		v, _, _ := db.HGet("h"+strconv.Itoa(i), []byte("count"))
		n, _ := strconv.ParseInt(string(v), 10, 64)
		total += n
	}
	if total != workers*rounds {
		t.Errorf("counters add up to %d, want %d", total, workers*rounds)
	}
}

// TestHashReturnsCopies: what the store returns is the caller's to keep,
// even after the hash changes in place.
func TestHashReturnsCopies(t *testing.T) {
	db, _ := newTestDB(t)
	db.HSet("h", bs("a", "value-a", "b", "value-b")...)
	v, _, _ := db.HGet("h", []byte("a"))
	all, _ := db.HGetAll("h")
	vals, _ := db.HMGet("h", bs("a")...)
	arg := []byte("c")
	db.HSet("h", arg, []byte("value-c"))
	arg[0] = 'z' // the store kept its own copy of the field
	db.HSet("h", bs("a", "CHANGED", "b", "CHANGED")...)
	if string(v) != "value-a" || string(all[1]) != "value-a" || string(vals[0]) != "value-a" {
		t.Errorf("returned values changed: %q %q %q", v, all[1], vals[0])
	}
	if ok, _ := db.HExists("h", []byte("c")); !ok {
		t.Error("field c lost when the caller reused its buffer")
	}
}

func TestHashCopyIsDeep(t *testing.T) {
	for _, n := range []int{3, 600} { // listpack, hashtable
		db, _ := newTestDB(t)
		for i := range n {
			db.HSet("src", []byte("f"+strconv.Itoa(i)), []byte("v"))
		}
		db.Copy("src", db, "dst", false)
		db.HSet("dst", bs("f0", "changed", "new", "x")...)
		db.HDel("dst", []byte("f1"))
		if v, _, _ := db.HGet("src", []byte("f0")); string(v) != "v" {
			t.Errorf("%d fields: the source changed with its copy: %q", n, v)
		}
		if l, _ := db.HLen("src"); l != n {
			t.Errorf("%d fields: source has %d", n, l)
		}
		if encodingOf(t, db, "dst") != encodingOf(t, db, "src") {
			t.Errorf("%d fields: the copy's encoding %s differs", n, encodingOf(t, db, "dst"))
		}
	}
}
