package listpack

import (
	"encoding/binary"
	"math"
	"slices"
	"unsafe"
)

// Append adds v at the tail.
func Append(lp []byte, v []byte) []byte {
	return Insert(lp, len(lp)-1, v)
}

// AppendInt adds n at the tail, in the smallest integer encoding.
func AppendInt(lp []byte, n int64) []byte {
	var head [maxIntEncLen]byte
	l := encodeInt(&head, n)
	return insert(lp, len(lp)-1, head[:l], nil)
}

// Prepend adds v at the head.
func Prepend(lp []byte, v []byte) []byte {
	return Insert(lp, headerSize, v)
}

// Insert adds v before the entry at off; off may be Terminator(lp), which
// appends. v may alias lp.
func Insert(lp []byte, off int, v []byte) []byte {
	var head [maxIntEncLen]byte
	l, isInt := encodeHead(&head, v)
	if isInt {
		return insert(lp, off, head[:l], nil)
	}
	if overlaps(lp, v) {
		v = slices.Clone(v)
	}
	return insert(lp, off, head[:l-len(v)], v)
}

// insert writes the entry head+data (encoding and data, no backlen yet)
// before off.
func insert(lp []byte, off int, head, data []byte) []byte {
	l := len(head) + len(data)
	add := l + backlenSize(l)
	n := len(lp)
	lp = grow(lp, add)
	copy(lp[off+add:], lp[off:n])
	writeEntry(lp[off:], head, data)
	if c := binary.LittleEndian.Uint16(lp[4:]); c != countUnknown {
		// As Redis: a count that reaches 65535 becomes "unknown".
		binary.LittleEndian.PutUint16(lp[4:], c+1)
	}
	return lp
}

// Replace puts v in place of the entry at off. v may alias lp.
func Replace(lp []byte, off int, v []byte) []byte {
	var head [maxIntEncLen]byte
	l, isInt := encodeHead(&head, v)
	data := v
	if isInt {
		data = nil
	} else if overlaps(lp, v) {
		data = slices.Clone(v)
	}
	hl := l - len(data)
	size := l + backlenSize(l)
	old := entrySize(lp, off)
	n := len(lp)
	switch {
	case size > old:
		lp = grow(lp, size-old)
		copy(lp[off+size:], lp[off+old:n])
	case size < old:
		copy(lp[off+size:], lp[off+old:])
		lp = lp[:n-(old-size)]
		setTotal(lp)
	}
	writeEntry(lp[off:], head[:hl], data)
	return lp
}

// Delete removes the entry at off. Afterwards off addresses the entry that
// followed it, or the terminator.
func Delete(lp []byte, off int) []byte {
	return DeleteRange(lp, off, 1)
}

// DeleteRange removes n entries from off on, or as many as there are.
func DeleteRange(lp []byte, off int, n int) []byte {
	end, deleted := off, 0
	for ; deleted < n && lp[end] != terminator; deleted++ {
		end += entrySize(lp, end)
	}
	if deleted == 0 {
		return lp
	}
	copy(lp[off:], lp[end:])
	lp = lp[:len(lp)-(end-off)]
	setTotal(lp)
	c := int(binary.LittleEndian.Uint16(lp[4:]))
	if c != countUnknown {
		c -= deleted
	} else {
		// Redis leaves the header unknown until lpLength next walks; walking
		// now, while we move the tail anyway, keeps Count constant-time.
		c = min(walkCount(lp), countUnknown)
	}
	binary.LittleEndian.PutUint16(lp[4:], uint16(c))
	return lp
}

// grow lengthens lp by add bytes, reallocating as append does, and records
// the new total in the header.
func grow(lp []byte, add int) []byte {
	n := len(lp) + add
	if n > math.MaxUint32 {
		panic("listpack: longer than 4 GiB")
	}
	lp = slices.Grow(lp, add)[:n]
	setTotal(lp)
	return lp
}

func setTotal(lp []byte) {
	binary.LittleEndian.PutUint32(lp, uint32(len(lp)))
}

// writeEntry writes head, data and their backlen at the start of dst.
func writeEntry(dst, head, data []byte) {
	w := copy(dst, head)
	w += copy(dst[w:], data)
	putBacklen(dst[w:], len(head)+len(data))
}

// overlaps reports whether v shares memory with lp's backing array, where
// moving lp's bytes would change v under us.
func overlaps(lp, v []byte) bool {
	if len(v) == 0 || cap(lp) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(lp)))
	hi := lo + uintptr(cap(lp))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(v)))
	return p < hi && p+uintptr(len(v)) > lo
}
