package store_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/emberkv/ember/store"
)

func bs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func encodingOf(t testing.TB, db *store.DB, key string) string {
	t.Helper()
	info, ok := db.Object(key)
	if !ok {
		return "<none>"
	}
	return info.Encoding
}

func sorted(ss []string) []string { return slices.Sorted(slices.Values(ss)) }

func TestSAddEncoding(t *testing.T) {
	tests := []struct {
		name    string
		members []string
		enc     string
	}{
		{"integers", []string{"3", "-1", "9223372036854775807", "-9223372036854775808"}, "intset"},
		{"leading zero", []string{"1", "01"}, "hashtable"},
		{"space", []string{" 1"}, "hashtable"},
		{"minus zero", []string{"-0"}, "hashtable"},
		{"plus sign", []string{"+1"}, "hashtable"},
		{"overflow", []string{"9223372036854775808"}, "hashtable"},
		{"empty", []string{""}, "hashtable"},
		{"binary", []string{"a\x00b"}, "hashtable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := newTestDB(t)
			n, err := db.SAdd("s", bs(tt.members...)...)
			if err != nil || n != len(tt.members) {
				t.Fatalf("SAdd = %d, %v", n, err)
			}
			if got := encodingOf(t, db, "s"); got != tt.enc {
				t.Errorf("encoding %s, want %s", got, tt.enc)
			}
			got, _ := db.SMembers("s")
			if !slices.Equal(sorted(got), sorted(tt.members)) {
				t.Errorf("SMembers = %q, want %q", got, tt.members)
			}
		})
	}
}

func TestIntsetThreshold(t *testing.T) {
	db, _ := newTestDB(t)
	var members []string
	for i := range 512 {
		members = append(members, strconv.Itoa(511-i))
	}
	db.SAdd("s", bs(members...)...)
	if got := encodingOf(t, db, "s"); got != "intset" {
		t.Fatalf("512 integers: %s, want intset", got)
	}
	got, _ := db.SMembers("s")
	if !slices.IsSortedFunc(got, func(a, b string) int { x, _ := strconv.Atoi(a); y, _ := strconv.Atoi(b); return x - y }) {
		t.Errorf("an intset's members are not ascending: %q...", got[:5])
	}
	db.SAdd("s", []byte("512"))
	if got := encodingOf(t, db, "s"); got != "hashtable" {
		t.Fatalf("513 integers: %s, want hashtable", got)
	}
	db.SRem("s", bs(members...)...)
	if got := encodingOf(t, db, "s"); got != "hashtable" {
		t.Errorf("after shrinking: %s, want hashtable (never back)", got)
	}
}

func TestSetOperations(t *testing.T) {
	db, _ := newTestDB(t)
	db.SAdd("a", bs("1", "2", "3", "4")...)
	db.SAdd("b", bs("3", "4", "5")...)
	db.SAdd("h", bs("x", "3", "y")...)
	db.Set("str", []byte("v"), store.SetOptions{})
	tests := []struct {
		name string
		run  func() ([]string, error)
		want []string // nil: empty
		err  error
	}{
		{"inter", func() ([]string, error) { return db.SInter("a", "b") }, []string{"3", "4"}, nil},
		{"inter with hashtable", func() ([]string, error) { return db.SInter("h", "a") }, []string{"3"}, nil},
		{"inter missing", func() ([]string, error) { return db.SInter("a", "nokey") }, nil, nil},
		{"inter wrong type after missing", func() ([]string, error) { return db.SInter("nokey", "str") }, nil, store.ErrWrongType},
		{"inter same key", func() ([]string, error) { return db.SInter("a", "a") }, []string{"1", "2", "3", "4"}, nil},
		{"union", func() ([]string, error) { return db.SUnion("a", "b", "nokey") }, []string{"1", "2", "3", "4", "5"}, nil},
		{"union wrong type", func() ([]string, error) { return db.SUnion("a", "str") }, nil, store.ErrWrongType},
		{"diff", func() ([]string, error) { return db.SDiff("a", "b") }, []string{"1", "2"}, nil},
		{"diff hashtable", func() ([]string, error) { return db.SDiff("h", "a") }, []string{"x", "y"}, nil},
		{"diff missing first", func() ([]string, error) { return db.SDiff("nokey", "a") }, nil, nil},
		{"diff same key", func() ([]string, error) { return db.SDiff("a", "b", "a") }, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.run()
			if err != tt.err || !slices.Equal(sorted(got), tt.want) {
				t.Errorf("got %q, %v, want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
	if n, err := db.SInterCard([]string{"a", "b"}, 1); n != 1 || err != nil {
		t.Errorf("SInterCard limit 1 = %d, %v", n, err)
	}
	if n, err := db.SInterCard([]string{"a", "b"}, 0); n != 2 || err != nil {
		t.Errorf("SInterCard = %d, %v", n, err)
	}
}

func TestSetStore(t *testing.T) {
	db, clock := newTestDB(t)
	db.SAdd("h1", bs("x", "1", "2")...)
	db.SAdd("h2", bs("x", "2", "1")...)
	db.Set("dst", []byte("a string"), store.SetOptions{ExpireAt: clock.Now().UnixMilli() + 10000})
	if n, err := db.SInterStore("dst", "h1", "h2"); n != 3 || err != nil {
		t.Fatalf("SInterStore = %d, %v", n, err)
	}
	if db.Type("dst") != store.KindSet || db.PTTL("dst") != store.NoTTL {
		t.Errorf("dst is a %v with TTL %d, want a set without TTL", db.Type("dst"), db.PTTL("dst"))
	}
	db.SRem("h1", []byte("x"))
	db.SInterStore("dst", "h1", "h2")
	if got := encodingOf(t, db, "dst"); got != "intset" {
		t.Errorf("integers common to hash tables stored as %s, want intset", got)
	}
	if n, _ := db.SUnionStore("dst", "nokey"); n != 0 || db.Exists("dst") != 0 {
		t.Errorf("an empty union left dst behind")
	}
	db.Set("str", []byte("v"), store.SetOptions{})
	if _, err := db.SDiffStore("dst", "h1", "str"); err != store.ErrWrongType {
		t.Errorf("SDiffStore with a string source: %v", err)
	}
	if n, err := db.SUnionStore("h1", "h1", "h2"); n != 3 || err != nil {
		t.Errorf("SUnionStore onto a source = %d, %v", n, err)
	}
}

func TestSMove(t *testing.T) {
	db, _ := newTestDB(t)
	db.SAdd("src", bs("1", "a")...)
	db.Set("str", []byte("v"), store.SetOptions{})
	tests := []struct {
		src, dst, member string
		want             bool
		err              error
	}{
		{"nokey", "str", "1", false, nil}, // a missing source is checked first
		{"src", "str", "1", false, store.ErrWrongType},
		{"str", "src", "1", false, store.ErrWrongType},
		{"src", "src", "1", true, nil},
		{"src", "src", "z", false, nil},
		{"src", "dst", "z", false, nil},
		{"src", "dst", "1", true, nil},
		{"src", "dst", "a", true, nil},
	}
	for _, tt := range tests {
		got, err := db.SMove(tt.src, tt.dst, []byte(tt.member))
		if got != tt.want || err != tt.err {
			t.Errorf("SMove(%q, %q, %q) = %v, %v, want %v, %v", tt.src, tt.dst, tt.member, got, err, tt.want, tt.err)
		}
	}
	if db.Exists("src") != 0 {
		t.Error("the emptied source still exists")
	}
	if got := encodingOf(t, db, "dst"); got != "hashtable" {
		t.Errorf("dst encoding %s", got)
	}
}

func TestSPopAndSRandMember(t *testing.T) {
	db, _ := newTestDB(t)
	db.SAdd("s", bs("5", "3", "1")...)
	if got, _ := db.SPop("s", 0); len(got) != 0 || db.Exists("s") != 1 {
		t.Errorf("SPop 0 = %q", got)
	}
	if got, _ := db.SRandMember("s", 10); !slices.Equal(got, []string{"1", "3", "5"}) {
		t.Errorf("SRandMember covering an intset = %q, want it ascending", got)
	}
	if got, _ := db.SRandMember("s", -7); len(got) != 7 {
		t.Errorf("SRandMember -7 gave %d members", len(got))
	}
	if got, _ := db.SRandMember("s", 2); len(got) != 2 || got[0] == got[1] {
		t.Errorf("SRandMember 2 = %q", got)
	}
	if got, _ := db.SPop("s", 10); !slices.Equal(got, []string{"1", "3", "5"}) || db.Exists("s") != 0 {
		t.Errorf("SPop of the whole set = %q", got)
	}
	for _, n := range []int{1, 3, 7, 9, 10} { // every SPOP strategy
		var members []string
		for i := range 10 {
			members = append(members, "m"+strconv.Itoa(i))
		}
		db.SAdd("p", bs(members...)...)
		popped, err := db.SPop("p", n)
		rest, _ := db.SMembers("p")
		all := append(slices.Clone(popped), rest...)
		if err != nil || len(popped) != n || !slices.Equal(sorted(all), sorted(members)) {
			t.Errorf("SPop %d = %q, leaving %q", n, popped, rest)
		}
		db.Del("p")
	}
}

func TestSScan(t *testing.T) {
	db, _ := newTestDB(t)
	want := map[string]bool{}
	var members []string
	for i := range 1000 {
		m := "m" + strconv.Itoa(i)
		members = append(members, m)
		want[m] = true
	}
	db.SAdd("s", bs(members...)...)
	seen := map[string]bool{}
	cursor := uint64(0)
	for {
		next, got, err := db.SScan("s", cursor, "*", 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range got {
			seen[m] = true
		}
		// Changes between calls must not hide members present throughout.
		db.SAdd("s", []byte(fmt.Sprintf("extra%d", cursor)))
		if cursor = next; cursor == 0 {
			break
		}
	}
	for m := range want {
		if !seen[m] {
			t.Fatalf("SScan never returned %q", m)
		}
	}
	db.SAdd("i", bs("1", "2", "10")...)
	if next, got, _ := db.SScan("i", 0, "1*", 1); next != 0 || !slices.Equal(got, []string{"1", "10"}) {
		t.Errorf("SScan of an intset = %d, %q", next, got)
	}
}

// model is a plain Go set, with what Redis's encoding should be.
type setModel struct {
	members   map[string]bool
	converted bool
}

// TestSetModel runs random operations against the store and a map, and
// compares them after every step, across the intset conversion.
func TestSetModel(t *testing.T) {
	s := store.New(store.Options{SweepInterval: -1, EncodingLimits: &store.EncodingLimits{SetMaxIntsetEntries: 16}})
	t.Cleanup(s.Close)
	db := s.DB(0)
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{"a", "b", "c"}
	model := map[string]*setModel{}
	member := func() string {
		if rng.IntN(20) == 0 {
			return "x" + strconv.Itoa(rng.IntN(5))
		}
		return strconv.Itoa(rng.IntN(40) - 5)
	}
	get := func(k string) *setModel {
		if model[k] == nil {
			model[k] = &setModel{members: map[string]bool{}}
		}
		return model[k]
	}
	for step := range 20000 {
		k := keys[rng.IntN(len(keys))]
		m := get(k)
		var op string
		switch rng.IntN(7) {
		case 0, 1:
			v := member()
			op = "SADD " + k + " " + v
			if len(m.members) == 0 {
				m.converted = false
			}
			db.SAdd(k, []byte(v))
			m.members[v] = true
			if _, err := strconv.ParseInt(v, 10, 64); err != nil || len(m.members) > 16 {
				m.converted = true
			}
		case 2:
			v := member()
			op = "SREM " + k + " " + v
			db.SRem(k, []byte(v))
			delete(m.members, v)
		case 3:
			op = "SPOP " + k
			n := rng.IntN(20)
			popped, _ := db.SPop(k, n)
			if len(m.members) <= n {
				if len(popped) != len(m.members) {
					t.Fatalf("step %d: %s %d popped %d of %d", step, op, n, len(popped), len(m.members))
				}
			} else if (len(m.members)-n)*5 <= n {
				// Case 3 moved the rest to a new set: its encoding
				// follows what remains.
				m.converted = false
				for v := range m.members {
					if !slices.Contains(popped, v) {
						if _, err := strconv.ParseInt(v, 10, 64); err != nil {
							m.converted = true
						}
					}
				}
				if len(m.members)-n > 16 {
					m.converted = true
				}
			}
			for _, v := range popped {
				if !m.members[v] {
					t.Fatalf("step %d: %s popped %q, not a member", step, op, v)
				}
				delete(m.members, v)
			}
		case 4:
			dst := keys[rng.IntN(len(keys))]
			v := member()
			op = "SMOVE " + k + " " + dst + " " + v
			ok, _ := db.SMove(k, dst, []byte(v))
			if ok != m.members[v] {
				t.Fatalf("step %d: %s = %v", step, op, ok)
			}
			if ok && dst != k {
				delete(m.members, v)
				d := get(dst)
				if len(d.members) == 0 {
					d.converted = false
				}
				d.members[v] = true
				if _, err := strconv.ParseInt(v, 10, 64); err != nil || len(d.members) > 16 {
					d.converted = true
				}
			}
		case 5:
			other := keys[rng.IntN(len(keys))]
			op = "SUNIONSTORE " + k + " " + k + " " + other
			db.SUnionStore(k, k, other)
			o := get(other)
			maps.Copy(m.members, o.members)
			m.converted = false
			for v := range m.members {
				if _, err := strconv.ParseInt(v, 10, 64); err != nil {
					m.converted = true
				}
			}
			if len(m.members) > 16 {
				m.converted = true
			}
		case 6:
			other := keys[rng.IntN(len(keys))]
			op = "SDIFFSTORE " + k + " " + k + " " + other
			db.SDiffStore(k, k, other)
			if other == k {
				clear(m.members)
			} else {
				for v := range get(other).members {
					delete(m.members, v)
				}
			}
			// Which algorithm runs decides the encoding; only check
			// the members here.
			m.converted = encodingOf(t, db, k) == "hashtable"
		}
		for _, key := range keys {
			mm := get(key)
			got, err := db.SMembers(key)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Sorted(maps.Keys(mm.members))
			if !slices.Equal(sorted(got), want) {
				t.Fatalf("step %d, after %s: %s = %q, want %q", step, op, key, sorted(got), want)
			}
			if n, _ := db.SCard(key); n != len(want) {
				t.Fatalf("step %d: SCARD %s = %d, want %d", step, key, n, len(want))
			}
			wantEnc := "intset"
			if mm.converted {
				wantEnc = "hashtable"
			}
			if len(want) == 0 {
				wantEnc = "<none>"
			}
			if enc := encodingOf(t, db, key); enc != wantEnc {
				t.Fatalf("step %d, after %s: %s is %s, want %s", step, op, key, enc, wantEnc)
			}
		}
	}
	db.Del(keys...)
	if n := db.UsedBytes(); n != 0 {
		t.Errorf("UsedBytes = %d after deleting every key, want 0", n)
	}
}

// FuzzSetEncoding feeds random adds and removes, integers and not, to a
// set with a small intset threshold, and checks its contents against a map.
func FuzzSetEncoding(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 200, 4, 130})
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\xff"))
	f.Fuzz(func(t *testing.T, ops []byte) {
		s := store.New(store.Options{SweepInterval: -1, EncodingLimits: &store.EncodingLimits{SetMaxIntsetEntries: 8}})
		defer s.Close()
		db := s.DB(0)
		want := map[string]bool{}
		for i, op := range ops {
			var v string
			switch {
			case op&0x40 != 0:
				v = "s" + strconv.Itoa(int(op&0x1f))
			case op&0x20 != 0:
				v = strconv.FormatInt(int64(op&0x1f)<<(8*(i%8)), 10) // every intset width
			default:
				v = strconv.Itoa(int(op&0x1f) - 16)
			}
			if op&0x80 != 0 {
				db.SRem("s", []byte(v))
				delete(want, v)
			} else {
				db.SAdd("s", []byte(v))
				want[v] = true
			}
			for m := range want {
				if ok, _ := db.SIsMember("s", []byte(m)); !ok {
					t.Fatalf("op %d: %q missing", i, m)
				}
			}
		}
		got, _ := db.SMembers("s")
		if !slices.Equal(sorted(got), slices.Sorted(maps.Keys(want))) {
			t.Fatalf("members %q, want %q", sorted(got), slices.Sorted(maps.Keys(want)))
		}
	})
}

// TestSetConcurrentWriters moves members between shared sets from several
// goroutines (go test -race) and checks that none is lost or duplicated.
func TestSetConcurrentWriters(t *testing.T) {
	db, _ := newTestDB(t)
	const members = 200
	for i := range members {
		db.SAdd("a", []byte(strconv.Itoa(i)))
	}
	keys := []string{"a", "b", "c"}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for range 2000 {
				src, dst := keys[rng.IntN(3)], keys[rng.IntN(3)]
				m := []byte(strconv.Itoa(rng.IntN(members)))
				switch rng.IntN(4) {
				case 0:
					db.SInter(src, dst)
				case 1:
					db.SUnionStore("u", src, dst)
				default:
					db.SMove(src, dst, m)
				}
			}
		}()
	}
	wg.Wait()
	all, _ := db.SUnion(keys...)
	total := 0
	for _, k := range keys {
		n, _ := db.SCard(k)
		total += n
	}
	if len(all) != members || total != members {
		t.Errorf("%d distinct members in %d slots, want %d", len(all), total, members)
	}
}
