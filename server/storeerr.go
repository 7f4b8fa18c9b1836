package server

import (
	"github.com/emberkv/ember/store"
)

// storeError answers a store error with Redis's text: the one place where
// the store's sentinels meet the wire.
func (c *client) storeError(err error) {
	c.w.error(storeErrorText(err))
}

func storeErrorText(err error) string {
	switch err {
	case store.ErrWrongType:
		return errWrongType
	case store.ErrNotInteger:
		return errNotInteger
	case store.ErrNotFloat:
		return errNotFloat
	case store.ErrOverflow:
		return errOverflow
	case store.ErrNaNOrInf:
		return errNaNOrInf
	case store.ErrNoSuchKey:
		return errNoSuchKey
	case store.ErrTooLarge:
		return errStringTooLong
	case store.ErrOffsetOutOfRange:
		return errOffsetRange
	case store.ErrDBIndex:
		return errDBIndex
	case store.ErrNaNScore:
		return errZNaNScore
	case store.ErrHashNotInteger:
		return errHashNotInteger
	case store.ErrHashNotFloat:
		return errHashNotFloat
	case store.ErrInfIncrement:
		return errInfIncrement
	case store.ErrIndexOutOfRange:
		return errIndexOutOfRange
	case store.ErrNotHLL:
		return errNotHLL
	case store.ErrCorruptHLL:
		return errCorruptHLL
	case store.ErrBitOffset:
		return errBitOffset
	case store.ErrBitFieldType:
		return errBitFieldType
	case store.ErrSortNotDouble:
		return errSortNotDouble
	}
	return "ERR " + err.Error()
}
