package rdb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/emberkv/ember/store"
)

// fixtureDir holds dump files Redis 7.0.15 wrote, each with a JSON of its
// exact contents (see its README.md).
const fixtureDir = "../../../shared/fixtures/rdb"

// keyImage is one key as a test compares it: its type, encoding, expiry
// and a canonical text of its value.
type keyImage struct {
	DB       int
	Key      string
	Type     string
	Encoding string
	ExpireAt int64
	Value    string
}

// imageOf describes every key of every database of s, sorted.
func imageOf(t testing.TB, s *store.Store) []keyImage {
	t.Helper()
	var out []keyImage
	for i := range s.Databases() {
		db := s.DB(i)
		for _, k := range db.Keys("*") {
			db.View(k, func(v *store.EntryView) {
				out = append(out, keyImage{DB: i, Key: k, Type: v.Kind.String(), Encoding: v.Encoding(), ExpireAt: v.ExpireAt, Value: valueText(v)})
			})
		}
	}
	slices.SortFunc(out, func(a, b keyImage) int {
		if a.DB != b.DB {
			return a.DB - b.DB
		}
		return bytes.Compare([]byte(a.Key), []byte(b.Key))
	})
	return out
}

// valueText is a canonical text of a value: sets and hashes sorted.
func valueText(v *store.EntryView) string {
	var parts []string
	switch v.Kind {
	case store.KindString:
		return strconv.Quote(string(v.Str()))
	case store.KindList:
		v.ListEach(func(e []byte) bool { parts = append(parts, strconv.Quote(string(e))); return true })
	case store.KindSet:
		v.SetEach(func(e []byte) bool { parts = append(parts, strconv.Quote(string(e))); return true })
		slices.Sort(parts)
	case store.KindHash:
		v.HashEach(func(f, val []byte) bool {
			parts = append(parts, strconv.Quote(string(f))+"="+strconv.Quote(string(val)))
			return true
		})
		slices.Sort(parts)
	case store.KindZSet:
		v.ZSetEach(func(m []byte, sc float64) bool {
			parts = append(parts, strconv.Quote(string(m))+"@"+strconv.FormatFloat(sc, 'g', 17, 64))
			return true
		})
	}
	return fmt.Sprint(parts)
}

// fixture is a fixture's JSON.
type fixture struct {
	File   string            `json:"file"`
	Config map[string]string `json:"config"`
	Keys   []struct {
		DB           int             `json:"db"`
		Key          json.RawMessage `json:"key"`
		Type         string          `json:"type"`
		Encoding     string          `json:"encoding"`
		Value        json.RawMessage `json:"value"`
		ExpireAt     *int64          `json:"expire_at_ms"`
		ExpectLoaded bool            `json:"expect_loaded"`
	} `json:"keys"`
}

// jsonBytes decodes a fixture's byte string: a JSON string, or
// {"base64": ...}.
func jsonBytes(t testing.TB, raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b struct {
		Base64 string `json:"base64"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatalf("bad byte string %s", raw)
	}
	d, err := base64.StdEncoding.DecodeString(b.Base64)
	if err != nil {
		t.Fatal(err)
	}
	return string(d)
}

// jsonScore decodes a fixture's score: a number, "inf" or "-inf".
func jsonScore(t testing.TB, raw json.RawMessage) float64 {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// expectedImage turns a fixture's JSON into the image its keys must load as.
func expectedImage(t testing.TB, fx *fixture) []keyImage {
	var out []keyImage
	for _, k := range fx.Keys {
		if !k.ExpectLoaded {
			continue
		}
		im := keyImage{DB: k.DB, Key: jsonBytes(t, k.Key), Type: k.Type, Encoding: k.Encoding}
		if k.ExpireAt != nil {
			im.ExpireAt = *k.ExpireAt
		}
		var parts []string
		switch k.Type {
		case "string":
			im.Value = strconv.Quote(jsonBytes(t, k.Value))
		case "list", "set":
			var elems []json.RawMessage
			json.Unmarshal(k.Value, &elems)
			for _, e := range elems {
				parts = append(parts, strconv.Quote(jsonBytes(t, e)))
			}
			if k.Type == "set" {
				slices.Sort(parts)
			}
			im.Value = fmt.Sprint(parts)
		case "hash":
			var pairs [][2]json.RawMessage
			json.Unmarshal(k.Value, &pairs)
			for _, p := range pairs {
				parts = append(parts, strconv.Quote(jsonBytes(t, p[0]))+"="+strconv.Quote(jsonBytes(t, p[1])))
			}
			slices.Sort(parts)
			im.Value = fmt.Sprint(parts)
		case "zset":
			var pairs [][2]json.RawMessage
			json.Unmarshal(k.Value, &pairs)
			for _, p := range pairs {
				parts = append(parts, strconv.Quote(jsonBytes(t, p[0]))+"@"+strconv.FormatFloat(jsonScore(t, p[1]), 'g', 17, 64))
			}
			im.Value = fmt.Sprint(parts)
		}
		out = append(out, im)
	}
	slices.SortFunc(out, func(a, b keyImage) int {
		if a.DB != b.DB {
			return a.DB - b.DB
		}
		return bytes.Compare([]byte(a.Key), []byte(b.Key))
	})
	return out
}

func readFixture(t testing.TB, name string) *fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name+".json"))
	if err != nil {
		t.Skipf("fixture %s: %v", name, err)
	}
	var fx fixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	return &fx
}

func newStore(t testing.TB) *store.Store {
	s := store.New(store.Options{SweepInterval: -1})
	t.Cleanup(s.Close)
	return s
}

// diffImages reports the first differences between two images.
func diffImages(t testing.TB, got, want []keyImage) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d keys, want %d", len(got), len(want))
	}
	m := map[[2]string]keyImage{}
	for _, k := range got {
		m[[2]string{strconv.Itoa(k.DB), k.Key}] = k
	}
	bad := 0
	for _, w := range want {
		g, ok := m[[2]string{strconv.Itoa(w.DB), w.Key}]
		if !ok {
			t.Errorf("db %d key %q missing", w.DB, w.Key)
		} else if g != w {
			t.Errorf("db %d key %q:\n got %+v\nwant %+v", w.DB, w.Key, g, w)
		} else {
			continue
		}
		if bad++; bad > 5 {
			return
		}
	}
}
