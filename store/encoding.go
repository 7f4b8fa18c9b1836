package store

import "github.com/emberkv/ember/internal/redisnum"

// Redis keeps strings of at most 44 bytes in one allocation with their
// object header ("embstr"), integers as "int", and the rest as "raw".
const embstrMaxLen = 44

// sharedIntegers is Redis's OBJ_SHARED_INTEGERS: small non-negative
// integers are shared objects with a refcount of INT_MAX.
const sharedIntegers = 10000

func stringEncoding(e entry) (enc string, shared bool) {
	if len(e.str) <= 20 {
		if v, ok := redisnum.ParseInt(e.str); ok {
			return "int", v >= 0 && v < sharedIntegers
		}
	}
	if !e.raw && len(e.str) <= embstrMaxLen {
		return "embstr", false
	}
	return "raw", false
}
