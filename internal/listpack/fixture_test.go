package listpack

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

const fixtureDir = "../../../shared/fixtures/rdb"

// rdbBlob finds, in a Redis-written RDB file, the key of the given object
// type and returns its value when that is one raw (uncompressed) string, as
// the listpack of a small hash or zset is.
func rdbBlob(t *testing.T, rdb []byte, typ byte, key string) []byte {
	t.Helper()
	// The type byte, then the key as a short length-prefixed string.
	needle := append([]byte{typ, byte(len(key))}, key...)
	i := bytes.Index(rdb, needle)
	if i < 0 || len(key) >= 64 {
		t.Fatalf("key %q of type %d not in the file", key, typ)
	}
	p := rdb[i+len(needle):]
	var n, hdr int
	switch p[0] >> 6 {
	case 0:
		n, hdr = int(p[0]&0x3F), 1
	case 1:
		n, hdr = int(p[0]&0x3F)<<8|int(p[1]), 2
	case 2:
		if p[0] != 0x80 {
			t.Fatalf("key %q: 64-bit length", key)
		}
		n, hdr = int(binary.BigEndian.Uint32(p[1:])), 5
	default:
		t.Fatalf("key %q: value is not a raw string (LZF or an integer)", key)
	}
	return p[hdr : hdr+n]
}

type fixtureKey struct {
	Key      string          `json:"key"`
	Type     string          `json:"type"`
	Encoding string          `json:"encoding"`
	Value    json.RawMessage `json:"value"`
}

// jsonBytes decodes a fixture byte string: a JSON string, or {"base64": ...}.
func jsonBytes(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b struct {
		Base64 string `json:"base64"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	d, err := base64.StdEncoding.DecodeString(b.Base64)
	if err != nil {
		t.Fatal(err)
	}
	return string(d)
}

func loadFixture(t *testing.T, name string) ([]byte, map[string]fixtureKey) {
	t.Helper()
	rdb, err := os.ReadFile(filepath.Join(fixtureDir, name+".rdb"))
	if err != nil {
		t.Skipf("no fixture: %v", err)
	}
	js, err := os.ReadFile(filepath.Join(fixtureDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Keys []fixtureKey `json:"keys"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	keys := map[string]fixtureKey{}
	for _, k := range doc.Keys {
		keys[k.Key] = k
	}
	return rdb, keys
}

// TestRedisHashListpacks reads the listpacks of small hashes that
// redis-server 7.0.15 wrote, and rebuilds them byte for byte.
func TestRedisHashListpacks(t *testing.T) {
	rdb, keys := loadFixture(t, "hashes")
	for _, key := range []string{"hash:small", "hash:ints", "hash:binary"} {
		t.Run(key, func(t *testing.T) {
			lp := rdbBlob(t, rdb, 16, key)
			if !Validate(lp, true) {
				t.Fatalf("Validate rejects Redis's listpack % x", lp)
			}
			var pairs [][2]json.RawMessage
			if err := json.Unmarshal(keys[key].Value, &pairs); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{}
			for _, p := range pairs {
				want[jsonBytes(t, p[0])] = jsonBytes(t, p[1])
			}
			got := values(lp)
			if len(got) != 2*len(want) || !equalStrings(got, valuesBackward(lp)) {
				t.Fatalf("entries %q, want %d pairs", got, len(want))
			}
			for i := 0; i < len(got); i += 2 {
				if v, ok := want[got[i]]; !ok || v != got[i+1] {
					t.Errorf("field %q = %q, want %q", got[i], got[i+1], v)
				}
				if off := Find(lp, First(lp), []byte(got[i]), 1); off != Seek(lp, i) {
					t.Errorf("Find(%q) = %d, want %d", got[i], off, Seek(lp, i))
				}
			}
			if !bytes.Equal(build(got...), lp) {
				t.Errorf("rebuilt bytes differ:\n got % x\nwant % x", build(got...), lp)
			}
		})
	}
}

// TestRedisZsetListpacks does the same for sorted sets (member, score
// pairs; Redis writes a score as an integer when it is one).
func TestRedisZsetListpacks(t *testing.T) {
	rdb, keys := loadFixture(t, "zsets")
	for _, key := range []string{"zset:inf", "zset:ties"} {
		t.Run(key, func(t *testing.T) {
			lp := rdbBlob(t, rdb, 17, key)
			if !Validate(lp, true) {
				t.Fatalf("Validate rejects Redis's listpack % x", lp)
			}
			var pairs [][2]json.RawMessage
			if err := json.Unmarshal(keys[key].Value, &pairs); err != nil {
				t.Fatal(err)
			}
			got := values(lp)
			if len(got) != 2*len(pairs) {
				t.Fatalf("entries %q, want %d pairs", got, len(pairs))
			}
			for i, p := range pairs {
				member := jsonBytes(t, p[0])
				var score float64
				var s string
				if json.Unmarshal(p[1], &s) == nil {
					score, _ = strconv.ParseFloat(s, 64)
				} else if err := json.Unmarshal(p[1], &score); err != nil {
					t.Fatal(err)
				}
				gotScore, err := strconv.ParseFloat(got[2*i+1], 64)
				if got[2*i] != member || err != nil || gotScore != score {
					t.Errorf("pair %d = %q %q, want %q %v", i, got[2*i], got[2*i+1], member, score)
				}
			}
			if !bytes.Equal(build(got...), lp) {
				t.Errorf("rebuilt bytes differ:\n got % x\nwant % x", build(got...), lp)
			}
		})
	}
}
