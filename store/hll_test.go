package store_test

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emberkv/ember/store"
)

func TestPFErrors(t *testing.T) {
	db, _ := newTestDB(t)
	db.Set("str", []byte("not an hll"), store.SetOptions{})
	db.Set("corrupt", []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe"), store.SetOptions{})
	// A sparse HLL with no opcodes at all: no register to update.
	db.Set("bare", []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"), store.SetOptions{})
	db.RPush("list", bs("a")...)
	db.PFAdd("h", bs("a", "b")...)
	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{"PFAdd list", func() error { _, err := db.PFAdd("list", bs("a")...); return err }, store.ErrWrongType},
		{"PFAdd string", func() error { _, err := db.PFAdd("str", bs("a")...); return err }, store.ErrNotHLL},
		{"PFAdd corrupt", func() error { _, err := db.PFAdd("bare", bs("a")...); return err }, store.ErrCorruptHLL},
		{"PFCount list", func() error { _, err := db.PFCount("list"); return err }, store.ErrWrongType},
		{"PFCount string", func() error { _, err := db.PFCount("h", "str"); return err }, store.ErrNotHLL},
		{"PFCount corrupt", func() error { _, err := db.PFCount("corrupt"); return err }, store.ErrCorruptHLL},
		{"PFCount corrupt union", func() error { _, err := db.PFCount("h", "corrupt"); return err }, store.ErrCorruptHLL},
		{"PFMerge into list", func() error { return db.PFMerge("list", "h") }, store.ErrWrongType},
		{"PFMerge from string", func() error { return db.PFMerge("h", "str") }, store.ErrNotHLL},
		{"PFMerge corrupt", func() error { return db.PFMerge("new", "h", "corrupt") }, store.ErrCorruptHLL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	if got := mustGet(t, db, "str"); got != "not an hll" {
		t.Errorf("a refused PFADD changed the string: %q", got)
	}
	if db.Exists("new") != 0 {
		t.Error("a failed PFMERGE created its destination")
	}
}

func TestPFKeepsTTL(t *testing.T) {
	db, clock := newTestDB(t)
	db.PFAdd("h", bs("a")...)
	at := clock.Now().Add(time.Minute).UnixMilli()
	db.ExpireAt("h", at, 0)
	db.PFAdd("h", bs("b", "c")...)
	db.PFCount("h")
	db.PFMerge("h", "other")
	if ms := db.ExpireTime("h"); ms != at {
		t.Errorf("the TTL went from %d to %d", at, ms)
	}
}

// TestPFCountWatch: a PFCOUNT that caches the count changes the string,
// which WATCH sees, as Redis signals the key modified; one that reads the
// cache changes nothing.
func TestPFCountWatch(t *testing.T) {
	db, _ := newTestDB(t)
	db.PFAdd("h", bs("a", "b")...)
	var w store.Watch
	db.Watch("h", &w)
	if n, _ := db.PFCount("h"); n != 2 {
		t.Fatalf("PFCount = %d", n)
	}
	if !w.Dirty() {
		t.Error("caching the count did not touch the watch")
	}
	w.Reset()
	db.PFCount("h")
	db.PFCount("h", "other")
	if changed, _ := db.PFAdd("h", bs("a")...); changed {
		t.Error("PFAdd of a known element changed a register")
	}
	if w.Dirty() {
		t.Error("reading the cached count touched the watch")
	}
}

// TestPFConcurrent: concurrent PFADDs of overlapping elements to shared
// keys, and readers of the strings, race-free; the count at the end is
// the count of one sketch fed everything.
func TestPFConcurrent(t *testing.T) {
	db, _ := newTestDB(t)
	const writers, each = 4, 2000
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range each {
				key := "h" + strconv.Itoa(i%3)
				db.PFAdd(key, []byte(strconv.Itoa(i*writers+g)))
				if i%50 == 0 {
					db.PFMerge("all", "h0", "h1", "h2")
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := range each / 10 {
				if v, ok, _ := db.Get("h" + strconv.Itoa(i%3)); ok && string(v[:4]) != "HYLL" {
					t.Error("a torn HLL string")
				}
				db.PFCount("h" + strconv.Itoa(i%3))
				db.PFCount("h0", "h1", "h2")
			}
		}()
	}
	wg.Wait()
	db.PFMerge("all", "h0", "h1", "h2")
	for i := range writers * each {
		db.PFAdd("ref", []byte(strconv.Itoa(i)))
	}
	got, _ := db.PFCount("all")
	want, _ := db.PFCount("ref")
	if got != want {
		t.Errorf("union of the concurrent sketches counts %d, one sketch of everything %d", got, want)
	}
}
