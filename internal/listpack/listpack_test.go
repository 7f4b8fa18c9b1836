package listpack

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"testing"
)

// build appends vs to an empty listpack.
func build(vs ...string) []byte {
	lp := New(0)
	for _, v := range vs {
		lp = Append(lp, []byte(v))
	}
	return lp
}

// values reads every entry front to back, as strings.
func values(lp []byte) []string {
	var out []string
	for off := First(lp); off >= 0; off = Next(lp, off) {
		out = append(out, string(AppendValue(nil, lp, off)))
	}
	return out
}

// valuesBackward reads every entry back to front, returned in forward order.
func valuesBackward(lp []byte) []string {
	var out []string
	for off := Last(lp); off >= 0; off = Prev(lp, off) {
		out = append(out, string(AppendValue(nil, lp, off)))
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// check fails t unless lp is valid and holds want, read either way.
func check(t *testing.T, lp []byte, want []string) {
	t.Helper()
	if !Validate(lp, true) {
		t.Fatalf("Validate failed: % x", lp[:min(len(lp), 64)])
	}
	if Count(lp) != len(want) {
		t.Fatalf("Count = %d, want %d", Count(lp), len(want))
	}
	if Bytes(lp) != len(lp) {
		t.Fatalf("Bytes = %d, len %d", Bytes(lp), len(lp))
	}
	if got := values(lp); !equalStrings(got, want) {
		t.Fatalf("forward = %q, want %q", short(got), short(want))
	}
	if got := valuesBackward(lp); !equalStrings(got, want) {
		t.Fatalf("backward = %q, want %q", short(got), short(want))
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func short(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		if len(v) > 20 {
			v = v[:20] + "...(" + strconv.Itoa(len(v)) + ")"
		}
		out[i] = v
	}
	return out
}

func TestEncodings(t *testing.T) {
	tests := []struct {
		name  string
		v     string
		isInt bool
		enc   byte // the encoding byte, or its class for strings
		size  int  // encoding + data + backlen
	}{
		{"zero", "0", true, 0x00, 2},
		{"7bit max", "127", true, 0x7F, 2},
		{"13bit 128", "128", true, 0xC0, 3},
		{"13bit min", "-4096", true, 0xD0, 3},
		{"13bit max", "4095", true, 0xCF, 3},
		{"13bit -1", "-1", true, 0xDF, 3},
		{"16bit 4096", "4096", true, 0xF1, 4},
		{"16bit -4097", "-4097", true, 0xF1, 4},
		{"16bit max", "32767", true, 0xF1, 4},
		{"16bit min", "-32768", true, 0xF1, 4},
		{"24bit 32768", "32768", true, 0xF2, 5},
		{"24bit -32769", "-32769", true, 0xF2, 5},
		{"24bit max", "8388607", true, 0xF2, 5},
		{"24bit min", "-8388608", true, 0xF2, 5},
		{"32bit 8388608", "8388608", true, 0xF3, 6},
		{"32bit max", "2147483647", true, 0xF3, 6},
		{"32bit min", "-2147483648", true, 0xF3, 6},
		{"64bit 2^31", "2147483648", true, 0xF4, 10},
		{"64bit -2^31-1", "-2147483649", true, 0xF4, 10},
		{"64bit max", "9223372036854775807", true, 0xF4, 10},
		{"64bit min", "-9223372036854775808", true, 0xF4, 10},
		{"empty", "", false, 0x80, 2},
		{"6bit 63", strings.Repeat("x", 63), false, 0x80 | 63, 65},
		{"12bit 64", strings.Repeat("x", 64), false, 0xE0, 67},
		{"12bit 125: 2-byte backlen", strings.Repeat("x", 126), false, 0xE0, 130},
		{"12bit 4095", strings.Repeat("x", 4095), false, 0xEF, 4097 + 2},
		{"32bit 4096", strings.Repeat("x", 4096), false, 0xF0, 4101 + 2},
		{"32bit 70000", strings.Repeat("x", 70000), false, 0xF0, 70005 + 3},
		{"binary NULs", "a\x00b\x00\xff", false, 0x85, 7},
		{"-0", "-0", false, 0x82, 4},
		{"007", "007", false, 0x83, 5},
		{"space 1", " 1", false, 0x82, 4},
		{"plus 1", "+1", false, 0x82, 4},
		{"trailing space", "1 ", false, 0x82, 4},
		{"just minus", "-", false, 0x81, 3},
		{"2^63", "9223372036854775808", false, 0x80 | 19, 21},
		{"-2^63-1", "-9223372036854775809", false, 0x80 | 20, 22},
		{"float", "1.5", false, 0x83, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := []byte(tt.v)
			if got := EntrySize(v); got != tt.size {
				t.Errorf("EntrySize = %d, want %d", got, tt.size)
			}
			lp := Append(New(0), v)
			check(t, lp, []string{tt.v})
			if len(lp) != 7+tt.size {
				t.Errorf("listpack is %d bytes, want %d", len(lp), 7+tt.size)
			}
			enc := lp[6]
			if tt.isInt || len(v) < 64 {
				if enc != tt.enc {
					t.Errorf("encoding byte %#x, want %#x", enc, tt.enc)
				}
			} else if enc&0xF0 != tt.enc&0xF0 {
				t.Errorf("encoding byte %#x, want class %#x", enc, tt.enc)
			}
			s, n, isInt := Get(lp, First(lp))
			if isInt != tt.isInt {
				t.Fatalf("isInt = %v, want %v", isInt, tt.isInt)
			}
			if isInt && strconv.FormatInt(n, 10) != tt.v {
				t.Errorf("n = %d, want %s", n, tt.v)
			}
			if !isInt && string(s) != tt.v {
				t.Errorf("s = %q, want %q", short([]string{string(s)}), short([]string{tt.v}))
			}
			if !Equal(lp, First(lp), v) {
				t.Errorf("Equal(%q) = false", short([]string{tt.v}))
			}
			if Find(lp, First(lp), v, 0) != First(lp) {
				t.Errorf("Find did not find it")
			}
			if isInt {
				lp2 := AppendInt(New(0), n)
				if !bytes.Equal(lp, lp2) {
					t.Errorf("AppendInt bytes % x, Append bytes % x", lp2, lp)
				}
			}
		})
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// TestGolden compares with bytes worked out by hand from Redis 7.0's format.
func TestGolden(t *testing.T) {
	big := strings.Repeat("x", 70000)
	tests := []struct {
		name string
		vs   []string
		want []byte
	}{
		{"empty", nil, mustHex("07000000 0000 ff")},
		{"a", []string{"a"}, mustHex("0a000000 0100 816102 ff")},
		// 1 as a 7-bit uint, 300 (0x12c) as 13-bit, -1 as 13-bit 0x1fff.
		{"ints", []string{"1", "300", "-1"}, mustHex("0f000000 0300 0101 c12c02 dfff02 ff")},
		{"int edges", []string{"-4096", "4096", "-32769", "-9223372036854775808"}, mustHex(
			"1d000000 0400 d00002 f1001003 f2ff7fff04 f4000000000000008009 ff")},
		// A 126-byte string: 128 bytes of encoding and data take a 2-byte
		// backlen, 0x01 0x80.
		{"2-byte backlen", []string{strings.Repeat("y", 126)}, append(append(mustHex("89000000 0100 e07e"),
			strings.Repeat("y", 126)...), mustHex("0180 ff")...)},
		{"not ints", []string{"-0", "007"}, mustHex("10000000 0200 822d3003 8330303704 ff")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := build(tt.vs...); !bytes.Equal(got, tt.want) {
				t.Errorf("got  % x\nwant % x", got, tt.want)
			}
		})
	}

	t.Run("a 1 300 70000-byte string", func(t *testing.T) {
		// 70000 = 0x11170; its encoding and data are 70005 bytes, whose
		// backlen is 70005>>14=0x04, (70005>>7)&127|128=0xa2, 70005&127|128=0xf5.
		// Total 6+3+2+3+70008+1 = 70023 = 0x11187.
		want := mustHex("87110100 0400 816102 0101 c12c02 f070110100")
		want = append(want, big...)
		want = append(want, mustHex("04a2f5 ff")...)
		lp := Append(New(0), []byte("a"))
		lp = AppendInt(lp, 1)
		lp = Append(lp, []byte("300"))
		lp = Append(lp, []byte(big))
		if !bytes.Equal(lp, want) {
			t.Fatalf("bytes differ; head % x", lp[:30])
		}
		check(t, lp, []string{"a", "1", "300", big})
	})
}

func TestBacklenEdges(t *testing.T) {
	// Redis's lpEncodeBacklen switches size at 127 inclusive, then at
	// 16383, 2097151 and 268435455 exclusive.
	tests := []struct {
		l    int
		want string
	}{
		{0, "00"}, {127, "7f"}, {128, "0180"}, {16382, "7ffe"},
		{16383, "00ffff"}, {2097150, "7ffffe"}, {2097151, "00ffffff"},
		{268435454, "7ffffffe"}, {268435455, "00ffffffff"}, {math.MaxUint32, "0fffffffff"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.l), func(t *testing.T) {
			buf := make([]byte, 5)
			n := putBacklen(buf, tt.l)
			if got := hex.EncodeToString(buf[:n]); got != tt.want {
				t.Errorf("putBacklen = %s, want %s", got, tt.want)
			}
			if got, ok := readBacklen(buf, n-1); !ok || got != tt.l {
				t.Errorf("readBacklen = %d %v", got, ok)
			}
		})
	}
}

func TestEditsInTheMiddle(t *testing.T) {
	base := []string{"a", "1", "b", "300", "c"}
	tests := []struct {
		name string
		edit func(lp []byte) []byte
		want []string
	}{
		{"insert before 3rd", func(lp []byte) []byte { return Insert(lp, Seek(lp, 2), []byte("new")) },
			[]string{"a", "1", "new", "b", "300", "c"}},
		{"insert int before 2nd", func(lp []byte) []byte { return Insert(lp, Seek(lp, 1), []byte("-70000")) },
			[]string{"a", "-70000", "1", "b", "300", "c"}},
		{"insert at terminator", func(lp []byte) []byte { return Insert(lp, Terminator(lp), []byte("z")) },
			[]string{"a", "1", "b", "300", "c", "z"}},
		{"prepend", func(lp []byte) []byte { return Prepend(lp, []byte("0")) },
			[]string{"0", "a", "1", "b", "300", "c"}},
		{"replace shorter with longer", func(lp []byte) []byte {
			return Replace(lp, Seek(lp, 1), []byte(strings.Repeat("L", 200)))
		}, []string{"a", strings.Repeat("L", 200), "b", "300", "c"}},
		{"replace longer with shorter", func(lp []byte) []byte { return Replace(lp, Seek(lp, 3), []byte("7")) },
			[]string{"a", "1", "b", "7", "c"}},
		{"replace same size", func(lp []byte) []byte { return Replace(lp, Seek(lp, 2), []byte("q")) },
			[]string{"a", "1", "q", "300", "c"}},
		{"delete middle", func(lp []byte) []byte { return Delete(lp, Seek(lp, 2)) },
			[]string{"a", "1", "300", "c"}},
		{"delete last", func(lp []byte) []byte { return Delete(lp, Last(lp)) },
			[]string{"a", "1", "b", "300"}},
		{"delete range middle", func(lp []byte) []byte { return DeleteRange(lp, Seek(lp, 1), 3) },
			[]string{"a", "c"}},
		{"delete range past end", func(lp []byte) []byte { return DeleteRange(lp, Seek(lp, 3), 10) },
			[]string{"a", "1", "b"}},
		{"delete range zero", func(lp []byte) []byte { return DeleteRange(lp, Seek(lp, 3), 0) }, base},
		{"delete all", func(lp []byte) []byte { return DeleteRange(lp, First(lp), 5) }, nil},
		{"insert own entry (aliasing)", func(lp []byte) []byte {
			s, _, _ := Get(lp, Seek(lp, 4))
			return Insert(lp, First(lp), s)
		}, []string{"c", "a", "1", "b", "300", "c"}},
		{"replace with own entry (aliasing)", func(lp []byte) []byte {
			s, _, _ := Get(lp, Seek(lp, 0))
			return Replace(lp, Seek(lp, 4), s)
		}, []string{"a", "1", "b", "300", "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lp := tt.edit(build(base...))
			check(t, lp, tt.want)
			if !bytes.Equal(lp, build(tt.want...)) {
				t.Errorf("bytes differ from a listpack built by appending")
			}
		})
	}

	t.Run("delete leaves off at the next entry", func(t *testing.T) {
		lp := build(base...)
		off := Seek(lp, 1)
		lp = Delete(lp, off)
		if got := string(AppendValue(nil, lp, off)); got != "b" {
			t.Errorf("after Delete, off holds %q, want b", got)
		}
		lp = Delete(lp, Last(lp))
		if off = Last(lp); Next(lp, off) != -1 {
			t.Errorf("Next after the last = %d", Next(lp, off))
		}
	})
}

func TestSeek(t *testing.T) {
	lp := build("a", "b", "c", "d", "e")
	tests := []struct {
		index int
		want  string // "" for none
	}{
		{0, "a"}, {1, "b"}, {2, "c"}, {3, "d"}, {4, "e"}, {5, ""}, {100, ""},
		{-1, "e"}, {-2, "d"}, {-5, "a"}, {-6, ""}, {-100, ""},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.index), func(t *testing.T) {
			off := Seek(lp, tt.index)
			if tt.want == "" {
				if off != -1 {
					t.Errorf("Seek = %d, want -1", off)
				}
				return
			}
			if off < 0 || string(AppendValue(nil, lp, off)) != tt.want {
				t.Errorf("Seek(%d) = %d, want %q", tt.index, off, tt.want)
			}
		})
	}
	if Seek(New(0), 0) != -1 || Seek(New(0), -1) != -1 || First(New(0)) != -1 || Last(New(0)) != -1 {
		t.Errorf("an empty listpack has an entry")
	}
}

func TestFind(t *testing.T) {
	// A hash as field/value pairs: the value "f2" and the int 5 must not
	// be taken for fields.
	lp := build("f1", "f2", "5", "x", "f2", "v2", "10", "5", "007", "y")
	tests := []struct {
		name string
		v    string
		skip int
		want int // index, -1 for none
	}{
		{"field", "f2", 1, 4},
		{"no skip finds the value", "f2", 0, 1},
		{"int field", "5", 1, 2},
		{"int field 10", "10", 1, 6},
		{"int value not a field", "5", 1, 2},
		{"non-canonical", "007", 1, 8},
		{"007 is not 7", "7", 0, -1},
		{"missing", "zz", 0, -1},
		{"value only", "v2", 1, -1},
		{"skip 2", "x", 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Find(lp, First(lp), []byte(tt.v), tt.skip)
			want := -1
			if tt.want >= 0 {
				want = Seek(lp, tt.want)
			}
			if got != want {
				t.Errorf("Find(%q, skip %d) = %d, want %d", tt.v, tt.skip, got, want)
			}
		})
	}
	if Find(lp, -1, []byte("f1"), 0) != -1 || Find(New(0), First(New(0)), []byte("a"), 0) != -1 {
		t.Errorf("Find from nowhere found something")
	}
	// From a later offset.
	if got, want := Find(lp, Seek(lp, 3), []byte("5"), 0), Seek(lp, 7); got != want {
		t.Errorf("Find from index 3 = %d, want %d", got, want)
	}
}

func TestEqual(t *testing.T) {
	lp := build("12", "abc", "-0", "")
	tests := []struct {
		index int
		v     string
		want  bool
	}{
		{0, "12", true}, {0, "012", false}, {0, "+12", false}, {0, "13", false}, {0, "", false},
		{1, "abc", true}, {1, "ab", false},
		{2, "-0", true}, {2, "0", false},
		{3, "", true}, {3, "0", false},
	}
	for _, tt := range tests {
		if got := Equal(lp, Seek(lp, tt.index), []byte(tt.v)); got != tt.want {
			t.Errorf("Equal(#%d, %q) = %v", tt.index, tt.v, got)
		}
	}
}

// TestCountUnknown fills past 65535 entries: the header then says 65535, as
// Redis writes, Count walks, and the header is exact again once below.
func TestCountUnknown(t *testing.T) {
	lp := New(0)
	for i := range 65536 {
		lp = AppendInt(lp, int64(i%100))
	}
	if h := binary.LittleEndian.Uint16(lp[4:]); h != 65535 {
		t.Fatalf("header count %d, want 65535", h)
	}
	if Count(lp) != 65536 || !Validate(lp, true) {
		t.Fatalf("Count = %d", Count(lp))
	}
	if off := Seek(lp, -1); off != Last(lp) {
		t.Errorf("Seek(-1) = %d, Last %d", off, Last(lp))
	}
	if off := Seek(lp, 65535); off != Last(lp) {
		t.Errorf("Seek(65535) = %d, Last %d", off, Last(lp))
	}
	lp = Delete(lp, First(lp))
	if h := binary.LittleEndian.Uint16(lp[4:]); h != 65535 || Count(lp) != 65535 {
		t.Fatalf("header %d Count %d after one delete", h, Count(lp))
	}
	lp = DeleteRange(lp, First(lp), 10)
	if h := binary.LittleEndian.Uint16(lp[4:]); h != 65525 || Count(lp) != 65525 || !Validate(lp, true) {
		t.Fatalf("header %d Count %d, want 65525", h, Count(lp))
	}
}

func TestValidateRejects(t *testing.T) {
	good := build("a", "300", strings.Repeat("z", 200))
	corrupt := func(f func(b []byte) []byte) []byte {
		return f(bytes.Clone(good))
	}
	tests := []struct {
		name string
		lp   []byte
		deep bool // whether only a deep check catches it
	}{
		{"nil", nil, false},
		{"too short", []byte{6, 0, 0, 0, 0, 0}, false},
		{"total too big", corrupt(func(b []byte) []byte { b[0]++; return b }), false},
		{"no terminator", corrupt(func(b []byte) []byte { b[len(b)-1] = 0; return b }), false},
		{"truncated", corrupt(func(b []byte) []byte { b = b[:len(b)-1]; setTotal(b); return b }), false},
		{"count wrong", corrupt(func(b []byte) []byte { b[4] = 2; return b }), true},
		{"bad encoding byte", corrupt(func(b []byte) []byte { b[6] = 0xF5; return b }), true},
		{"bad backlen", corrupt(func(b []byte) []byte { b[8] = 3; return b }), true},
		{"string runs past end", corrupt(func(b []byte) []byte { b[12] = 0xEF; return b }), true},
		{"32-bit length huge", []byte{12, 0, 0, 0, 1, 0, 0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, true},
		{"terminator early", corrupt(func(b []byte) []byte { b[9] = 0xFF; return b }), true},
		{"backlen of 6 bytes", []byte{14, 0, 0, 0, 1, 0, 0x01, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0xFF}, true},
	}
	if !Validate(good, true) {
		t.Fatal("the good listpack is invalid")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if Validate(tt.lp, true) {
				t.Errorf("deep Validate accepted % x", tt.lp[:min(len(tt.lp), 24)])
			}
			if !tt.deep && Validate(tt.lp, false) {
				t.Errorf("shallow Validate accepted it")
			}
		})
	}
}

func TestNoAllocs(t *testing.T) {
	lp := New(0)
	for i := range 128 {
		lp = Append(lp, []byte("field:"+strconv.Itoa(i)))
		lp = AppendInt(lp, int64(i*1000))
	}
	first := First(lp)
	needle := []byte("field:127")
	num := []byte("126000")
	allocs := testing.AllocsPerRun(100, func() {
		for off := first; off >= 0; off = Next(lp, off) {
			Get(lp, off)
		}
		for off := Last(lp); off >= 0; off = Prev(lp, off) {
			Equal(lp, off, num)
		}
		Find(lp, first, needle, 1)
		Find(lp, first, num, 0)
	})
	if allocs != 0 {
		t.Errorf("reads allocate %v times", allocs)
	}

	room := New(4096)
	allocs = testing.AllocsPerRun(1, func() {
		w := append(room[:0], New(0)...)
		for range 100 {
			w = Append(w, []byte("abcdef"))
			w = AppendInt(w, 123456)
		}
		w = Insert(w, First(w), []byte("x"))
		w = Replace(w, First(w), []byte("-5"))
		w = Delete(w, First(w))
	})
	if allocs != 0 {
		t.Errorf("writes within capacity allocate %v times", allocs)
	}
}
