package intset

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

const fixtureDir = "../../../shared/fixtures/rdb"

// TestRedisIntsets reads the intsets that redis-server 7.0.15 wrote to
// sets.rdb (those stored raw, not LZF-compressed) and rebuilds them byte for
// byte.
func TestRedisIntsets(t *testing.T) {
	rdb, err := os.ReadFile(filepath.Join(fixtureDir, "sets.rdb"))
	if err != nil {
		t.Skipf("no fixture: %v", err)
	}
	js, err := os.ReadFile(filepath.Join(fixtureDir, "sets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Keys []struct {
			Key   string   `json:"key"`
			Value []string `json:"value"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string][]int64{}
	for _, k := range doc.Keys {
		for _, v := range k.Value {
			n, _ := strconv.ParseInt(v, 10, 64)
			want[k.Key] = append(want[k.Key], n)
		}
	}
	for _, tt := range []struct {
		key string
		enc int
	}{{"set:intset16", 2}, {"set:intset32", 4}} {
		t.Run(tt.key, func(t *testing.T) {
			// Type 11 (SET_INTSET), the key, then the blob as a raw string
			// with a 6-bit length.
			needle := append([]byte{11, byte(len(tt.key))}, tt.key...)
			i := bytes.Index(rdb, needle)
			if i < 0 {
				t.Fatalf("key not found")
			}
			p := rdb[i+len(needle):]
			if p[0]>>6 != 0 {
				t.Fatalf("blob length byte %#x is not a 6-bit length", p[0])
			}
			is := p[1 : 1+int(p[0])]
			if !Validate(is, true) || Encoding(is) != tt.enc {
				t.Fatalf("Redis's intset % x: invalid, or encoding %d", is, Encoding(is))
			}
			w := slices.Sorted(slices.Values(want[tt.key]))
			var got []int64
			for i := range Len(is) {
				got = append(got, Get(is, i))
			}
			if !slices.Equal(got, w) {
				t.Errorf("elements %v, want %v", got, w)
			}
			if fresh := build(w...); !bytes.Equal(fresh, is) {
				t.Errorf("rebuilt % x, Redis % x", fresh, is)
			}
		})
	}
}
