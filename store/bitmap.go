package store

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"unsafe"
)

// Bitmaps are strings, as in Redis (bitops.c): bit 0 is the most
// significant bit of the first byte, and a string reads as if followed by
// endless zero bytes. The commands that write bits grow the string with
// zero bytes up to the byte they reach, and change it in place when no
// view of its bytes is out of the store (see flagOwned); the first write
// after a GET copies it once.

// writableBitmap returns the string at key ready for a bit command to
// change its first size bytes: a copy when a view of the bytes may be out,
// grown with zero bytes to size. grew tells whether it is longer than it
// was (or new), which Redis counts as a change even when no bit moves.
func (db *DB) writableBitmap(sh *shard, h uint64, key string, t *opTime, size int) (cur entry, exists bool, buf []byte, grew bool, err error) {
	cur, exists, err = db.stringFor(sh, h, key, t)
	if err != nil {
		return entry{}, false, nil, false, err
	}
	sh.saveKey(key, h) // its bytes may change in place

	buf = cur.str()
	switch {
	case size > cap(buf):
		// A new array, zeroed by the allocator, with spare capacity as
		// sdsgrowzero's greedy growth keeps, so that a bitmap filled
		// upwards is not copied at every byte.
		nb := make([]byte, size, growCap(len(buf), size))
		copy(nb, buf)
		buf, grew = nb, true
	case !cur.owned():
		// A reader may still be writing these bytes to a socket: change
		// a copy, which the store then owns.
		nb := make([]byte, max(size, len(buf)))
		copy(nb, buf)
		buf, grew = nb, size > len(buf)
	case size > len(buf):
		// Spare capacity past the visible bytes, which no reader sees.
		n := len(buf)
		buf = buf[:size]
		clear(buf[n:])
		grew = true
	}
	return cur, exists, buf, grew || !exists, nil
}

// growCap is the capacity for a string of n bytes growing to size: as
// sdsMakeRoomFor, double below a megabyte, a megabyte more above. A first
// write gets exactly what it needs.
func growCap(n, size int) int {
	if n == 0 {
		return size
	}
	if size < 1<<20 {
		return size * 2
	}
	return size + 1<<20
}

// commitBitmap stores buf, changed in place by a bit command, as the
// string at key, keeping its TTL. As Redis (lookupStringForBitCommand's
// dbUnshareStringValue), the value is "raw" from then on even when no bit
// changed, but watchers are told only of a change.
func (sh *shard) commitBitmap(key string, h uint64, t *opTime, cur entry, exists bool, buf []byte, changed bool) {
	if exists && cur.writableAs(flagRaw) && len(cur.str()) == len(buf) &&
		unsafe.SliceData(cur.str()) == unsafe.SliceData(buf) {
		// Changed in place, the length kept: the stored entry is already
		// the one the code below would store (stringFor counted the
		// access), and its size is unchanged.
		if changed {
			sh.touch(key)
		}
		return
	}
	e := stringEntry(buf, flagRaw|flagOwned)
	e.expireAt = cur.expireAt
	if exists {
		e.setAccess(cur.access()) // stringFor counted the access
		sh.place(key, h, e, &cur)
	} else {
		sh.putQuiet(key, h, e, nil, t)
	}
	if changed {
		sh.touch(key)
	}
}

// bitOffsetOK reports whether a bit at offset lies within the longest
// string allowed (proto-max-bulk-len bytes), as getBitOffsetFromArgument
// checks.
func (db *DB) bitOffsetOK(offset uint64) bool {
	return offset>>3 < uint64(db.store.maxStringSize())
}

// SetBit sets the bit at offset of the string at key to on, creating the
// key or padding the string with zero bytes as needed, and returns the
// bit's previous value, as SETBIT does. An offset past proto-max-bulk-len
// bytes fails with ErrBitOffset.
func (db *DB) SetBit(key string, offset uint64, on bool) (bool, error) {
	was, _, err := db.SetBitChanged(key, offset, on)
	return was, err
}

// SetBitChanged is SetBit also telling whether the string changed: the bit
// flipped, or the key was created or grown (Redis then signals the key
// and reports "setbit").
func (db *DB) SetBitChanged(key string, offset uint64, on bool) (was, changed bool, err error) {
	if !db.bitOffsetOK(offset) {
		return false, false, ErrBitOffset
	}
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	i := offset >> 3
	cur, exists, buf, grew, err := db.writableBitmap(sh, h, key, &t, int(i)+1)
	if err != nil {
		return false, false, err
	}
	mask := byte(0x80) >> (offset & 7)
	was = buf[i]&mask != 0
	if on {
		buf[i] |= mask
	} else {
		buf[i] &^= mask
	}
	changed = grew || was != on
	sh.commitBitmap(key, h, &t, cur, exists, buf, changed)
	return was, changed, nil
}

// GetBit returns the bit at offset of the string at key: false past its
// end or for a missing key, as GETBIT does.
func (db *DB) GetBit(key string, offset uint64) (bool, error) {
	if !db.bitOffsetOK(offset) {
		return false, ErrBitOffset
	}
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	e, ok := sh.lookup(key, h, &t)
	if !ok {
		return false, nil
	}
	if e.kind() != KindString {
		return false, ErrWrongType
	}
	i := offset >> 3
	return i < uint64(len(e.str())) && e.str()[i]&(0x80>>(offset&7)) != 0, nil
}

// BitRange is the range of BITCOUNT and BITPOS: Start and End inclusive,
// negative values counting from the end, in bytes or (Bits) in bits.
type BitRange struct {
	Start, End int64
	Bits       bool // BIT: Start and End count bits; otherwise bytes (BYTE)
	// OpenEnd is BITPOS given a start and no end: the range runs to the
	// end of the string, and looking for a clear bit in a string of ones
	// finds the first bit past its end, where an explicit end finds none.
	OpenEnd bool
}

// BitCount counts the set bits of the string at key, in r or in the whole
// string when r is nil, as BITCOUNT does; a missing key counts 0.
func (db *DB) BitCount(key string, r *BitRange) (int64, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	e, ok := sh.lookup(key, h, &t)
	if !ok {
		return 0, nil
	}
	if e.kind() != KindString {
		return 0, ErrWrongType
	}
	return bitCount(e.str(), r), nil
}

// BitPos returns the position of the first bit equal to bit in the
// string at key, within r or the whole string when r is nil, as BITPOS
// does: -1 when there is none, except that a clear bit is found just past
// the end when no end was given. A missing key is all zeros: 0 for a clear
// bit, -1 for a set one.
func (db *DB) BitPos(key string, bit bool, r *BitRange) (int64, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	e, ok := sh.lookup(key, h, &t)
	if !ok {
		if bit {
			return -1, nil
		}
		return 0, nil
	}
	if e.kind() != KindString {
		return 0, ErrWrongType
	}
	return bitPos(e.str(), bit, r), nil
}

// bitRange turns r into the bytes start..end of p it covers, with the
// masks of the bits of the first and last byte that lie outside it (BIT
// ranges), as bitcountCommand and bitposCommand compute them. end is
// clamped to the string; start > end means an empty range.
func bitRange(p []byte, r *BitRange) (start, end int64, firstMask, lastMask byte) {
	n := int64(len(p))
	if r == nil {
		return 0, n - 1, 0, 0
	}
	start, end = r.Start, r.End
	if r.OpenEnd {
		if r.Bits {
			end = n<<3 + 7
		} else {
			end = n - 1
		}
	}
	if r.Bits {
		n <<= 3
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if r.Bits && start <= end {
		firstMask = ^byte(0xff >> (start & 7))
		lastMask = byte(1<<(7-(end&7))) - 1
		start >>= 3
		end >>= 3
	}
	return start, end, firstMask, lastMask
}

func bitCount(p []byte, r *BitRange) int64 {
	// As Redis: two negative offsets the wrong way round are empty before
	// any clamping.
	if r != nil && r.Start < 0 && r.End < 0 && r.Start > r.End {
		return 0
	}
	start, end, firstMask, lastMask := bitRange(p, r)
	if start > end {
		return 0
	}
	n := popcount(p[start : end+1])
	// The bits of the edge bytes outside a BIT range were counted too.
	n -= int64(bits.OnesCount8(p[start]&firstMask) + bits.OnesCount8(p[end]&lastMask))
	return n
}

// popcount counts the set bits of p a 64-bit word at a time, four words
// per round; only the ragged tail goes byte by byte.
func popcount(p []byte) int64 {
	var n int
	for len(p) >= 32 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(p)) +
			bits.OnesCount64(binary.LittleEndian.Uint64(p[8:])) +
			bits.OnesCount64(binary.LittleEndian.Uint64(p[16:])) +
			bits.OnesCount64(binary.LittleEndian.Uint64(p[24:]))
		p = p[32:]
	}
	for len(p) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(p))
		p = p[8:]
	}
	for _, b := range p {
		n += bits.OnesCount8(b)
	}
	return int64(n)
}

// bitPos is bitposCommand's search once the key is found: the edge bytes
// of a BIT range are searched with the bits outside it masked off, the
// bytes between them a word at a time.
func bitPos(p []byte, bit bool, r *BitRange) int64 {
	start, end, firstMask, lastMask := bitRange(p, r)
	if start > end {
		return -1 // an empty range holds neither a 0 nor a 1
	}
	endGiven := r != nil && !r.OpenEnd
	bytes := end - start + 1
	var pos int64
	// masked is an edge byte with the bits outside the range set to what
	// is not sought.
	masked := func(b, mask byte) byte {
		if bit {
			return b &^ mask
		}
		return b | mask
	}
	for once := true; once; once = false { // a block to break out of
		if firstMask != 0 {
			b := masked(p[start], firstMask)
			if lastMask != 0 && bytes == 1 {
				b = masked(b, lastMask)
			}
			pos = firstBit([]byte{b}, bit)
			if bytes == 1 || (pos != -1 && pos != 8) {
				break
			}
			start++
			bytes--
		}
		middle := bytes
		if lastMask != 0 {
			middle--
		}
		if middle > 0 {
			pos = firstBit(p[start:start+middle], bit)
			if bytes == middle || (pos != -1 && pos != middle<<3) {
				break
			}
			start += middle
			bytes -= middle
		}
		pos = firstBit([]byte{masked(p[end], lastMask)}, bit)
	}
	// With an explicit end, what lies right of the range is not zero
	// padding: a clear bit found only there is no answer.
	if endGiven && !bit && pos == bytes<<3 {
		return -1
	}
	if pos != -1 {
		pos += start << 3
	}
	return pos
}

// firstBit is redisBitpos: the position of the first bit of p equal to
// bit, scanning a word at a time. No set bit gives -1; no clear bit gives
// len(p)*8, the first bit of the zero padding.
func firstBit(p []byte, bit bool) int64 {
	var skip uint64 // the word that holds no sought bit
	if !bit {
		skip = ^uint64(0)
	}
	q := p
	// Skip eight words at a time, then one; the word that differs is
	// searched from its most significant bit.
	for len(q) >= 64 {
		w := q[:64]
		a, b := binary.LittleEndian.Uint64(w), binary.LittleEndian.Uint64(w[8:])
		c, d := binary.LittleEndian.Uint64(w[16:]), binary.LittleEndian.Uint64(w[24:])
		e, f := binary.LittleEndian.Uint64(w[32:]), binary.LittleEndian.Uint64(w[40:])
		g, h := binary.LittleEndian.Uint64(w[48:]), binary.LittleEndian.Uint64(w[56:])
		if (a^skip)|(b^skip)|(c^skip)|(d^skip)|(e^skip)|(f^skip)|(g^skip)|(h^skip) != 0 {
			break
		}
		q = q[64:]
	}
	for len(q) >= 8 {
		if w := binary.BigEndian.Uint64(q) ^ skip; w != 0 {
			return int64(len(p)-len(q))*8 + int64(bits.LeadingZeros64(w))
		}
		q = q[8:]
	}
	for i, b := range q {
		if b ^= byte(skip); b != 0 {
			return int64(len(p)-len(q)+i)*8 + int64(bits.LeadingZeros8(b))
		}
	}
	if bit {
		return -1
	}
	return int64(len(p)) * 8
}

// BitOpKind is BITOP's operation.
type BitOpKind uint8

const (
	BitAnd BitOpKind = iota
	BitOr
	BitXor
	BitNot // of a single source
)

// BitOp stores at dest the bitwise op of the strings at srcs and returns
// its length, the longest source's, as BITOP does: a missing source is a
// string of zeros, a source of another type fails with ErrWrongType, and
// an empty result deletes dest. dest is replaced whatever its type, and
// loses its TTL. BitNot takes exactly one source.
func (db *DB) BitOp(op BitOpKind, dest string, srcs ...string) (int64, error) {
	var room keyRoom
	var keyBuf [multiKeyRoom]string
	keys := append(append(keyBuf[:0], dest), srcs...)
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	var valBuf [multiKeyRoom][]byte
	vals := valBuf[:0]
	size := 0
	for i, k := range srcs {
		e, ok := db.shardOf(hashes[i+1]).lookup(k, hashes[i+1], &t)
		if ok && e.kind() != KindString {
			return 0, ErrWrongType
		}
		vals = append(vals, e.str()) // nil for a missing key
		size = max(size, len(e.str()))
	}
	dsh, dh := db.shardOf(hashes[0]), hashes[0]
	if size == 0 {
		dsh.remove(dest, dh)
		return 0, nil
	}
	old, exists := dsh.current(dest, dh, &t)
	dsh.saveKey(dest, dh) // its bytes may be overwritten in place
	var res []byte
	if exists && old.kind() == KindString && old.owned() && cap(old.str()) >= size && !slices.Contains(srcs, dest) {
		// A destination no reader holds a view of is overwritten in
		// place: a BITOP repeated into the same key allocates nothing.
		res = old.str()[:size]
	} else {
		res = make([]byte, size)
	}
	bitOp(op, res, vals)
	// As Redis's setKey of a new object: any old value and its TTL go,
	// and the result is "raw" whatever it reads as.
	e := stringEntry(res, flagRaw|flagOwned)
	if exists {
		dsh.put(dest, dh, e, &old, &t)
	} else {
		dsh.put(dest, dh, e, nil, &t)
	}
	return int64(size), nil
}

// bitOp computes into res, as long as the longest source, the
// op of srcs: one pass per source, a word at a time.
func bitOp(op BitOpKind, res []byte, srcs [][]byte) {
	clear(res[copy(res, srcs[0]):])
	if op == BitNot {
		combineWords(op, res, res)
		return
	}
	for _, s := range srcs[1:] {
		combineWords(op, res, s)
		if op == BitAnd {
			clear(res[len(s):]) // past its end a source is zeros
		}
	}
}

// combineWords sets the first len(s) bytes of res to op of themselves and
// s (NOT ignores s), four words at a time, then bytes.
func combineWords(op BitOpKind, res, s []byte) {
	r := res[:len(s)]
	for len(s) >= 32 && len(r) >= 32 {
		a0, a1 := binary.LittleEndian.Uint64(r), binary.LittleEndian.Uint64(r[8:])
		a2, a3 := binary.LittleEndian.Uint64(r[16:]), binary.LittleEndian.Uint64(r[24:])
		b0, b1 := binary.LittleEndian.Uint64(s), binary.LittleEndian.Uint64(s[8:])
		b2, b3 := binary.LittleEndian.Uint64(s[16:]), binary.LittleEndian.Uint64(s[24:])
		switch op {
		case BitAnd:
			a0, a1, a2, a3 = a0&b0, a1&b1, a2&b2, a3&b3
		case BitOr:
			a0, a1, a2, a3 = a0|b0, a1|b1, a2|b2, a3|b3
		case BitXor:
			a0, a1, a2, a3 = a0^b0, a1^b1, a2^b2, a3^b3
		case BitNot:
			a0, a1, a2, a3 = ^a0, ^a1, ^a2, ^a3
		}
		binary.LittleEndian.PutUint64(r, a0)
		binary.LittleEndian.PutUint64(r[8:], a1)
		binary.LittleEndian.PutUint64(r[16:], a2)
		binary.LittleEndian.PutUint64(r[24:], a3)
		r, s = r[32:], s[32:]
	}
	for i := range s {
		switch op {
		case BitAnd:
			r[i] &= s[i]
		case BitOr:
			r[i] |= s[i]
		case BitXor:
			r[i] ^= s[i]
		case BitNot:
			r[i] = ^r[i]
		}
	}
}
