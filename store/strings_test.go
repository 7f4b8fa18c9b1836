package store_test

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/emberkv/ember/store"
)

// newTestDB returns database 0 of a store driven by a manual clock, with
// the active sweeper off so that only the test decides when keys go.
func newTestDB(t *testing.T) (*store.DB, *store.ManualClock) {
	t.Helper()
	clock := store.NewManualClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	s := store.New(store.Options{Clock: clock, SweepInterval: -1})
	t.Cleanup(s.Close)
	return s.DB(0), clock
}

// mustGet returns the string at key, or "<nil>" when it is missing.
func mustGet(t *testing.T, db *store.DB, key string) string {
	t.Helper()
	v, ok, err := db.Get(key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if !ok {
		return "<nil>"
	}
	return string(v)
}

func TestSetModes(t *testing.T) {
	tests := []struct {
		name        string
		existing    string // "" means the key is absent
		opt         store.SetOptions
		wantWritten bool
		wantOld     string // "<nil>" when Get was asked and there was none
		wantValue   string
	}{
		{"plain on absent", "", store.SetOptions{}, true, "", "new"},
		{"plain on existing", "old", store.SetOptions{}, true, "", "new"},
		{"NX on absent", "", store.SetOptions{Mode: store.SetNX}, true, "", "new"},
		{"NX on existing", "old", store.SetOptions{Mode: store.SetNX}, false, "", "old"},
		{"XX on absent", "", store.SetOptions{Mode: store.SetXX}, false, "", "<nil>"},
		{"XX on existing", "old", store.SetOptions{Mode: store.SetXX}, true, "", "new"},
		{"GET on absent", "", store.SetOptions{Get: true}, true, "<nil>", "new"},
		{"GET on existing", "old", store.SetOptions{Get: true}, true, "old", "new"},
		{"NX GET on existing", "old", store.SetOptions{Mode: store.SetNX, Get: true}, false, "old", "old"},
		{"XX GET on absent", "", store.SetOptions{Mode: store.SetXX, Get: true}, false, "<nil>", "<nil>"},
		{"KEEPTTL on absent", "", store.SetOptions{KeepTTL: true}, true, "", "new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := newTestDB(t)
			if tt.existing != "" {
				db.Set("k", []byte(tt.existing), store.SetOptions{})
			}
			res, err := db.Set("k", []byte("new"), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.Written != tt.wantWritten {
				t.Errorf("Written = %v, want %v", res.Written, tt.wantWritten)
			}
			if tt.opt.Get {
				old := "<nil>"
				if res.HadOld {
					old = string(res.Old)
				}
				if old != tt.wantOld {
					t.Errorf("Old = %q, want %q", old, tt.wantOld)
				}
			}
			if got := mustGet(t, db, "k"); got != tt.wantValue {
				t.Errorf("value = %q, want %q", got, tt.wantValue)
			}
		})
	}
}

func TestSetExpiry(t *testing.T) {
	db, clock := newTestDB(t)
	now := func() int64 { return clock.Now().UnixMilli() }

	db.Set("k", []byte("v"), store.SetOptions{ExpireAt: now() + 10_000})
	if got := db.PTTL("k"); got != 10_000 {
		t.Fatalf("PTTL after SET EX 10 = %d", got)
	}
	clock.Advance(4 * time.Second)
	// KEEPTTL keeps the remaining time; a plain SET clears it.
	db.Set("k", []byte("v2"), store.SetOptions{KeepTTL: true})
	if got := db.PTTL("k"); got != 6_000 {
		t.Errorf("PTTL after SET KEEPTTL = %d, want 6000", got)
	}
	db.Set("k", []byte("v3"), store.SetOptions{})
	if got := db.PTTL("k"); got != store.NoTTL {
		t.Errorf("PTTL after plain SET = %d, want %d", got, store.NoTTL)
	}

	db.Set("k", []byte("v4"), store.SetOptions{ExpireAt: now() + 1000})
	clock.Advance(999 * time.Millisecond)
	if got := mustGet(t, db, "k"); got != "v4" {
		t.Errorf("1ms before expiry: %q", got)
	}
	clock.Advance(time.Millisecond)
	if got := mustGet(t, db, "k"); got != "<nil>" {
		t.Errorf("at expiry: %q, want it gone", got)
	}

	// A time already past: SET succeeds, the key is gone, and a client
	// watching the key sees a change even though it never existed.
	var w store.Watch
	db.Watch("past", &w)
	res, _ := db.Set("past", []byte("v"), store.SetOptions{ExpireAt: now() - 1})
	if !res.Written || db.Exists("past") != 0 {
		t.Errorf("SET with a past time: written %v, exists %d", res.Written, db.Exists("past"))
	}
	if !w.Dirty() {
		t.Error("watcher not told of a SET that expired at once")
	}

	// An expired key counts as absent for NX, XX and GET.
	db.Set("gone", []byte("old"), store.SetOptions{ExpireAt: now() + 1})
	clock.Advance(time.Millisecond)
	if res, _ := db.Set("gone", []byte("x"), store.SetOptions{Mode: store.SetXX, Get: true}); res.Written || res.HadOld {
		t.Errorf("XX GET on an expired key: %+v", res)
	}
	if res, _ := db.Set("gone", []byte("x"), store.SetOptions{Mode: store.SetNX}); !res.Written {
		t.Error("NX on an expired key did not write")
	}
}

func TestIncrBy(t *testing.T) {
	tests := []struct {
		start string // "" means absent
		delta int64
		want  int64
		err   error
	}{
		{"", 1, 1, nil},
		{"", -1, -1, nil},
		{"10", 5, 15, nil},
		{"-10", -5, -15, nil},
		{"0", 0, 0, nil},
		{"9223372036854775806", 1, 9223372036854775807, nil},
		{"9223372036854775807", 1, 0, store.ErrOverflow},
		{"-9223372036854775807", -1, -9223372036854775808, nil},
		{"-9223372036854775808", -1, 0, store.ErrOverflow},
		{"-9223372036854775808", -9223372036854775808, 0, store.ErrOverflow},
		{"9223372036854775807", -9223372036854775808, -1, nil},
		{"1", 9223372036854775807, 0, store.ErrOverflow},
		{"abc", 1, 0, store.ErrNotInteger},
		{" 1", 1, 0, store.ErrNotInteger},
		{"1 ", 1, 0, store.ErrNotInteger},
		{"007", 1, 0, store.ErrNotInteger},
		{"-0", 1, 0, store.ErrNotInteger},
		{"+1", 1, 0, store.ErrNotInteger},
		{"1.5", 1, 0, store.ErrNotInteger},
		{"1\x00", 1, 0, store.ErrNotInteger},
		{"123456789012345678901", 1, 0, store.ErrNotInteger},
	}
	for _, tt := range tests {
		t.Run(tt.start, func(t *testing.T) {
			db, _ := newTestDB(t)
			if tt.start != "" {
				db.Set("n", []byte(tt.start), store.SetOptions{})
			}
			got, err := db.IncrBy("n", tt.delta)
			if err != tt.err || (err == nil && got != tt.want) {
				t.Fatalf("IncrBy(%q, %d) = %d, %v; want %d, %v", tt.start, tt.delta, got, err, tt.want, tt.err)
			}
			wantStored := tt.start
			if err == nil {
				wantStored = strconv.FormatInt(tt.want, 10)
			}
			if wantStored == "" {
				wantStored = "<nil>"
			}
			if s := mustGet(t, db, "n"); s != wantStored {
				t.Errorf("stored %q, want %q", s, wantStored)
			}
		})
	}
}

func TestIncrKeepsTTL(t *testing.T) {
	db, clock := newTestDB(t)
	db.Set("n", []byte("1"), store.SetOptions{ExpireAt: clock.Now().UnixMilli() + 5000})
	db.IncrBy("n", 1)
	db.Append("n", []byte("0"))
	db.SetRange("n", 0, []byte("3"))
	db.IncrByFloat("n", []byte("0.5"))
	if got := mustGet(t, db, "n"); got != "30.5" {
		t.Errorf("value = %q, want 30.5", got)
	}
	if got := db.PTTL("n"); got != 5000 {
		t.Errorf("PTTL = %d, want the TTL kept (5000)", got)
	}
}

// INCR shares the forms of small integers; sharing must not leak from one
// key to another when a value is appended to.
func TestSharedIntegersStayApart(t *testing.T) {
	db, _ := newTestDB(t)
	for i := 0; i < 5; i++ {
		db.IncrBy("a", 1)
		db.IncrBy("b", 1)
	}
	db.IncrBy("c", 6)
	db.Append("a", []byte("0"))
	db.Append("a", []byte("1"))
	if got := mustGet(t, db, "a"); got != "501" {
		t.Errorf("a = %q, want 501", got)
	}
	if got := mustGet(t, db, "b"); got != "5" {
		t.Errorf("b = %q, want 5", got)
	}
	if got := mustGet(t, db, "c"); got != "6" {
		t.Errorf("c = %q, want 6", got)
	}
	v, _, _ := db.Get("b")
	_ = append(v, '9') // a caller appending to what it was given
	if got := mustGet(t, db, "c"); got != "6" {
		t.Errorf("c = %q after a caller appended to b's value", got)
	}
}

func TestIncrByFloat(t *testing.T) {
	tests := []struct {
		start, incr string // start "" means absent
		want        string
		err         error
	}{
		{"", "1", "1", nil},
		{"0.1", "0.2", "0.3", nil},
		{"10.5", "0.1", "10.6", nil},
		{"5.0e3", "2.0e2", "5200", nil},
		{"3.0", "-3.0", "0", nil},
		{"-0.5", "0.5", "0", nil},
		{"", "1e20", "100000000000000000000", nil},
		{"", "-1.5e-10", "-0.00000000015", nil},
		{"", "0.000000000000000001", "0", nil},
		{"10", "0x10", "26", nil},
		{"", ".5", "0.5", nil},
		{"1", "inf", "", store.ErrNaNOrInf},
		{"inf", "-inf", "", store.ErrNaNOrInf},
		{"inf", "1", "", store.ErrNaNOrInf},
		{"1e4932", "1e4932", "", store.ErrNaNOrInf},
		{"abc", "1", "", store.ErrNotFloat},
		{"1", "abc", "", store.ErrNotFloat},
		{"1", "", "", store.ErrNotFloat},
		{"1", " 1", "", store.ErrNotFloat},
		{"1", "nan", "", store.ErrNotFloat},
		{"1", "0b1", "", store.ErrNotFloat},
		{"1", "1e5000", "", store.ErrNotFloat},
	}
	for _, tt := range tests {
		t.Run(tt.start+"+"+tt.incr, func(t *testing.T) {
			db, _ := newTestDB(t)
			if tt.start != "" {
				db.Set("f", []byte(tt.start), store.SetOptions{})
			}
			got, err := db.IncrByFloat("f", []byte(tt.incr))
			if err != tt.err || string(got) != tt.want {
				t.Fatalf("IncrByFloat = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
			if err == nil {
				if s := mustGet(t, db, "f"); s != tt.want {
					t.Errorf("stored %q, want %q", s, tt.want)
				}
			}
		})
	}
}

// MSET's values sit side by side in one request buffer; APPEND to one of
// them must not write over the next.
func TestAppendAliasing(t *testing.T) {
	db, _ := newTestDB(t)
	buf := []byte("xyzw")
	db.MSet([]string{"a", "b"}, [][]byte{buf[0:1], buf[1:2]})
	n, err := db.Append("a", []byte("zzz"))
	if err != nil || n != 4 {
		t.Fatalf("Append = %d, %v", n, err)
	}
	if got := mustGet(t, db, "a"); got != "xzzz" {
		t.Errorf("a = %q", got)
	}
	if got := mustGet(t, db, "b"); got != "y" {
		t.Errorf("b = %q, want y: APPEND wrote into its neighbour", got)
	}
	if string(buf) != "xyzw" {
		t.Errorf("request buffer changed to %q", buf)
	}

	// A value read before an APPEND stays as it was read.
	before, _, _ := db.Get("a")
	db.Append("a", []byte("1"))
	db.Append("a", []byte("2"))
	if string(before) != "xzzz" {
		t.Errorf("earlier read changed to %q", before)
	}
	if got := mustGet(t, db, "a"); got != "xzzz12" {
		t.Errorf("a = %q", got)
	}
}

func TestAppend(t *testing.T) {
	db, _ := newTestDB(t)
	if n, _ := db.Append("k", []byte("")); n != 0 {
		t.Errorf("Append empty to absent = %d", n)
	}
	// As Redis: APPEND of nothing still creates the key, as "".
	if db.Exists("k") != 1 {
		t.Error("APPEND of an empty value did not create the key")
	}
	if vals := db.MGet([]string{"k"}); vals[0] == nil {
		t.Error("MGet reads an empty APPENDed value as missing")
	}
	db.Append("k", []byte("ab\x00"))
	if n, _ := db.Append("k", []byte("\xff")); n != 4 {
		t.Errorf("length = %d, want 4", n)
	}
	if n, _ := db.StrLen("k"); n != 4 {
		t.Errorf("StrLen = %d", n)
	}
	if got := mustGet(t, db, "k"); got != "ab\x00\xff" {
		t.Errorf("k = %q", got)
	}
}

func TestGetRange(t *testing.T) {
	tests := []struct {
		start, end int64
		want       string
	}{
		{0, 4, "Hello"},
		{-5, -1, "World"},
		{7, 100, "World"},
		{-100, 4, "Hello"},
		{5, 2, ""},
		{-1, -5, ""},
		{-1, -1, "d"},
		{0, -1, "Hello, World"},
		{100, 200, ""},
		// As Redis 7.0: both ends clamp to 0, so a range wholly before the
		// string still reads its first byte.
		{-100, -50, "H"},
		{0, -100, "H"},
		{9223372036854775807, 9223372036854775807, ""},
		{-9223372036854775808, 9223372036854775807, "Hello, World"},
	}
	db, _ := newTestDB(t)
	db.Set("s", []byte("Hello, World"), store.SetOptions{})
	for _, tt := range tests {
		got, err := db.GetRange("s", tt.start, tt.end)
		if err != nil || string(got) != tt.want {
			t.Errorf("GetRange(%d, %d) = %q, %v; want %q", tt.start, tt.end, got, err, tt.want)
		}
	}
	if got, err := db.GetRange("missing", 0, -1); err != nil || len(got) != 0 {
		t.Errorf("GetRange on a missing key = %q, %v", got, err)
	}
}

func TestSetRange(t *testing.T) {
	tests := []struct {
		name    string
		start   string // "" means absent
		offset  int64
		val     string
		wantLen int
		want    string // "<nil>": the key does not exist afterwards
		err     error
	}{
		{"overwrite", "Hello World", 6, "Redis", 11, "Hello Redis", nil},
		{"extend", "abc", 2, "XYZ", 5, "abXYZ", nil},
		{"pad absent", "", 3, "x", 4, "\x00\x00\x00x", nil},
		{"pad existing", "ab", 4, "c", 5, "ab\x00\x00c", nil},
		{"empty on absent", "", 5, "", 0, "<nil>", nil},
		{"empty on existing", "abc", 100, "", 3, "abc", nil},
		{"negative", "abc", -1, "x", 0, "abc", store.ErrOffsetOutOfRange},
		{"negative empty", "abc", -1, "", 0, "abc", store.ErrOffsetOutOfRange},
		{"at the limit", "", store.MaxStringSize, "x", 0, "<nil>", store.ErrTooLarge},
		{"offset overflow", "abc", 9223372036854775807, "x", 0, "abc", store.ErrTooLarge},
		{"empty past the limit", "abc", store.MaxStringSize, "", 3, "abc", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := newTestDB(t)
			if tt.start != "" {
				db.Set("k", []byte(tt.start), store.SetOptions{})
			}
			n, err := db.SetRange("k", tt.offset, []byte(tt.val))
			if err != tt.err || n != tt.wantLen {
				t.Fatalf("SetRange = %d, %v; want %d, %v", n, err, tt.wantLen, tt.err)
			}
			if got := mustGet(t, db, "k"); got != tt.want {
				t.Errorf("value = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSetRangeCopiesOnWrite(t *testing.T) {
	db, _ := newTestDB(t)
	db.Set("k", []byte("hello"), store.SetOptions{})
	before, _, _ := db.Get("k")
	db.SetRange("k", 0, []byte("J"))
	if string(before) != "hello" {
		t.Errorf("earlier read changed to %q", before)
	}
}

func TestGetEx(t *testing.T) {
	db, clock := newTestDB(t)
	now := clock.Now().UnixMilli()
	db.Set("k", []byte("v"), store.SetOptions{})

	if v, ok, _ := db.GetEx("k", store.GetExOptions{ExpireAt: now + 5000}); !ok || string(v) != "v" {
		t.Fatalf("GetEx = %q, %v", v, ok)
	}
	if got := db.PTTL("k"); got != 5000 {
		t.Errorf("PTTL after GETEX = %d", got)
	}
	db.GetEx("k", store.GetExOptions{})
	if got := db.PTTL("k"); got != 5000 {
		t.Errorf("GETEX without options changed the TTL to %d", got)
	}
	db.GetEx("k", store.GetExOptions{Persist: true})
	if got := db.PTTL("k"); got != store.NoTTL {
		t.Errorf("PTTL after PERSIST = %d", got)
	}
	// A past absolute time answers the value and deletes the key.
	if v, ok, _ := db.GetEx("k", store.GetExOptions{ExpireAt: 1}); !ok || string(v) != "v" {
		t.Errorf("GetEx with a past time = %q, %v", v, ok)
	}
	if db.Exists("k") != 0 {
		t.Error("key survived a GETEX with a past time")
	}
	if _, ok, err := db.GetEx("missing", store.GetExOptions{Persist: true}); ok || err != nil {
		t.Errorf("GetEx on a missing key = %v, %v", ok, err)
	}
}

func TestGetDel(t *testing.T) {
	db, _ := newTestDB(t)
	db.Set("k", []byte("v"), store.SetOptions{})
	if v, ok, _ := db.GetDel("k"); !ok || string(v) != "v" {
		t.Fatalf("GetDel = %q, %v", v, ok)
	}
	if _, ok, _ := db.GetDel("k"); ok {
		t.Error("second GetDel found the key")
	}
}

func TestMSetAndMGet(t *testing.T) {
	db, _ := newTestDB(t)
	// A key named twice takes its last value.
	db.MSet([]string{"a", "b", "a", "e"}, [][]byte{[]byte("1"), []byte("2"), []byte("3"), {}})
	got := db.MGet([]string{"a", "b", "missing", "e", "a"})
	want := []string{"3", "2", "<nil>", "", "3"}
	for i, v := range got {
		s := "<nil>"
		if v != nil {
			s = string(v)
		}
		if s != want[i] {
			t.Errorf("MGet[%d] = %q, want %q", i, s, want[i])
		}
	}
	// More keys than fit on the stack.
	keys := make([]string, 40)
	vals := make([][]byte, 40)
	for i := range keys {
		keys[i] = "many" + strconv.Itoa(i)
		vals[i] = []byte(strconv.Itoa(i))
	}
	db.MSet(keys, vals)
	for i, v := range db.AppendMGet(nil, keys) {
		if !bytes.Equal(v, vals[i]) {
			t.Fatalf("key %s = %q", keys[i], v)
		}
	}
}

func TestMSetNX(t *testing.T) {
	db, _ := newTestDB(t)
	if !db.MSetNX([]string{"a", "b"}, [][]byte{[]byte("1"), []byte("2")}) {
		t.Fatal("MSetNX on new keys refused")
	}
	if db.MSetNX([]string{"b", "c"}, [][]byte{[]byte("x"), []byte("y")}) {
		t.Error("MSetNX with an existing key set")
	}
	if got := mustGet(t, db, "c"); got != "<nil>" {
		t.Errorf("c = %q: a refused MSETNX wrote", got)
	}
	if !db.MSetNX([]string{"d", "d"}, [][]byte{[]byte("1"), []byte("2")}) || mustGet(t, db, "d") != "2" {
		t.Error("MSetNX naming a new key twice")
	}
}

func TestGetStrings(t *testing.T) {
	db, _ := newTestDB(t)
	db.Set("a", []byte("x"), store.SetOptions{})
	vals, err := db.GetStrings("a", "missing")
	if err != nil || string(vals[0]) != "x" || vals[1] != nil {
		t.Errorf("GetStrings = %q, %v", vals, err)
	}
}

// The server hands the store keys that view its request buffers; the store
// must copy whatever it keeps, including the name it files a new TTL under.
func TestTransientKeys(t *testing.T) {
	clock := store.NewManualClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	s := store.New(store.Options{Clock: clock, SweepInterval: -1})
	defer s.Close()
	db := s.DB(0)
	buf := []byte("key1")
	key := unsafe.String(&buf[0], len(buf))
	db.Set(key, []byte("v"), store.SetOptions{})
	db.Set(key, []byte("v"), store.SetOptions{ExpireAt: clock.Now().UnixMilli() + 1000})
	copy(buf, "zzzz") // the buffer is reused for the next request
	clock.Advance(time.Second)
	if n := s.Sweep(); n != 1 {
		t.Errorf("Sweep removed %d keys, want the expired key1", n)
	}
}

// Readers hold values while writers APPEND in place and count: run under
// the race detector, this checks that no byte a reader was given changes.
func TestConcurrentStringOps(t *testing.T) {
	db, _ := newTestDB(t)
	const workers, rounds = 8, 500
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				db.IncrBy("counter", 1)
				db.Append("log", []byte("x"))
				v, _, _ := db.Get("log")
				snapshot := string(v)
				db.MSet([]string{"a", "b"}, [][]byte{[]byte("1"), []byte("2")})
				db.MGet([]string{"a", "b", "log"})
				if string(v) != snapshot || strings.Trim(snapshot, "x") != "" {
					t.Errorf("a value changed after it was read: %q", v)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := mustGet(t, db, "counter"); got != strconv.Itoa(workers*rounds) {
		t.Errorf("counter = %s, want %d", got, workers*rounds)
	}
	if n, _ := db.StrLen("log"); n != workers*rounds {
		t.Errorf("log length = %d, want %d", n, workers*rounds)
	}
}

// MSETs of overlapping keys across shards stay atomic, and none waits
// for ever, however their locks meet: writers set all of their keys to
// one value, readers of the same keys must see one writer's value in all
// of them. Four shards make nearly every pair of MSETs share a shard.
func TestMSetAtomicAcrossShards(t *testing.T) {
	s := store.New(store.Options{Shards: 4, SweepInterval: -1})
	db := s.DB(0)
	keys := make([]string, 12)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	const writers, readers, rounds = 4, 2, 2000
	var wg sync.WaitGroup
	errs := make(chan string, readers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each writer takes its own window of 8 of the 12 keys, so
			// that the sets overlap in different shards.
			mine := append([]string(nil), keys[w:w+8]...)
			vals := make([][]byte, len(mine))
			for i := 0; i < rounds; i++ {
				v := []byte(strconv.Itoa(w*rounds + i))
				for j := range vals {
					vals[j] = v
				}
				db.MSet(mine, vals)
				if i%3 == 0 {
					db.IncrBy(mine[i%len(mine)]+":single", 1) // a one-shard writer among them
				}
			}
		}()
	}
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				// Keys 4..7 are in every writer's window: one MSET's
				// value in all of them, always.
				vs := db.MGet(keys[4:8])
				for _, v := range vs[1:] {
					if string(v) != string(vs[0]) {
						errs <- fmt.Sprintf("MGET saw %q: parts of different MSETs", vs)
						return
					}
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the MSETs did not finish: a deadlock")
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestIncrInPlace: INCR writes over a counter's digits only while no
// reader holds a view of them, and only when the digits stay as many; a
// view handed out before never changes, and the shared small integers
// are never written.
func TestIncrInPlace(t *testing.T) {
	db, _ := newTestDB(t)
	steps := []struct {
		op   string // "incr" by delta, or "get" a view to check at the end
		by   int64
		want string
	}{
		{"incr", 12345, "12345"},
		{"incr", 1, "12346"}, // in place: the store's own copy
		{"get", 0, "12346"},
		{"incr", 1, "12347"}, // a view is out: a new copy
		{"incr", 1, "12348"}, // in place again
		{"get", 0, "12348"},
		{"incr", 99999 - 12348, "99999"},
		{"incr", 1, "100000"}, // one digit more: a new copy
		{"get", 0, "100000"},
		{"incr", -100000 - 12345, "-12345"},
		{"incr", 1, "-12344"}, // negative, in place
		{"get", 0, "-12344"},
		{"incr", 12344 + 9999, "9999"}, // shared
		{"get", 0, "9999"},
		{"incr", 1, "10000"},
		{"incr", -1, "9999"}, // back to the shared form, which is never written
		{"incr", -9999, "0"},
	}
	type view struct {
		b    []byte
		want string
	}
	var views []view
	for i, s := range steps {
		switch s.op {
		case "incr":
			if _, err := db.IncrBy("c", s.by); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		case "get":
			v, _, _ := db.Get("c")
			views = append(views, view{v, s.want})
		}
		if got := mustGet(t, db, "c"); got != s.want {
			t.Fatalf("step %d: value %q, want %q", i, got, s.want)
		}
	}
	for i, v := range views {
		if string(v.b) != v.want {
			t.Errorf("view %d changed: %q, want %q", i, v.b, v.want)
		}
	}
	// The shared forms read as they should after all that.
	for _, n := range []int64{0, 9999} {
		db.Set("s", []byte(strconv.FormatInt(n, 10)), store.SetOptions{})
		if _, err := db.IncrBy("s", 0); err != nil {
			t.Fatal(err)
		}
		if got := mustGet(t, db, "s"); got != strconv.FormatInt(n, 10) {
			t.Errorf("shared %d reads %q", n, got)
		}
	}
}
