package dict

import (
	"maps"
	"strconv"
	"testing"
)

// FuzzDict runs the operations the fuzz input spells against a map model.
// Each operation is two bytes: what to do, and an argument. It also runs
// scans across the operations and checks HSCAN's guarantee whenever one
// completes.
func FuzzDict(f *testing.F) {
	f.Add([]byte{0, 1, 0, 2, 2, 1, 3, 2})
	f.Add([]byte{4, 200, 6, 0, 5, 0, 6, 0, 6, 0, 4, 255, 6, 0, 6, 0})
	f.Add([]byte{4, 50, 6, 0, 6, 0, 5, 0, 6, 0, 7, 3, 6, 0})
	f.Fuzz(runOps)
}

// runOps is FuzzDict's body. It reads at most 1000 operations and holds at
// most 1200 bulk keys (2048 buckets), so that one input runs in milliseconds.
func runOps(t *testing.T, in []byte) {
	in = in[:min(len(in), 2000)]
	d := New[int](0)
	m := map[string]int{}
	bulk := 0 // keys b0..b(bulk-1) are present

	// The scan in progress: every key in live has been present since
	// it started, and seen holds what it returned.
	scanning := false
	var cursor uint64
	live, seen := map[string]bool{}, map[string]bool{}

	del := func(k string) {
		want, had := m[k]
		v, ok := d.Delete(k)
		if ok != had || v != want {
			t.Fatalf("Delete(%q) = %d, %v; want %d, %v", k, v, ok, want, had)
		}
		delete(m, k)
		delete(live, k)
	}
	for step := 0; step+1 < len(in); step += 2 {
		arg, bulkBefore := int(in[step+1]), bulk
		k := "k" + strconv.Itoa(arg%64)
		switch in[step] % 8 {
		case 0, 1:
			_, had := m[k]
			var added bool
			if in[step]%8 == 0 {
				added = d.Set(k, step)
			} else {
				added = d.SetOwned(k, step)
			}
			if added == had {
				t.Fatalf("Set(%q) added = %v, model had it = %v", k, added, had)
			}
			m[k] = step
		case 2:
			del(k)
		case 3:
			want, had := m[k]
			if v, ok := d.Get(k); ok != had || v != want {
				t.Fatalf("Get(%q) = %d, %v; want %d, %v", k, v, ok, want, had)
			}
			if p := d.Ptr(k); (p != nil) != had || (p != nil && *p != want) {
				t.Fatalf("Ptr(%q) disagrees with the model", k)
			}
		case 4: // grow: up to 2040 more keys
			for n := min(bulk+arg*8, 1200); bulk < n; bulk++ {
				k := "b" + strconv.Itoa(bulk)
				d.Set(k, -bulk)
				m[k] = -bulk
			}
		case 5: // shrink: drop the newest bulk keys, all when arg is even
			n := 0
			if arg%2 == 1 {
				n = bulk / 2
			}
			for ; bulk > n; bulk-- {
				del("b" + strconv.Itoa(bulk-1))
			}
		case 6:
			if !scanning {
				scanning, cursor = true, 0
				clear(seen)
				clear(live)
				for k := range m {
					live[k] = true
				}
			}
			cursor = d.Scan(cursor, func(k string, v int) {
				if want, ok := m[k]; !ok || v != want {
					t.Fatalf("Scan yielded %q => %d; model has %d, %v", k, v, want, ok)
				}
				seen[k] = true
			})
			if cursor == 0 {
				scanning = false
				for k := range live {
					if !seen[k] {
						t.Fatalf("scan missed %q, present throughout", k)
					}
				}
			}
		case 7:
			c := d.Clone()
			if len(m) < 256 && !maps.Equal(maps.Collect(c.All()), m) {
				t.Fatal("Clone differs from the model")
			}
			c.Set("clone-only", 1)
			if _, ok := d.Get("clone-only"); ok {
				t.Fatal("Set on a Clone changed the original")
			}
			if k, v, ok := d.Random(func(n int) int { return arg % n }); ok != (len(m) > 0) || (ok && m[k] != v) {
				t.Fatalf("Random = %q, %d, %v", k, v, ok)
			}
		}
		if d.Len() != len(m) {
			t.Fatalf("Len = %d, model has %d", d.Len(), len(m))
		}
		if d.Len() < 256 || bulk != bulkBefore {
			if err := invariantError(d); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !maps.Equal(maps.Collect(d.All()), m) {
		t.Fatal("All differs from the model")
	}
}
