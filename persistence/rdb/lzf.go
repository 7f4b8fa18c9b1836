package rdb

import "errors"

// LZF is the compression Redis uses for strings in RDB files (Marc
// Lehmann's liblzf, lzf_c.c and lzf_d.c). The format: a control byte
// below 32 starts a literal run of ctrl+1 bytes; otherwise its top three
// bits are a match length minus 2 (7 meaning a further length byte
// follows), its low five bits and the next byte a back-reference offset
// minus 1, up to 8 KB back. Any valid stream decompresses the same, so
// Ember's compressor need not emit Redis's exact bytes, only valid ones.

const (
	lzfMaxLit = 1 << 5
	lzfMaxOff = 1 << 13
	lzfMaxRef = (1 << 8) + (1 << 3)
	lzfHLog   = 16 // Redis's lzfP.h HLOG
	lzfHSize  = 1 << lzfHLog
)

var errLZF = errors.New("invalid LZF compressed string")

// lzfTable is the compressor's hash table: for each hash of three bytes,
// the position after the last place they were seen, tagged with the
// call's epoch so that the table needs no clearing between calls.
type lzfTable struct {
	slot  [lzfHSize]uint64
	epoch uint64
}

// lzfIdx is liblzf's IDX for VERY_FAST, the variant Redis builds.
func lzfIdx(h uint32) uint32 { return ((h >> (3*8 - lzfHLog)) - h*5) & (lzfHSize - 1) }

// lzfCompress compresses in into out and returns the compressed length,
// or 0 when the result would not fit in out: Redis's lzf_compress, with
// its parameters (HLOG 16, VERY_FAST), step for step, so that Ember
// writes the bytes Redis writes. (Redis's table starts with whatever the
// stack held, so even Redis is not quite deterministic; a fresh table is
// what it has when the stack held nothing useful.) t is scratch space.
func lzfCompress(in, out []byte, t *lzfTable) int {
	n, outEnd := len(in), len(out)
	if n == 0 || outEnd == 0 {
		return 0
	}
	t.epoch++
	if t.epoch >= 1<<32 {
		clear(t.slot[:])
		t.epoch = 1
	}
	tag := t.epoch << 32
	lit := 0
	op := 1 // start a literal run
	ip := 0
	var hval uint32
	if n >= 2 {
		hval = uint32(in[0])<<8 | uint32(in[1])
	}
	for ip < n-2 {
		hval = hval<<8 | uint32(in[ip+2])
		slot := &t.slot[lzfIdx(hval)]
		ref := -1
		if *slot>>32 == t.epoch {
			ref = int(uint32(*slot)) - 1
		}
		*slot = tag | uint64(ip+1)
		if ref > 0 && ip-ref-1 < lzfMaxOff && in[ref+2] == in[ip+2] && in[ref] == in[ip] && in[ref+1] == in[ip+1] {
			off := ip - ref - 1
			l := 2
			maxl := min(n-ip-l, lzfMaxRef)
			if op+3+1 >= outEnd {
				if op-b2i(lit == 0)+3+1 >= outEnd {
					return 0
				}
			}
			out[op-lit-1] = byte(lit - 1) // stop the run
			op -= b2i(lit == 0)           // undo it if it is empty
			l = lzfMatch(in, ref, ip, maxl)
			l -= 2 // octets - 1
			ip++
			if l < 7 {
				out[op] = byte(off>>8) + byte(l<<5)
				op++
			} else {
				out[op] = byte(off>>8) + 7<<5
				out[op+1] = byte(l - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			lit = 0
			op++ // start a run
			ip += l + 1
			if ip >= n-2 {
				break
			}
			// VERY_FAST: hash the two positions before the new one.
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			hval = hval<<8 | uint32(in[ip+2])
			t.slot[lzfIdx(hval)] = tag | uint64(ip+1)
			ip++
			hval = hval<<8 | uint32(in[ip+2])
			t.slot[lzfIdx(hval)] = tag | uint64(ip+1)
			ip++
			continue
		}
		if op >= outEnd {
			return 0
		}
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	if op+3 > outEnd {
		return 0
	}
	for ip < n {
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1) // end the run
	op -= b2i(lit == 0)
	return op
}

// lzfMatch is how far the match at ref extends from ip, as lzf_compress
// counts it: sixteen unchecked steps first when maxl > 16 (which may run
// two past maxl, to the end of the input), then steps up to maxl.
func lzfMatch(in []byte, ref, ip, maxl int) int {
	l := 2
	if maxl > 16 {
		for range 16 {
			l++
			if in[ref+l] != in[ip+l] {
				return l
			}
		}
	}
	for {
		l++
		if l >= maxl || in[ref+l] != in[ip+l] {
			return l
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lzfDecompress decompresses in into out, which must be exactly the
// original length: any stream that does not fill out exactly, or reaches
// outside what it wrote, is errLZF.
func lzfDecompress(in, out []byte) error {
	ip, op := 0, 0
	for ip < len(in) {
		ctrl := int(in[ip])
		ip++
		if ctrl < 32 {
			l := ctrl + 1
			if op+l > len(out) || ip+l > len(in) {
				return errLZF
			}
			copy(out[op:], in[ip:ip+l])
			op += l
			ip += l
			continue
		}
		l := ctrl >> 5
		if l == 7 {
			if ip >= len(in) {
				return errLZF
			}
			l += int(in[ip])
			ip++
		}
		l += 2
		if ip >= len(in) {
			return errLZF
		}
		ref := op - ((ctrl&0x1f)<<8 | int(in[ip])) - 1
		ip++
		if ref < 0 || op+l > len(out) {
			return errLZF
		}
		// Byte by byte: a match may overlap what it produces.
		for i := 0; i < l; i++ {
			out[op+i] = out[ref+i]
		}
		op += l
	}
	if op != len(out) {
		return errLZF
	}
	return nil
}
