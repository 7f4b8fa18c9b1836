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
	lzfHLog   = 14
)

var errLZF = errors.New("invalid LZF compressed string")

// lzfTable is the compressor's hash table of recent 3-byte positions.
type lzfTable [1 << lzfHLog]int32

// lzfCompress compresses in into out and returns the compressed length,
// or 0 when the result would not fit in out (the data does not compress
// well enough): Redis's lzf_compress contract. t is scratch space.
func lzfCompress(in, out []byte, t *lzfTable) int {
	clear(t[:])
	n := len(in)
	if n < 3 {
		return 0
	}
	op := 1 // out[0] is the first literal run's control byte
	lit := 0
	ip := 0
	if op >= len(out) {
		return 0
	}
	for ip < n-2 {
		h := (uint32(in[ip])<<16 | uint32(in[ip+1])<<8 | uint32(in[ip+2])) * 2654435761 >> (32 - lzfHLog)
		ref := int(t[h]) - 1
		t[h] = int32(ip + 1)
		off := ip - ref - 1
		if ref >= 0 && off < lzfMaxOff && in[ref] == in[ip] && in[ref+1] == in[ip+1] && in[ref+2] == in[ip+2] {
			// A match of at least 3 bytes: extend it.
			l := 3
			maxl := min(n-ip, lzfMaxRef)
			for l < maxl && in[ref+l] == in[ip+l] {
				l++
			}
			// Close the literal run (or drop its unused control byte).
			if lit == 0 {
				op--
			} else {
				out[op-lit-1] = byte(lit - 1)
			}
			need := 3
			if op+need >= len(out) {
				return 0
			}
			ml := l - 2
			if ml < 7 {
				out[op] = byte(off>>8) | byte(ml<<5)
				op++
			} else {
				out[op] = byte(off>>8) | 7<<5
				out[op+1] = byte(ml - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			ip += l
			// Start a new literal run.
			lit = 0
			if op >= len(out) {
				return 0
			}
			op++
			continue
		}
		if op >= len(out) {
			return 0
		}
		out[op] = in[ip]
		op++
		ip++
		lit++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			if op >= len(out) {
				return 0
			}
			op++
		}
	}
	for ip < n {
		if op >= len(out) {
			return 0
		}
		out[op] = in[ip]
		op++
		ip++
		lit++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			if op >= len(out) {
				return 0
			}
			op++
		}
	}
	if lit == 0 {
		op-- // the last control byte opened no run
	} else {
		out[op-lit-1] = byte(lit - 1)
	}
	return op
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
