package store

import "errors"

// The store's errors. The server maps each to Redis's exact reply text.
var (
	// ErrWrongType: the key holds a value of another type.
	ErrWrongType = errors.New("store: operation against a key holding the wrong kind of value")
	// ErrNotInteger: the value, or an argument, is not a 64-bit integer.
	ErrNotInteger = errors.New("store: value is not an integer or out of range")
	// ErrNotFloat: the value is not a valid float.
	ErrNotFloat = errors.New("store: value is not a valid float")
	// ErrOverflow: an increment or decrement would overflow.
	ErrOverflow = errors.New("store: increment or decrement would overflow")
	// ErrNaNOrInf: a float increment would produce NaN or Infinity.
	ErrNaNOrInf = errors.New("store: increment would produce NaN or Infinity")
	// ErrNoSuchKey: the command needs a key that does not exist.
	ErrNoSuchKey = errors.New("store: no such key")
	// ErrTooLarge: the string would exceed the maximum allowed size.
	ErrTooLarge = errors.New("store: string exceeds maximum allowed size")
	// ErrOffsetOutOfRange: a SETRANGE offset is negative or too large.
	ErrOffsetOutOfRange = errors.New("store: offset is out of range")
	// ErrDBIndex: the database number is out of range.
	ErrDBIndex = errors.New("store: DB index is out of range")

	// ErrHashNotInteger: HINCRBY on a hash field whose value is not an
	// integer.
	ErrHashNotInteger = errors.New("store: hash value is not an integer")
	// ErrHashNotFloat: HINCRBYFLOAT on a hash field whose value is not a
	// number.
	ErrHashNotFloat = errors.New("store: hash value is not a float")
	// ErrInfIncrement: a float increment that is itself infinite
	// (HINCRBYFLOAT checks it before the key, unlike INCRBYFLOAT).
	ErrInfIncrement = errors.New("store: increment is NaN or Infinity")
)

// The sorted sets' errors.
var (
	// ErrNaNScore: ZADD INCR or ZINCRBY would make a score NaN (inf + -inf).
	ErrNaNScore = errors.New("store: resulting score is not a number (NaN)")
)

// The list errors.
var (
	// ErrIndexOutOfRange: LSET of an element the list does not have.
	ErrIndexOutOfRange = errors.New("store: index out of range")
)

// The HyperLogLog errors.
var (
	// ErrNotHLL: the key holds a string that is not a HyperLogLog.
	ErrNotHLL = errors.New("store: key is not a valid HyperLogLog string value")
	// ErrCorruptHLL: the key holds a HyperLogLog whose sparse registers
	// are malformed.
	ErrCorruptHLL = errors.New("store: corrupted HLL object")
)

// The bitmap errors.
var (
	// ErrBitOffset: a bit offset beyond the longest string allowed
	// (proto-max-bulk-len bytes).
	ErrBitOffset = errors.New("store: bit offset is out of range")
	// ErrBitFieldType: a BITFIELD type other than i1..i64 or u1..u63.
	ErrBitFieldType = errors.New("store: invalid bitfield type")
)

// The SORT errors.
var (
	// ErrSortNotDouble: a numeric SORT met a weight (an element, or the
	// value a BY pattern named) that is not a number.
	ErrSortNotDouble = errors.New("store: one or more scores can't be converted into double")
)
