package dict

import (
	"fmt"
	"testing"
	"unsafe"
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
		if len(d.items) != 0 {
			return fmt.Errorf("%d items and no buckets", len(d.items))
		}
		return nil
	}
	if n < minBuckets || n&(n-1) != 0 {
		return fmt.Errorf("%d buckets: not a power of two >= %d", n, minBuckets)
	}
	if len(d.items) > n {
		return fmt.Errorf("%d items in %d buckets: should have grown", len(d.items), n)
	}
	seen := make([]bool, len(d.items))
	keyBytes := 0
	for b, l := range d.heads {
		for ; l != 0; l = d.items[l-1].next {
			i := int(l - 1)
			if i >= len(d.items) {
				return fmt.Errorf("bucket %d links to item %d of %d", b, i, len(d.items))
			}
			if seen[i] {
				return fmt.Errorf("item %d linked twice (bucket %d)", i, b)
			}
			seen[i] = true
			it := d.items[i]
			if it.hash != hashOf(it.key) {
				return fmt.Errorf("item %d (%q): stale hash", i, it.key)
			}
			if int(it.hash&d.mask()) != b {
				return fmt.Errorf("item %d (%q) in bucket %d, hash says %d", i, it.key, b, it.hash&d.mask())
			}
			keyBytes += len(it.key)
		}
	}
	for i, ok := range seen {
		if !ok {
			return fmt.Errorf("item %d (%q) in no chain", i, d.items[i].key)
		}
	}
	if keyBytes != d.keyBytes {
		return fmt.Errorf("keyBytes %d, keys hold %d", d.keyBytes, keyBytes)
	}
	return nil
}

// unsafeString views b as a string, as a server does with its read buffer.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
