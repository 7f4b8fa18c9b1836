package rdb

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc64"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emberkv/ember/store"
)

var fixtures = []string{"empty", "strings", "expiry", "hashes", "lists", "sets", "zsets", "multidb", "all_types", "nocompress"}

// Every fixture Redis 7.0.15 wrote loads with every key exactly as its
// JSON lists: type, OBJECT ENCODING, expiry and value.
func TestLoadRedisFixtures(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			fx := readFixture(t, name)
			s := newStore(t)
			stats, err := LoadFile(filepath.Join(fixtureDir, name+".rdb"), s, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if stats.Version != 10 || stats.Aux["redis-ver"] != "7.0.15" {
				t.Errorf("version %d aux %v", stats.Version, stats.Aux)
			}
			diffImages(t, imageOf(t, s), expectedImage(t, fx))
		})
	}
}

func TestCRC64CheckValue(t *testing.T) {
	if got := crcUpdate(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64 = %x", got)
	}
	// Continuing over two parts gives the CRC of the whole.
	if got := crcUpdate(crcUpdate(0, []byte("1234")), []byte("56789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64 in parts = %x", got)
	}
	// The slicing-by-8 loop agrees with hash/crc64's byte-at-a-time one
	// at every length and split (alignment and the tail loop).
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 5000)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	for _, n := range []int{0, 1, 7, 8, 9, 63, 64, 65, 2047, 2048, 2049, 5000} {
		want := ^crc64.Update(^uint64(0), crcTable, buf[:n])
		if got := crcUpdate(0, buf[:n]); got != want {
			t.Errorf("crc64 of %d bytes = %x, hash/crc64 gives %x", n, got, want)
		}
		split := rng.IntN(n + 1)
		if got := crcUpdate(crcUpdate(0, buf[:split]), buf[split:n]); got != want {
			t.Errorf("crc64 of %d bytes split at %d = %x, want %x", n, split, got, want)
		}
	}
}

func BenchmarkCRC64(b *testing.B) {
	p := make([]byte, 1<<16)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for range b.N {
		crcUpdate(0, p)
	}
}

func TestLZFRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var tab lzfTable
	inputs := [][]byte{
		bytes.Repeat([]byte("a"), 200),
		[]byte(strings.Repeat("the quick brown fox jumps over the lazy dog ", 50)),
		bytes.Repeat([]byte("abcabcabd"), 1000),
	}
	for range 50 {
		b := make([]byte, 20+rng.IntN(5000))
		for i := range b {
			b[i] = byte('a' + rng.IntN(1+rng.IntN(26)))
		}
		inputs = append(inputs, b)
	}
	for i, in := range inputs {
		out := make([]byte, len(in)-4)
		n := lzfCompress(in, out, &tab)
		if n == 0 {
			continue
		}
		dec := make([]byte, len(in))
		if err := lzfDecompress(out[:n], dec); err != nil || !bytes.Equal(dec, in) {
			t.Fatalf("input %d (%d bytes): round trip failed: %v", i, len(in), err)
		}
	}
	// Incompressible data reports 0.
	rnd := make([]byte, 200)
	for i := range rnd {
		rnd[i] = byte(rng.Uint32())
	}
	if n := lzfCompress(rnd, make([]byte, 196), &tab); n != 0 {
		t.Errorf("random bytes compressed to %d", n)
	}
}

// fill puts every type in every encoding, at and around the thresholds,
// with TTLs, in several databases.
func fill(t testing.TB, s *store.Store) {
	t.Helper()
	future := time.Now().Add(time.Hour).UnixMilli()
	for dbi, db := range []*store.DB{s.DB(0), s.DB(1), s.DB(15)} {
		p := fmt.Sprintf("d%d:", dbi)
		must := func(_ any, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		db.Set(p+"s:empty", []byte{}, store.SetOptions{})
		db.Set(p+"s:short", []byte("hello"), store.SetOptions{})
		db.Set(p+"s:bin", []byte("a\x00b\r\n\xff"), store.SetOptions{})
		for _, n := range []string{"0", "-1", "127", "128", "-129", "32768", "2147483647", "-2147483648", "2147483648", "9223372036854775807", "007", "-0", "+1"} {
			db.Set(p+"s:num:"+n, []byte(n), store.SetOptions{})
		}
		db.Set(p+"s:long", bytes.Repeat([]byte("xy"), 300), store.SetOptions{})
		db.Set(p+"s:ttl", []byte("v"), store.SetOptions{})
		db.ExpireAt(p+"s:ttl", future, 0)
		for _, n := range []int{1, 128, 129, 600} {
			var elems [][]byte
			for i := range n {
				elems = append(elems, []byte("e"+strconv.Itoa(i)))
			}
			must(db.RPush(p+"l:"+strconv.Itoa(n), elems...))
		}
		must(db.RPush(p+"l:ints", []byte("1"), []byte("-9223372036854775808"), []byte(""), bytes.Repeat([]byte("z"), 10000)))
		for _, n := range []int{1, 512, 513} {
			var ms [][]byte
			for i := range n {
				ms = append(ms, []byte(strconv.Itoa(i*1000003-5000)))
			}
			must(db.SAdd(p+"set:ints:"+strconv.Itoa(n), ms...))
		}
		must(db.SAdd(p+"set:str", []byte("a"), []byte("b"), []byte("")))
		must(db.SAdd(p+"set:big", []byte(strings.Repeat("m", 100)), []byte("9223372036854775807")))
		for _, n := range []int{1, 512, 513} {
			var pairs [][]byte
			for i := range n {
				pairs = append(pairs, []byte("f"+strconv.Itoa(i)), []byte(strconv.Itoa(i)))
			}
			must(db.HSet(p+"h:"+strconv.Itoa(n), pairs...))
		}
		must(db.HSet(p+"h:longval", []byte("f"), bytes.Repeat([]byte("v"), 65)))
		db.ExpireAt(p+"h:longval", future, 0)
		for _, n := range []int{1, 128, 129} {
			var ms []store.ZMember
			for i := range n {
				ms = append(ms, store.ZMember{Member: "m" + strconv.Itoa(i), Score: float64(i)*1.5 - 7})
			}
			must(db.ZAdd(p+"z:"+strconv.Itoa(n), 0, ms))
		}
		must(db.ZAdd(p+"z:special", 0, []store.ZMember{
			{Member: "ninf", Score: math.Inf(-1)},
			{Member: "pinf", Score: math.Inf(1)},
			{Member: "tiny", Score: 5e-324},
			{Member: "big", Score: 1e300},
			{Member: "third", Score: 0.1}}))
		must(db.ZAdd(p+"z:longmember", 0, []store.ZMember{{Member: strings.Repeat("q", 65), Score: 2}}))
	}
}

func saveToBytes(t testing.TB, s *store.Store, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Write(&buf, NewSnapshot(s, opts.Compression, nil), opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func loadBytes(s *store.Store, b []byte) (LoadStats, error) {
	st := s.NewStaging()
	stats, err := Load(bytes.NewReader(b), st, s, LoadOptions{Name: "test.rdb", Size: int64(len(b))})
	if err == nil {
		s.Install(st)
	}
	return stats, err
}

// Ember writes, Ember loads: the same keys, encodings, TTLs and values,
// with and without compression and checksum.
func TestRoundTrip(t *testing.T) {
	for _, opts := range []Options{{Compression: true, Checksum: true}, {}, {Compression: true}, {Compression: true, Checksum: true, Workers: 3}} {
		t.Run(fmt.Sprintf("compression=%v,checksum=%v,workers=%d", opts.Compression, opts.Checksum, opts.Workers), func(t *testing.T) {
			src := newStore(t)
			fill(t, src)
			b := saveToBytes(t, src, opts)
			if string(b[:9]) != "REDIS0010" {
				t.Fatalf("header %q", b[:9])
			}
			dst := newStore(t)
			stats, err := loadBytes(dst, b)
			if err != nil {
				t.Fatal(err)
			}
			want := imageOf(t, src)
			if stats.Keys != len(want) {
				t.Errorf("loaded %d keys, want %d", stats.Keys, len(want))
			}
			diffImages(t, imageOf(t, dst), want)
		})
	}
}

// A truncated file, any flipped bit, and a newer version are refused with
// an *Error, and the store keeps what it had: never a partial load.
func TestRefusesDamage(t *testing.T) {
	src := newStore(t)
	fill(t, src)
	good := saveToBytes(t, src, Options{Compression: true, Checksum: true})

	check := func(t *testing.T, b []byte, kind error) {
		t.Helper()
		dst := newStore(t)
		dst.DB(0).Set("keep", []byte("me"), store.SetOptions{})
		_, err := loadBytes(dst, b)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("err = %v, want an *Error", err)
		}
		if kind != nil && !errors.Is(err, kind) {
			t.Fatalf("err = %v, want %v", err, kind)
		}
		if !strings.Contains(err.Error(), "test.rdb: at offset ") {
			t.Fatalf("error names no file and offset: %v", err)
		}
		if got := imageOf(t, dst); len(got) != 1 || got[0].Key != "keep" {
			t.Fatalf("store changed by a failed load: %d keys", len(got))
		}
	}
	t.Run("truncated", func(t *testing.T) {
		for _, n := range []int{0, 5, 9, 20, len(good) / 3, len(good) / 2, len(good) - 9, len(good) - 1} {
			check(t, good[:n], ErrTruncated)
		}
	})
	t.Run("bitflips", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for range 200 {
			b := bytes.Clone(good)
			i := 9 + rng.IntN(len(b)-9) // past the header: a flipped version digit is ErrVersion
			b[i] ^= 1 << rng.IntN(8)
			check(t, b, nil)
		}
	})
	t.Run("newer version", func(t *testing.T) {
		b := bytes.Clone(good)
		copy(b, "REDIS0012")
		check(t, b, ErrVersion)
	})
	t.Run("not an RDB", func(t *testing.T) {
		check(t, []byte("*1\r\n$4\r\nPING\r\n"), ErrCorrupt)
	})
}

// The image is the cut: writes after it, even to shards not yet
// serialized, are not in the file; writes before it all are.
func TestSnapshotIsPointInTime(t *testing.T) {
	s := newStore(t)
	db := s.DB(0)
	const n = 5000
	for i := range n {
		db.Set("k"+strconv.Itoa(i), []byte("before"), store.SetOptions{})
	}
	sn := NewSnapshot(s, true, nil)
	// After the cut: change every key, delete some, add others. Each of
	// these locks a pending shard and so serializes it first.
	for i := range n {
		k := "k" + strconv.Itoa(i)
		switch i % 3 {
		case 0:
			db.Set(k, []byte("after"), store.SetOptions{})
		case 1:
			db.Del(k)
		case 2:
			db.Set("new"+strconv.Itoa(i), []byte("after"), store.SetOptions{})
		}
	}
	var buf bytes.Buffer
	st, err := Write(&buf, sn, Options{Checksum: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.Keys != n {
		t.Fatalf("wrote %d keys, want %d", st.Keys, n)
	}
	dst := newStore(t)
	if _, err := loadBytes(dst, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	img := imageOf(t, dst)
	if len(img) != n {
		t.Fatalf("%d keys loaded, want %d", len(img), n)
	}
	for _, k := range img {
		if !strings.HasPrefix(k.Key, "k") || k.Value != `"before"` {
			t.Fatalf("key %q = %s: not the state at the cut", k.Key, k.Value)
		}
	}
}

// Keys already expired at the cut are not written; keys expired when
// loading are skipped.
func TestExpiredKeys(t *testing.T) {
	clock := &fakeClock{now: time.UnixMilli(1_000_000)}
	s := store.New(store.Options{SweepInterval: -1, Clock: clock})
	defer s.Close()
	db := s.DB(0)
	db.Set("gone", []byte("x"), store.SetOptions{})
	db.ExpireAt("gone", 1_000_500, 0)
	db.Set("later", []byte("x"), store.SetOptions{})
	db.ExpireAt("later", 2_000_000, 0)
	clock.now = time.UnixMilli(1_001_000)
	b := saveToBytes(t, s, Options{Checksum: true})
	dst := newStore(t)
	st := dst.NewStaging()
	stats, err := Load(bytes.NewReader(b), st, dst, LoadOptions{NowMs: 1_001_000})
	if err != nil || stats.Keys != 1 || stats.Expired != 0 {
		t.Fatalf("stats %+v err %v", stats, err)
	}
	st = dst.NewStaging()
	stats, err = Load(bytes.NewReader(b), st, dst, LoadOptions{NowMs: 3_000_000})
	if err != nil || stats.Keys != 0 || stats.Expired != 1 {
		t.Fatalf("stats %+v err %v", stats, err)
	}
}

type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

// A crash during a save leaves the previous file whole: SaveFile writes a
// temp file and renames it.
func TestSaveFileReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dump.rdb")
	s := newStore(t)
	s.DB(0).Set("a", []byte("1"), store.SetOptions{})
	if _, err := SaveFile(path, NewSnapshot(s, true, nil), Options{Checksum: true}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("files left: %v", entries)
	}
	dst := newStore(t)
	if _, err := LoadFile(path, dst, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := dst.DB(0).Get("a"); !ok || string(v) != "1" {
		t.Fatalf("a = %q %v", v, ok)
	}
}

func TestDumpRestore(t *testing.T) {
	src := newStore(t)
	fill(t, src)
	dst := newStore(t)
	for _, k := range src.DB(0).Keys("*") {
		var payload []byte
		src.DB(0).View(k, func(v *store.EntryView) { payload = AppendDump(nil, v, true) })
		v, err := DecodeDump(dst, payload)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if _, err := dst.DB(0).Restore(k, v, 0, false, 0, -1); err != nil {
			t.Fatal(err)
		}
		// A flipped bit anywhere is refused.
		bad := bytes.Clone(payload)
		bad[len(bad)/2] ^= 4
		if _, err := DecodeDump(dst, bad); err == nil {
			t.Fatalf("%s: corrupt payload accepted", k)
		}
	}
	want := imageOf(t, src)
	var want0 []keyImage
	for _, k := range want {
		if k.DB == 0 {
			k.ExpireAt = 0
			want0 = append(want0, k)
		}
	}
	diffImages(t, imageOf(t, dst), want0)
}

// laterValue matches a value written after the cut ("v1" .. "v20").
var laterValue = regexp.MustCompile(`"v[1-9]`)

// Writers running while the image is written, on every shard, change
// nothing in it: the file holds exactly the state at the cut, whether
// one goroutine serializes it or several.
func TestSnapshotUnderConcurrentWrites(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) { testSnapshotUnderConcurrentWrites(t, workers) })
	}
}

func testSnapshotUnderConcurrentWrites(t *testing.T, workers int) {
	s := newStore(t)
	db := s.DB(0)
	const n = 4000
	for i := range n {
		db.Set("k"+strconv.Itoa(i), []byte("v0"), store.SetOptions{})
		db.HSet("h"+strconv.Itoa(i%50), []byte("f"+strconv.Itoa(i)), []byte("v0"))
	}
	sn := NewSnapshot(s, true, nil)
	stop := make(chan struct{})
	done := make(chan struct{})
	for w := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for round := 1; round <= 20; round++ {
				for i := w; i < n; i += 4 {
					select {
					case <-stop:
						return
					default:
					}
					v := []byte("v" + strconv.Itoa(round))
					db.Set("k"+strconv.Itoa(i), v, store.SetOptions{})
					db.HSet("h"+strconv.Itoa(i%50), []byte("f"+strconv.Itoa(i)), v)
					db.Del("k" + strconv.Itoa((i+1)%n))
				}
			}
		}()
	}
	var buf bytes.Buffer
	_, err := Write(&buf, sn, Options{Compression: true, Checksum: true, Workers: workers})
	close(stop)
	for range 4 {
		<-done
	}
	if err != nil {
		t.Fatal(err)
	}
	dst := newStore(t)
	if _, err := loadBytes(dst, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	img := imageOf(t, dst)
	if len(img) != n+50 {
		t.Fatalf("%d keys in the image, want %d", len(img), n+50)
	}
	for _, k := range img {
		if laterValue.MatchString(k.Value) {
			t.Fatalf("%s holds a value written after the cut: %.80s", k.Key, k.Value)
		}
	}
}

// Every kind of change after the cut, in-place ones included (bits, HLL
// registers, appends, SETs of as long a value, INCRs), TTLs, flushes and
// SWAPDB, leaves the image as it was at the cut.
func TestSnapshotIgnoresEveryLaterChange(t *testing.T) {
	s := newStore(t)
	fill(t, s)
	db := s.DB(0)
	for i := range 200 {
		db.SetBit("bits"+strconv.Itoa(i), uint64(i), true)
		db.PFAdd("hll"+strconv.Itoa(i), []byte("a"), []byte("b"))
		db.Append("app"+strconv.Itoa(i), []byte("x"))
		db.Set("str"+strconv.Itoa(i), []byte(fmt.Sprintf("before%04d", i)), store.SetOptions{})
		db.IncrBy("cnt"+strconv.Itoa(i), 100000)
		db.IncrBy("cnt"+strconv.Itoa(i), int64(i)) // its own copy, written in place from here
	}
	want := imageOf(t, s)
	sn := NewSnapshot(s, true, nil)
	for i := range 200 {
		db.SetBit("bits"+strconv.Itoa(i), uint64(i+1), true)
		db.PFAdd("hll"+strconv.Itoa(i), []byte("c"), []byte(strconv.Itoa(i)))
		db.PFCount("hll" + strconv.Itoa(i))
		db.Append("app"+strconv.Itoa(i), []byte("y"))
		db.ExpireAt("app"+strconv.Itoa(i), time.Now().Add(time.Hour).UnixMilli(), 0)
		db.Set("str"+strconv.Itoa(i), []byte(fmt.Sprintf("after0%04d", i)), store.SetOptions{}) // in place
		db.IncrBy("cnt"+strconv.Itoa(i), 1)
	}
	s.DB(1).Flush()
	if err := s.SwapDB(0, 15); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := Write(&buf, sn, Options{Checksum: true}); err != nil {
		t.Fatal(err)
	}
	dst := newStore(t)
	if _, err := loadBytes(dst, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	// A string APPEND built is "raw" in memory and, loaded, what its
	// length makes it, in Redis too: compare strings by value.
	norm := func(im []keyImage) []keyImage {
		for i := range im {
			if im[i].Type == "string" {
				im[i].Encoding = ""
			}
		}
		return im
	}
	diffImages(t, norm(imageOf(t, dst)), norm(want))
}

// Bitmaps the store changes in place (small ones, which the saver copies
// under the lock and encodes after it, and one past lateMax, which it
// encodes under the lock) keep their bytes at the cut while writers flip
// bits during the whole save; under -race a missing copy is also a race.
func TestSnapshotOwnedStringsChangedDuringSave(t *testing.T) {
	s := newStore(t)
	db := s.DB(0)
	for i := range 300 {
		db.SetBit("bits"+strconv.Itoa(i), uint64(i*8), true)
	}
	db.SetBit("big", 100<<13, true) // a 100 KB bitmap
	// Counters past the shared integers, which INCR writes over in place
	// while no reader holds them.
	for i := range 300 {
		if _, err := db.IncrBy("n"+strconv.Itoa(i), 100000+int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	want := imageOf(t, s)
	sn := NewSnapshot(s, true, nil)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for n := 0; n < 1_000_000; n++ {
			select {
			case <-stop:
				return
			default:
			}
			db.SetBit("bits"+strconv.Itoa(n%300), uint64(n%2000), true)
			db.SetBit("big", uint64(n%(100<<13)), true)
			db.IncrBy("n"+strconv.Itoa(n%300), 1)
		}
	}()
	var buf bytes.Buffer
	_, err := Write(&buf, sn, Options{Checksum: true})
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	dst := newStore(t)
	if _, err := loadBytes(dst, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	// A bitmap is "raw" in memory and, loaded, what its length makes it:
	// compare by value.
	norm := func(im []keyImage) []keyImage {
		for i := range im {
			im[i].Encoding = ""
		}
		return im
	}
	diffImages(t, norm(imageOf(t, dst)), norm(want))
}

// A save that fails after writing its temp file removes it and reports
// the removal's time as "rdb-unlink-temp-file".
func TestSaveFileFailureLatency(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dump.rdb")
	if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil { // a rename over it fails
		t.Fatal(err)
	}
	s := newStore(t)
	s.DB(0).Set("a", []byte("1"), store.SetOptions{})
	var events []string
	_, err := SaveFile(path, NewSnapshot(s, true, nil), Options{Latency: func(event string, d time.Duration) {
		events = append(events, event)
	}})
	if err == nil {
		t.Fatal("the save did not fail")
	}
	if len(events) != 1 || events[0] != "rdb-unlink-temp-file" {
		t.Errorf("events %v", events)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
}

// A file that holds a key twice is refused, naming the first such key in
// the file's order, however many processors store the keys; the store
// keeps what it had.
func TestRefusesDuplicateKeys(t *testing.T) {
	// file writes n string keys k0..k(n-1) to database 0, then the keys
	// of dups again, by hand: no checksum.
	file := func(n int, dups ...int) []byte {
		b := []byte("REDIS0010")
		b = append(b, opSelectDB, 0)
		put := func(i int) {
			k := "k" + strconv.Itoa(i)
			b = append(b, typeString, byte(len(k)))
			b = append(b, k...)
			b = append(b, 1, 'v')
		}
		for i := range n {
			put(i)
		}
		for _, i := range dups {
			put(i)
		}
		return append(b, opEOF, 0, 0, 0, 0, 0, 0, 0, 0)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		for _, tc := range []struct {
			name string
			file []byte
			err  string // "" for no error
		}{
			{"distinct", file(5000), ""},
			{"one twice", file(5000, 17), "RDB has duplicated key 'k17' in DB 0"},
			{"first of several", file(5000, 4321, 3, 99), "RDB has duplicated key 'k4321' in DB 0"},
			{"small file", file(3, 1), "RDB has duplicated key 'k1' in DB 0"},
		} {
			t.Run(fmt.Sprintf("procs=%d/%s", procs, tc.name), func(t *testing.T) {
				dst := newStore(t)
				dst.DB(0).Set("keep", []byte("me"), store.SetOptions{})
				_, err := loadBytes(dst, tc.file)
				if tc.err == "" {
					if err != nil {
						t.Fatal(err)
					}
					if n := dst.DB(0).Size(); n != 5000 {
						t.Fatalf("%d keys loaded, want 5000", n)
					}
					return
				}
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want ErrCorrupt with %q", err, tc.err)
				}
				if got := imageOf(t, dst); len(got) != 1 || got[0].Key != "keep" {
					t.Fatalf("store changed by a failed load: %d keys", len(got))
				}
			})
		}
	}
}
