package rdb

import (
	"encoding/binary"
	"math"
	"sync"
	"unsafe"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/store"
)

// Encoder appends Redis's RDB encoding of entries and values. It is safe
// for concurrent use (a snapshot may call it from several goroutines at
// once): its scratch space comes from a pool.
type Encoder struct {
	// Compression compresses strings longer than 20 bytes with LZF when
	// that saves at least 4 bytes, as rdbcompression yes.
	Compression bool
}

// lzfScratch is the compressor's table and output buffer.
type lzfScratch struct {
	t   lzfTable
	out []byte
}

var lzfPool = sync.Pool{New: func() any { return new(lzfScratch) }}

// AppendEntry appends one key as rdbSaveKeyValuePair writes it: its
// expiry (EXPIRETIME_MS) if it has one, its idle time (IDLE) under an LRU
// maxmemory-policy or its LFU counter (FREQ) under an LFU one, then its
// type, key and value. It is a store.EntryEncoder.
func (enc *Encoder) AppendEntry(dst []byte, v *store.EntryView) []byte {
	if v.ExpireAt != 0 {
		dst = append(dst, opExpireMs)
		dst = binary.LittleEndian.AppendUint64(dst, uint64(v.ExpireAt))
	}
	if idle, freq := v.SavedAccess(); idle >= 0 {
		dst = append(dst, opIdle)
		dst = appendLen(dst, uint64(idle))
	} else if freq >= 0 {
		dst = append(dst, opFreq, byte(freq))
	}
	dst = append(dst, valueType(v))
	dst = enc.appendString(dst, unsafe.Slice(unsafe.StringData(v.Key), len(v.Key)))
	return enc.appendValue(dst, v)
}

// AppendValue appends the value alone, its type byte first: what DUMP
// serializes.
func (enc *Encoder) AppendValue(dst []byte, v *store.EntryView) []byte {
	dst = append(dst, valueType(v))
	return enc.appendValue(dst, v)
}

// valueType is the RDB type Redis 7.0 writes for the value's encoding
// (rdbSaveObjectType).
func valueType(v *store.EntryView) byte {
	switch v.Kind {
	case store.KindList:
		return typeListQuicklist2
	case store.KindSet:
		if v.Intset() != nil {
			return typeSetIntset
		}
		return typeSet
	case store.KindZSet:
		if v.Listpack() != nil {
			return typeZSetListpack
		}
		return typeZSet2
	case store.KindHash:
		if v.Listpack() != nil {
			return typeHashListpack
		}
		return typeHash
	}
	return typeString
}

func (enc *Encoder) appendValue(dst []byte, v *store.EntryView) []byte {
	switch v.Kind {
	case store.KindString:
		return enc.appendString(dst, v.Str())
	case store.KindList:
		nodes := 0
		v.ListNodes(func([]byte, bool) bool { nodes++; return true })
		dst = appendLen(dst, uint64(nodes))
		v.ListNodes(func(node []byte, plain bool) bool {
			if plain {
				dst = appendLen(dst, nodePlain)
			} else {
				dst = appendLen(dst, nodePacked)
			}
			dst = enc.appendString(dst, node)
			return true
		})
	case store.KindSet:
		if is := v.Intset(); is != nil {
			return enc.appendString(dst, is)
		}
		dst = appendLen(dst, uint64(v.Len()))
		v.SetEach(func(m []byte) bool { dst = enc.appendString(dst, m); return true })
	case store.KindZSet:
		if lp := v.Listpack(); lp != nil {
			return enc.appendString(dst, lp)
		}
		dst = appendLen(dst, uint64(v.Len()))
		// Highest first, as Redis: its loader then inserts at the head.
		v.ZSetEachDesc(func(m []byte, score float64) bool {
			dst = enc.appendString(dst, m)
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(score))
			return true
		})
	case store.KindHash:
		if lp := v.Listpack(); lp != nil {
			return enc.appendString(dst, lp)
		}
		dst = appendLen(dst, uint64(v.Len()))
		v.HashEach(func(f, val []byte) bool {
			dst = enc.appendString(dst, f)
			dst = enc.appendString(dst, val)
			return true
		})
	}
	return dst
}

// appendLen appends an RDB length (rdbSaveLen).
func appendLen(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, byte(n>>8)|len14Bit<<6, byte(n))
	case n <= math.MaxUint32:
		dst = append(dst, len32Bit)
		return binary.BigEndian.AppendUint32(dst, uint32(n))
	}
	dst = append(dst, len64Bit)
	return binary.BigEndian.AppendUint64(dst, n)
}

// appendString appends a string as rdbSaveRawString does: a decimal
// integer of 32 bits as an integer encoding, a longer string LZF
// compressed when compression is on and it saves at least 4 bytes,
// otherwise its length and bytes.
// AppendString appends s as an RDB string: LZF-compressed when
// Compression is on and it pays, as Redis's rdbSaveRawString.
func (enc *Encoder) AppendString(dst []byte, s []byte) []byte { return enc.appendString(dst, s) }

func (enc *Encoder) appendString(dst []byte, s []byte) []byte {
	if len(s) <= 11 {
		if n, ok := redisnum.ParseInt(s); ok && n >= math.MinInt32 && n <= math.MaxInt32 {
			return appendIntEncoded(dst, n)
		}
	}
	if enc.Compression && len(s) > 20 {
		sc := lzfPool.Get().(*lzfScratch)
		if cap(sc.out) < len(s)-4 {
			sc.out = make([]byte, len(s)-4)
		}
		out := sc.out[:len(s)-4]
		if n := lzfCompress(s, out, &sc.t); n > 0 {
			dst = append(dst, lenEncVal<<6|encLZF)
			dst = appendLen(dst, uint64(n))
			dst = appendLen(dst, uint64(len(s)))
			dst = append(dst, out[:n]...)
			if cap(sc.out) <= 1<<20 {
				lzfPool.Put(sc)
			}
			return dst
		}
		if cap(sc.out) <= 1<<20 {
			lzfPool.Put(sc)
		}
	}
	dst = appendLen(dst, uint64(len(s)))
	return append(dst, s...)
}

// appendIntEncoded is rdbEncodeInteger for a value known to fit 32 bits.
func appendIntEncoded(dst []byte, n int64) []byte {
	switch {
	case n >= math.MinInt8 && n <= math.MaxInt8:
		return append(dst, lenEncVal<<6|encInt8, byte(n))
	case n >= math.MinInt16 && n <= math.MaxInt16:
		return append(dst, lenEncVal<<6|encInt16, byte(n), byte(n>>8))
	}
	return append(dst, lenEncVal<<6|encInt32, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
}
