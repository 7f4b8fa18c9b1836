package hll

import (
	"bytes"
	"strconv"
	"testing"
)

// FuzzHLL feeds arbitrary strings to every path that reads an HLL: Check,
// then Count, Union.Merge, ToDense, AppendDecode, Add and SetUnion. None
// may panic or read past the string's end (the race detector and bounds
// checks would say so), the opened bytes are never written, and the three
// decoders agree on whether the sparse registers are valid.
func FuzzHLL(f *testing.F) {
	s := New()
	f.Add(bytes.Clone(s.Bytes()), "a")
	for i := range 50 {
		s.Add([]byte(strconv.Itoa(i)), DefaultSparseMaxBytes)
	}
	f.Add(bytes.Clone(s.Bytes()), "b")
	sp := append([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"), 0x7f)
	f.Add(sp, "abc")
	f.Add(append(bytes.Clone(sp[:16]), 0x7f, 0xfe, 0x80, 0x00, 0x40), "xyz")
	s.ToDense()
	f.Add(bytes.Clone(s.Bytes()), "c")
	f.Fuzz(func(t *testing.T, data []byte, elems string) {
		if len(elems) > 64 {
			elems = elems[:64]
		}
		orig := bytes.Clone(data)
		sk, err := Open(data)
		if err != nil {
			return
		}
		var u Union
		mergeErr := u.Merge(data)
		sk.Invalidate()
		_, countErr := sk.Count()
		conv := sk
		toDenseErr := conv.ToDense()
		if (mergeErr == nil) != (countErr == nil) || (mergeErr == nil) != (toDenseErr == nil) {
			t.Fatalf("decoders disagree: merge %v, count %v, todense %v", mergeErr, countErr, toDenseErr)
		}
		if mergeErr == nil {
			a, _ := sk.Count()
			conv.Invalidate()
			b, _ := conv.Count()
			if a != b || u.Count() != a {
				t.Fatalf("counts differ: sparse %d, dense %d, union %d", a, b, u.Count())
			}
		}
		if !sk.Dense() {
			sk.AppendDecode(nil)
		}
		add, _ := Open(data)
		for i := 0; i < len(elems); i++ {
			if _, err := add.Add([]byte(elems[:i+1]), 40); err != nil {
				break
			}
			if Check(add.Bytes()) != nil {
				t.Fatalf("Add made an invalid HLL: %q", add.Bytes())
			}
		}
		// As PFMERGE, which writes only into a destination it decoded.
		// Each register set walks the sparse opcodes, so a long sparse
		// string costs as much here as in Redis: keep the fuzzer fast.
		if mergeErr == nil && len(data) <= 4096 {
			dst, _ := Open(data)
			dst.SetUnion(&u, 60)
		}
		if !bytes.Equal(orig, data) {
			t.Fatal("the opened bytes were written to")
		}
	})
}
