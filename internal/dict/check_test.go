package dict

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/emberkv/ember/internal/memsize"
)

// checkInvariants fails t unless d's chains link every item exactly once,
// each in the bucket its hash names, and the bookkeeping agrees.
func checkInvariants[V any](t testing.TB, d *Dict[V]) {
	t.Helper()
	if err := invariantError(d); err != nil {
		t.Fatal(err)
	}
}

func invariantError[V any](d *Dict[V]) error {
	n := len(d.heads)
	if n == 0 {
		if d.items.n != 0 || d.old != nil {
			return fmt.Errorf("%d items, an old table of %d and no buckets", d.items.n, len(d.old))
		}
		return nil
	}
	for _, t := range [][]link{d.heads, d.old} {
		if t != nil && (len(t) < minBuckets || len(t)&(len(t)-1) != 0) {
			return fmt.Errorf("%d buckets: not a power of two >= %d", len(t), minBuckets)
		}
	}
	if d.old == nil && d.oldNext != 0 || d.old != nil && d.oldNext >= len(d.old) {
		return fmt.Errorf("oldNext %d with an old table of %d", d.oldNext, len(d.old))
	}
	if err := slabError(&d.items); err != nil {
		return err
	}
	seen := make([]bool, d.items.n)
	keyBytes := 0
	walk := func(table string, heads []link) error {
		for b, l := range heads {
			for ; l != 0; l = d.items.at(int(l - 1)).next {
				i := int(l - 1)
				if i >= d.items.n {
					return fmt.Errorf("%s bucket %d links to item %d of %d", table, b, i, d.items.n)
				}
				if seen[i] {
					return fmt.Errorf("item %d linked twice (%s bucket %d)", i, table, b)
				}
				seen[i] = true
				it := *d.items.at(i)
				if it.hash != hashOf(it.key) {
					return fmt.Errorf("item %d (%q): stale hash", i, it.key)
				}
				if d.chain(it.hash) != &heads[b] {
					return fmt.Errorf("item %d (%q) in %s bucket %d, not where lookups search", i, it.key, table, b)
				}
				keyBytes += memsize.Alloc(len(it.key))
			}
		}
		return nil
	}
	if err := walk("new", d.heads); err != nil {
		return err
	}
	if err := walk("old", d.old); err != nil {
		return err
	}
	for i, ok := range seen {
		if !ok {
			return fmt.Errorf("item %d (%q) in no chain", i, d.items.at(i).key)
		}
	}
	if keyBytes != d.keyBytes {
		return fmt.Errorf("keyBytes %d, keys hold %d", d.keyBytes, keyBytes)
	}
	return nil
}

func slabError[V any](s *slab[V]) error {
	k := len(s.chunks)
	if s.n < 0 || s.n > s.slots() {
		return fmt.Errorf("slab holds %d items in %d slots", s.n, s.slots())
	}
	for i, c := range s.chunks {
		if len(c) > chunkLen || k > 1 && len(c) != chunkLen || len(c) == 0 {
			return fmt.Errorf("chunk %d of %d has %d slots", i, k, len(c))
		}
	}
	if k > 1 && s.n <= (k-1)*chunkLen-chunkLen/2 {
		return fmt.Errorf("%d items keep %d chunks", s.n, k)
	}
	for i := s.n; i < s.slots(); i++ {
		if it := s.at(i); it.key != "" || it.hash != 0 || it.next != 0 {
			return fmt.Errorf("slot %d beyond the %d items is not cleared", i, s.n)
		}
	}
	return nil
}

// settle finishes any resize under way and any it leads to, so that the
// table's size is what the resize policy asks for now.
func settle[V any](d *Dict[V]) {
	for {
		for d.old != nil {
			d.moveBucket()
		}
		d.resizeIfNeeded()
		if d.old == nil {
			return
		}
	}
}

// unsafeString views b as a string, as a server does with its read buffer.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
