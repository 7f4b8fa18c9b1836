package rdb

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/emberkv/ember/internal/listpack"
	"github.com/emberkv/ember/internal/testenv"
	"github.com/emberkv/ember/store"
)

// Files in the formats Redis 7.0 no longer writes but still loads, built
// here byte by byte: ziplists, zipmaps, quicklist v1, the old list, set,
// zset and text scores, expiries in seconds. Redis 7.0 loads the same file
// (where it can) and both must hold the same keys.

// rdbBuilder assembles an RDB file.
type rdbBuilder struct {
	b   []byte
	enc Encoder
}

func newRDB(version int) *rdbBuilder {
	return &rdbBuilder{b: []byte("REDIS" + leftPad(strconv.Itoa(version)))}
}

func leftPad(s string) string {
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}

func (r *rdbBuilder) raw(p ...byte) *rdbBuilder { r.b = append(r.b, p...); return r }
func (r *rdbBuilder) str(s string) *rdbBuilder  { r.b = r.enc.appendString(r.b, []byte(s)); return r }
func (r *rdbBuilder) blob(p []byte) *rdbBuilder {
	r.b = appendLen(r.b, uint64(len(p)))
	r.b = append(r.b, p...)
	return r
}
func (r *rdbBuilder) length(n int) *rdbBuilder { r.b = appendLen(r.b, uint64(n)); return r }
func (r *rdbBuilder) key(t byte, k string) *rdbBuilder {
	return r.raw(t).str(k)
}

// done adds EOF and the checksum.
func (r *rdbBuilder) done() []byte {
	r.b = append(r.b, opEOF)
	return binary.LittleEndian.AppendUint64(r.b, crcUpdate(0, r.b))
}

// ziplist encodes entries as Redis < 7 did: integers get the integer
// encodings, strings the 6- or 14-bit length ones.
func ziplist(entries ...string) []byte {
	zl := make([]byte, zlHeader)
	prev, last := 0, zlHeader
	for _, e := range entries {
		start := len(zl)
		if prev < 254 {
			zl = append(zl, byte(prev))
		} else {
			zl = append(zl, 0xFE)
			zl = binary.LittleEndian.AppendUint32(zl, uint32(prev))
		}
		if n, err := strconv.ParseInt(e, 10, 64); err == nil && strconv.FormatInt(n, 10) == e {
			switch {
			case n >= 0 && n <= 12:
				zl = append(zl, 0xF1+byte(n))
			case n >= math.MinInt8 && n <= math.MaxInt8:
				zl = append(zl, 0xFE, byte(n))
			case n >= math.MinInt16 && n <= math.MaxInt16:
				zl = binary.LittleEndian.AppendUint16(append(zl, 0xC0), uint16(n))
			case n >= -1<<23 && n < 1<<23:
				zl = append(zl, 0xF0, byte(n), byte(n>>8), byte(n>>16))
			case n >= math.MinInt32 && n <= math.MaxInt32:
				zl = binary.LittleEndian.AppendUint32(append(zl, 0xD0), uint32(n))
			default:
				zl = binary.LittleEndian.AppendUint64(append(zl, 0xE0), uint64(n))
			}
		} else if len(e) < 64 {
			zl = append(append(zl, byte(len(e))), e...)
		} else {
			zl = append(append(zl, 0x40|byte(len(e)>>8), byte(len(e))), e...)
		}
		prev, last = len(zl)-start, start
	}
	zl = append(zl, 0xFF)
	binary.LittleEndian.PutUint32(zl, uint32(len(zl)))
	binary.LittleEndian.PutUint32(zl[4:], uint32(last))
	binary.LittleEndian.PutUint16(zl[8:], uint16(len(entries)))
	return zl
}

// zipmap encodes a Redis 2.4 small hash.
func zipmap(pairs ...string) []byte {
	zm := []byte{byte(len(pairs) / 2)}
	for i := 0; i < len(pairs); i += 2 {
		zm = append(append(zm, byte(len(pairs[i]))), pairs[i]...)
		zm = append(append(zm, byte(len(pairs[i+1])), 1), pairs[i+1]...)
		zm = append(zm, 'x') // one free byte
	}
	return append(zm, 0xFF)
}

func legacyFile() []byte {
	r := newRDB(9)
	r.raw(opSelectDB).length(0)
	r.key(typeListZiplist, "zl:list").blob(ziplist("a", "1", "-5", "300", "70000", "9000000", "-9000000000", "", "long-"+string(bytes.Repeat([]byte("z"), 80))))
	r.key(typeHashZiplist, "zl:hash").blob(ziplist("f1", "v1", "f2", "12", "n", "-40000"))
	r.key(typeZSetZiplist, "zl:zset").blob(ziplist("c", "-3", "a", "1", "b", "2.5"))
	r.key(typeHashZipmap, "zm:hash").blob(zipmap("name", "ember", "k", "v"))
	// quicklist v1: ziplist nodes.
	r.key(typeListQuicklist, "ql1").length(2).blob(ziplist("x", "y")).blob(ziplist("7", "z"))
	// The plain types of old: list, set, zset with text scores, hash.
	r.key(typeList, "old:list").length(3).str("p").str("12").str("q")
	r.key(typeSet, "old:set").length(3).str("1").str("2").str("3")
	r.key(typeZSet, "old:zset").length(3).str("inf").raw(254).str("ninf").raw(255).str("x").raw(3).raw('1', '.', '5')
	r.key(typeHash, "old:hash").length(1).str("f").str("v")
	// An expiry in seconds (2033; Redis reads them as a signed 32-bit
	// number, as Ember does), and a past one that is skipped.
	r.raw(opExpireSec).raw(binary.LittleEndian.AppendUint32(nil, 2000000000)...).key(typeString, "exp:sec").str("x")
	r.raw(opExpireSec).raw(binary.LittleEndian.AppendUint32(nil, 1000)...).key(typeString, "exp:past").str("x")
	r.raw(opSelectDB).length(2)
	r.key(typeString, "db2").str("two")
	return r.done()
}

// Redis 7.0 and Ember load the same legacy file to the same keys.
func TestLoadLegacyEncodings(t *testing.T) {
	file := legacyFile()
	s := newStore(t)
	if _, err := loadBytes(s, file); err != nil {
		t.Fatal(err)
	}
	got := imageOf(t, s)
	if len(got) != 11 {
		t.Errorf("%d keys loaded, want 11: %+v", len(got), got)
	}
	testenv.RequireTool(t, "redis-server")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "dump.rdb"), file, 0o644)
	addr := testenv.StartRedis(t, "--dir", dir, "--dbfilename", "dump.rdb")
	diffImages(t, got, redisImage(t, addr))
}

// What Redis 7.0 cannot load but 7.2 writes or Ember must skip: 7.2's set
// listpack (version 11), FREQ and IDLE, a function library and module aux
// data (skipped with a warning).
func TestLoadNewerAndSkipped(t *testing.T) {
	lp := listpack.New(0)
	for _, m := range []string{"a", "b", "7"} {
		lp = listpack.Append(lp, []byte(m))
	}
	ints := listpack.New(0)
	for _, m := range []string{"1", "2", "3"} {
		ints = listpack.Append(ints, []byte(m))
	}
	r := newRDB(11)
	r.raw(opAux).str("redis-ver").str("7.2.4")
	r.raw(opModuleAux).length(12345 << 10).length(moduleOpUInt).length(2)
	r.length(moduleOpUInt).length(7).length(moduleOpStr).str("blob").length(moduleOpDbl).raw(make([]byte, 8)...).length(moduleOpEOF)
	r.raw(opFunction2).str("#!lua name=lib\nredis.register_function('f', function() return 1 end)")
	r.raw(opSelectDB).length(0).raw(opResizeDB).length(3).length(0)
	r.raw(opFreq, 5).key(typeSetListpack, "set:lp").blob(lp)
	r.raw(opIdle).length(100).key(typeSetListpack, "set:lpints").blob(ints)
	r.key(typeString, "plain").str("v")
	file := r.done()

	s := newStore(t)
	st := s.NewStaging()
	var warnings []string
	stats, err := Load(bytes.NewReader(file), st, s, LoadOptions{Name: "x.rdb", Warn: func(m string) { warnings = append(warnings, m) }})
	if err != nil {
		t.Fatal(err)
	}
	s.Install(st)
	if stats.Keys != 3 || stats.Version != 11 || len(warnings) != 2 {
		t.Errorf("stats %+v, warnings %q", stats, warnings)
	}
	want := map[string]string{"set:lp": "hashtable", "set:lpints": "intset", "plain": "embstr"}
	for _, k := range imageOf(t, s) {
		if want[k.Key] != k.Encoding {
			t.Errorf("%s: encoding %s, want %s", k.Key, k.Encoding, want[k.Key])
		}
	}
	// Version 12 is refused.
	copy(file, "REDIS0012")
	if _, err := Load(bytes.NewReader(file), s.NewStaging(), s, LoadOptions{}); err == nil {
		t.Error("version 12 accepted")
	}
}

// A damaged compact blob is refused at load, never kept to crash later.
func TestRefusesBadCompactValues(t *testing.T) {
	good := listpack.Append(listpack.Append(listpack.New(0), []byte("f")), []byte("v"))
	dup := listpack.Append(listpack.Append(bytes.Clone(good), []byte("f")), []byte("w"))
	odd := listpack.Append(bytes.Clone(good), []byte("x"))
	badLen := bytes.Clone(good)
	badLen[0]++
	nanScore := listpack.Append(listpack.Append(listpack.New(0), []byte("m")), []byte("nan"))
	unsorted := []byte{2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 3, 0}
	tests := []struct {
		name string
		t    byte
		blob []byte
	}{
		{"hash listpack duplicate field", typeHashListpack, dup},
		{"hash listpack odd entries", typeHashListpack, odd},
		{"hash listpack bad total", typeHashListpack, badLen},
		{"zset listpack NaN score", typeZSetListpack, nanScore},
		{"intset unsorted", typeSetIntset, unsorted},
		{"ziplist bad tail", typeListZiplist, func() []byte { z := ziplist("a", "b"); z[4]++; return z }()},
		{"zipmap short", typeHashZipmap, []byte{1, 5, 'a'}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := newRDB(10).raw(opSelectDB).length(0).key(tt.t, "k").blob(tt.blob).done()
			_, err := loadBytes(newStore(t), file)
			if err == nil {
				t.Fatal("accepted")
			}
		})
	}
	// The good one loads.
	file := newRDB(10).raw(opSelectDB).length(0).key(typeHashListpack, "k").blob(good).done()
	if _, err := loadBytes(newStore(t), file); err != nil {
		t.Fatal(err)
	}
	_ = store.KindHash
}
