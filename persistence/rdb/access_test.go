package rdb

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/emberkv/ember/internal/testenv"
	"github.com/emberkv/ember/store"
)

// accessStore is a store under policy holding "old" (idle for 1000 s, or
// with an LFU counter of 77, set as RESTORE IDLETIME/FREQ would) and
// "fresh", a key just written.
func accessStore(t *testing.T, policy string) *store.Store {
	t.Helper()
	s := newStore(t)
	setPolicy(t, s, policy)
	db := s.DB(0)
	if _, err := db.Restore("old", s.NewString([]byte("v")), 0, false, 1000_000, 77); err != nil {
		t.Fatal(err)
	}
	db.Set("fresh", []byte("v"), store.SetOptions{})
	return s
}

func setPolicy(t *testing.T, s *store.Store, policy string) {
	t.Helper()
	e := s.Eviction()
	p, ok := store.ParseEvictionPolicy(policy)
	if !ok {
		t.Fatalf("policy %q", policy)
	}
	e.Policy = p
	s.SetEviction(e)
}

// accessOf is what OBJECT IDLETIME (seconds) and OBJECT FREQ say of key.
func accessOf(t *testing.T, s *store.Store, key string) (idle int64, freq int) {
	t.Helper()
	info, ok := s.DB(0).Object(key)
	if !ok {
		t.Fatalf("%s missing", key)
	}
	return info.IdleMs / 1000, info.Freq
}

// IDLE and FREQ, as Redis 7.0's rdbSaveKeyValuePair writes them under an
// LRU or LFU maxmemory-policy, and as its loader restores them
// (objectSetLRUOrLFU): Ember to Ember, Redis to Ember and Ember to Redis.
func TestIdleAndFreqRoundTrip(t *testing.T) {
	tests := []struct {
		policy    string
		wantIdle  bool // IDLE in the file: OBJECT IDLETIME of "old" near 1000
		wantFreq  bool // FREQ in the file: OBJECT FREQ of "old" 77
		loadAsLFU bool
	}{
		{policy: "allkeys-lru", wantIdle: true},
		{policy: "volatile-lru", wantIdle: true},
		{policy: "allkeys-lfu", wantFreq: true, loadAsLFU: true},
		{policy: "volatile-lfu", wantFreq: true, loadAsLFU: true},
		{policy: "noeviction"},
		{policy: "allkeys-random"},
	}
	for _, tc := range tests {
		t.Run(tc.policy, func(t *testing.T) {
			src := accessStore(t, tc.policy)
			var file fileBuf
			if _, err := Write(&file, NewSnapshot(src, false, nil), Options{Checksum: true}); err != nil {
				t.Fatal(err)
			}
			buf := file.b
			hasOp := func(op byte) bool { return containsOpBefore(buf, op, "old") }
			if hasOp(opIdle) != tc.wantIdle || hasOp(opFreq) != tc.wantFreq {
				t.Fatalf("file has IDLE %v FREQ %v, want %v %v", hasOp(opIdle), hasOp(opFreq), tc.wantIdle, tc.wantFreq)
			}
			dst := newStore(t)
			setPolicy(t, dst, tc.policy)
			st := dst.NewStaging()
			if _, err := Load(bytes.NewReader(buf), st, dst, LoadOptions{}); err != nil {
				t.Fatal(err)
			}
			dst.Install(st)
			// Under an LFU policy the access data is the counter, and
			// idle times mean nothing (as in Redis).
			idle, freq := accessOf(t, dst, "old")
			_, freshFreq := accessOf(t, dst, "fresh")
			switch {
			case tc.wantIdle && (idle < 999 || idle > 1002):
				t.Errorf("loaded idle %d s, want about 1000", idle)
			case !tc.wantIdle && !tc.loadAsLFU && idle > 2:
				t.Errorf("loaded idle %d s, want a fresh key", idle)
			case tc.wantFreq && (freq != 77 || freshFreq != 5):
				t.Errorf("loaded freq %d and %d, want 77 and 5 (LFU_INIT_VAL)", freq, freshFreq)
			}
			if idle, _ := accessOf(t, dst, "fresh"); !tc.loadAsLFU && idle > 2 {
				t.Errorf("fresh key loaded idle %d s", idle)
			}
		})
	}
}

// The same against redis-server 7.0: its file restores idle times and
// counters in Ember, and Ember's in Redis.
func TestIdleAndFreqWithRedis(t *testing.T) {
	testenv.RequireTool(t, "redis-server")
	for _, policy := range []string{"allkeys-lru", "allkeys-lfu"} {
		t.Run(policy, func(t *testing.T) {
			lfu := policy == "allkeys-lfu"
			check := func(who string, idle int64, freq int) {
				t.Helper()
				if lfu && freq != 77 || !lfu && (idle < 999 || idle > 1003) {
					t.Errorf("%s: idle %d s, freq %d after loading (want idle ~1000 under LRU, freq 77 under LFU)", who, idle, freq)
				}
			}
			// Redis writes, Ember loads.
			dir := t.TempDir()
			addr := testenv.StartRedis(t, "--dir", dir, "--dbfilename", "dump.rdb", "--maxmemory-policy", policy)
			c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
			defer c.Close()
			ctx := context.Background()
			c.Set(ctx, "tmp", "v", 0)
			payload := c.Dump(ctx, "tmp").Val()
			opt := []any{"IDLETIME", 1000}
			if lfu {
				opt = []any{"FREQ", 77}
			}
			if err := c.Do(ctx, append([]any{"RESTORE", "old", 0, payload}, opt...)...).Err(); err != nil {
				t.Fatal(err)
			}
			if err := c.Save(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			dst := newStore(t)
			setPolicy(t, dst, policy)
			if _, err := LoadFile(filepath.Join(dir, "dump.rdb"), dst, LoadOptions{}); err != nil {
				t.Fatal(err)
			}
			idle, freq := accessOf(t, dst, "old")
			check("Ember loading Redis's file", idle, freq)

			// Ember writes, Redis loads.
			src := accessStore(t, policy)
			edir := t.TempDir()
			if _, err := SaveFile(filepath.Join(edir, "dump.rdb"), NewSnapshot(src, true, nil), Options{Compression: true, Checksum: true}); err != nil {
				t.Fatal(err)
			}
			eaddr := testenv.StartRedis(t, "--dir", edir, "--dbfilename", "dump.rdb", "--maxmemory-policy", policy)
			ec := redis.NewClient(&redis.Options{Addr: eaddr, Protocol: 2})
			defer ec.Close()
			if lfu {
				freq = int(ec.ObjectFreq(ctx, "old").Val())
			} else {
				idle = int64(ec.ObjectIdleTime(ctx, "old").Val().Seconds())
			}
			check("Redis loading Ember's file", idle, freq)
		})
	}
}

// containsOpBefore reports whether op appears in the file just before the
// entry of key (its type byte, then the key's length byte and bytes), as
// the opcode with its one argument byte or more.
func containsOpBefore(file []byte, op byte, key string) bool {
	needle := append([]byte{typeString, byte(len(key))}, key...)
	for i := 0; i+len(needle) <= len(file); i++ {
		if string(file[i:i+len(needle)]) != string(needle) {
			continue
		}
		// IDLE's length of 1000 takes 2 bytes, FREQ's counter 1.
		for back := 2; back <= 3 && i-back >= 0; back++ {
			if file[i-back] == op {
				return true
			}
		}
	}
	return false
}

type fileBuf struct{ b []byte }

func (f *fileBuf) Write(p []byte) (int, error) { f.b = append(f.b, p...); return len(p), nil }
