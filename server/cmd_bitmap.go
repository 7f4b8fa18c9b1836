package server

import (
	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/store"
)

// The bitmap commands (bitops.c): bits of strings. Name, arity, flags,
// ACL categories and key positions are those of Redis 7.0.15.
var bitmapCommands = []*command{
	{name: "setbit", arity: 4, flags: parseFlags("write denyoom"), acl: acl("write bitmap slow"), firstKey: 1, lastKey: 1, step: 1, group: "bitmap", since: "2.2.0",
		summary: "Sets or clears one bit of the string at a key, padding it with zeros, and answers the old bit.", handler: cmdSetBit},
	{name: "getbit", arity: 3, flags: parseFlags("readonly fast"), acl: acl("read bitmap fast"), firstKey: 1, lastKey: 1, step: 1, group: "bitmap", since: "2.2.0",
		summary: "Reads one bit of the string at a key.", handler: cmdGetBit},
	{name: "bitcount", arity: -2, flags: parseFlags("readonly"), acl: acl("read bitmap slow"), firstKey: 1, lastKey: 1, step: 1, group: "bitmap", since: "2.6.0",
		summary: "Counts the set bits of the string at a key, in a byte or bit range.", handler: cmdBitCount},
	{name: "bitpos", arity: -3, flags: parseFlags("readonly"), acl: acl("read bitmap slow"), firstKey: 1, lastKey: 1, step: 1, group: "bitmap", since: "2.8.7",
		summary: "Finds the first set or clear bit of the string at a key, in a byte or bit range.", handler: cmdBitPos},
	{name: "bitop", arity: -4, flags: parseFlags("write denyoom"), acl: acl("write bitmap slow"), firstKey: 2, lastKey: -1, step: 1, group: "bitmap", since: "2.6.0",
		summary: "Stores the AND, OR, XOR or NOT of strings at a destination key.", handler: cmdBitOp},
	{name: "bitfield", arity: -2, flags: parseFlags("write denyoom"), acl: acl("write bitmap slow"), firstKey: 1, lastKey: 1, step: 1, group: "bitmap", since: "3.2.0",
		summary: "Reads, writes and increments integers of any width at any bit offset of a string.", handler: cmdBitField},
	{name: "bitfield_ro", arity: -2, flags: parseFlags("readonly fast"), acl: acl("read bitmap fast"), firstKey: 1, lastKey: 1, step: 1, group: "bitmap", since: "6.0.0",
		summary: "Reads integers of any width at any bit offset of a string.", handler: cmdBitFieldRO},
}

// wordIs compares a keyword argument as Redis's strcasecmp does: as a C
// string, so that "and\x00junk" reads as AND.
func wordIs(arg []byte, lower string) bool { return optionIs(cString(arg, len(arg)), lower) }

// bitOffset parses a bit offset as getBitOffsetFromArgument does: an
// integer whose byte lies within proto-max-bulk-len, or with hash (BITFIELD)
// "#n", meaning n fields of width bits. It answers the error itself.
func (c *client) bitOffset(arg []byte, hash bool, width int) (uint64, bool) {
	useHash := hash && width > 0 && len(arg) > 0 && arg[0] == '#'
	if useHash {
		arg = arg[1:]
	}
	n, ok := redisnum.ParseInt(arg)
	if useHash {
		n *= int64(width) // wrapping on overflow as Redis's C does, then refused below
	}
	if !ok || n < 0 || n>>3 >= c.srv.maxBulk.Load() {
		c.w.error(errBitOffset)
		return 0, false
	}
	return uint64(n), true
}

func cmdSetBit(c *client, args [][]byte) {
	offset, ok := c.bitOffset(args[2], false, 0)
	if !ok {
		return
	}
	on, ok := redisnum.ParseInt(args[3])
	if !ok || on&^1 != 0 {
		c.w.error(errBitValue)
		return
	}
	was, changed, err := c.db.SetBitChanged(keyOf(args[1]), offset, on == 1)
	if changed {
		c.notify(nkString, "setbit", args[1])
	}
	answerBit(c, was, err)
}

func cmdGetBit(c *client, args [][]byte) {
	offset, ok := c.bitOffset(args[2], false, 0)
	if !ok {
		return
	}
	bit, err := c.db.GetBit(keyOf(args[1]), offset)
	answerBit(c, bit, err)
}

func answerBit(c *client, bit bool, err error) {
	n := int64(0)
	if bit {
		n = 1
	}
	answerInt(c, n, err)
}

// rangeUnit reads BIT or BYTE, the unit of a BITCOUNT or BITPOS range.
func rangeUnit(arg []byte) (bits, ok bool) {
	switch {
	case wordIs(arg, "bit"):
		return true, true
	case wordIs(arg, "byte"):
		return false, true
	}
	return false, false
}

// deferredError answers an argument error of BITCOUNT or BITPOS in Redis's
// order: those commands look the key up before they read their range, so
// a missing key answers missing (its count or position) whatever follows,
// and a key of another type WRONGTYPE.
func deferredError(c *client, key string, missing int64, text string) {
	switch c.db.Type(key) {
	case store.KindNone:
		c.w.int(missing)
	case store.KindString:
		c.w.error(text)
	default:
		c.w.error(errWrongType)
	}
}

// cmdBitCount is BITCOUNT key [start end [BIT|BYTE]].
func cmdBitCount(c *client, args [][]byte) {
	key := keyOf(args[1])
	if len(args) == 2 {
		n, err := c.db.BitCount(key, nil)
		answerInt(c, n, err)
		return
	}
	if len(args) != 4 && len(args) != 5 {
		deferredError(c, key, 0, errSyntax)
		return
	}
	var r store.BitRange
	var ok bool
	if r.Start, ok = redisnum.ParseInt(args[2]); !ok {
		deferredError(c, key, 0, errNotInteger)
		return
	}
	if r.End, ok = redisnum.ParseInt(args[3]); !ok {
		deferredError(c, key, 0, errNotInteger)
		return
	}
	// As Redis: a range of two negative offsets the wrong way round
	// counts 0 before the unit is read.
	if len(args) == 5 && !(r.Start < 0 && r.End < 0 && r.Start > r.End) {
		if r.Bits, ok = rangeUnit(args[4]); !ok {
			deferredError(c, key, 0, errSyntax)
			return
		}
	}
	n, err := c.db.BitCount(key, &r)
	answerInt(c, n, err)
}

// cmdBitPos is BITPOS key bit [start [end [BIT|BYTE]]].
func cmdBitPos(c *client, args [][]byte) {
	b, ok := redisnum.ParseInt(args[2])
	if !ok {
		c.w.error(errNotInteger)
		return
	}
	if b != 0 && b != 1 {
		c.w.error(errBitPosBit)
		return
	}
	key, bit := keyOf(args[1]), b == 1
	missing := int64(0) // a missing key is all zeros
	if bit {
		missing = -1
	}
	if len(args) == 3 {
		n, err := c.db.BitPos(key, bit, nil)
		answerInt(c, n, err)
		return
	}
	if len(args) > 6 {
		deferredError(c, key, missing, errSyntax)
		return
	}
	var r store.BitRange
	if r.Start, ok = redisnum.ParseInt(args[3]); !ok {
		deferredError(c, key, missing, errNotInteger)
		return
	}
	if len(args) == 6 {
		if r.Bits, ok = rangeUnit(args[5]); !ok {
			deferredError(c, key, missing, errSyntax)
			return
		}
	}
	if len(args) >= 5 {
		if r.End, ok = redisnum.ParseInt(args[4]); !ok {
			deferredError(c, key, missing, errNotInteger)
			return
		}
	} else {
		r.OpenEnd = true
	}
	n, err := c.db.BitPos(key, bit, &r)
	answerInt(c, n, err)
}

// cmdBitOp is BITOP AND|OR|XOR|NOT destkey key [key ...].
func cmdBitOp(c *client, args [][]byte) {
	var op store.BitOpKind
	switch {
	case wordIs(args[1], "and"):
		op = store.BitAnd
	case wordIs(args[1], "or"):
		op = store.BitOr
	case wordIs(args[1], "xor"):
		op = store.BitXor
	case wordIs(args[1], "not"):
		op = store.BitNot
	default:
		c.w.error(errSyntax)
		return
	}
	if op == store.BitNot && len(args) != 4 {
		c.w.error(errBitOpNot)
		return
	}
	var room [multiKeyArgs]string
	srcs := room[:0]
	for _, a := range args[3:] {
		srcs = append(srcs, keyOf(a))
	}
	existed := c.notifyStoreBefore(args[2])
	n, err := c.db.BitOp(op, keyOf(args[2]), srcs...)
	c.notifyStore(nkString, "set", args[2], int(n), existed, err)
	answerInt(c, n, err)
}

// multiKeyArgs is how many source keys BITOP gathers on the stack.
const multiKeyArgs = 16

func cmdBitField(c *client, args [][]byte)   { bitField(c, args, false) }
func cmdBitFieldRO(c *client, args [][]byte) { bitField(c, args, true) }

// bitField is bitfieldGeneric: every operation is parsed, and every error
// answered in argument order, before the key is looked at.
func bitField(c *client, args [][]byte, readonlyCmd bool) {
	var opRoom [8]store.BitFieldOp
	ops := opRoom[:0]
	overflow := store.OverflowWrap
	readonly := true
	for j := 2; j < len(args); j++ {
		rest := len(args) - j - 1
		var kind store.BitFieldOpKind
		switch sub := args[j]; {
		case wordIs(sub, "get") && rest >= 2:
			kind = store.BitFieldGet
		case wordIs(sub, "set") && rest >= 3:
			kind = store.BitFieldSet
		case wordIs(sub, "incrby") && rest >= 3:
			kind = store.BitFieldIncrBy
		case wordIs(sub, "overflow") && rest >= 1:
			j++
			switch mode := args[j]; {
			case wordIs(mode, "wrap"):
				overflow = store.OverflowWrap
			case wordIs(mode, "sat"):
				overflow = store.OverflowSat
			case wordIs(mode, "fail"):
				overflow = store.OverflowFail
			default:
				c.w.error(errBitFieldOverflow)
				return
			}
			continue
		default:
			c.w.error(errSyntax)
			return
		}
		signed, width, ok := bitFieldType(args[j+1])
		if !ok {
			c.w.error(errBitFieldType)
			return
		}
		offset, ok := c.bitOffset(args[j+2], true, width)
		if !ok {
			return
		}
		op := store.BitFieldOp{Kind: kind, Signed: signed, Bits: uint8(width), Offset: offset, Overflow: overflow}
		if kind != store.BitFieldGet {
			readonly = false
			if op.Value, ok = redisnum.ParseInt(args[j+3]); !ok {
				c.w.error(errNotInteger)
				return
			}
			j++
		}
		ops = append(ops, op)
		j += 2
	}
	if !readonly && readonlyCmd {
		c.w.error(errBitFieldRO)
		return
	}
	var resRoom [8]store.BitFieldResult
	res, changed, err := c.db.BitFieldChanged(keyOf(args[1]), ops, resRoom[:0])
	if err != nil {
		c.storeError(err)
		return
	}
	if changed {
		c.notify(nkString, "setbit", args[1])
	}
	c.w.array(len(res))
	for _, r := range res {
		if r.Nil {
			c.w.null()
		} else {
			c.w.int(r.Value)
		}
	}
}

// bitFieldType parses i1..i64 or u1..u63 as getBitfieldTypeFromArgument
// does, reading the width as a C string (up to a NUL byte).
func bitFieldType(arg []byte) (signed bool, width int, ok bool) {
	if len(arg) == 0 || (arg[0] != 'i' && arg[0] != 'u') {
		return false, 0, false
	}
	signed = arg[0] == 'i'
	n, ok := redisnum.ParseInt(cString(arg[1:], len(arg)))
	if !ok || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		return false, 0, false
	}
	return signed, int(n), true
}
