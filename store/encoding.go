package store

import "github.com/emberkv/ember/internal/redisnum"

// Redis keeps strings of at most 44 bytes in one allocation with their
// object header ("embstr"), integers as "int", and the rest as "raw".
const embstrMaxLen = 44

// sharedIntegers is Redis's OBJ_SHARED_INTEGERS: small non-negative
// integers are shared objects with a refcount of INT_MAX.
const sharedIntegers = 10000

func stringEncoding(e entry) (enc string, shared bool) {
	// As Redis: a string APPEND or SETRANGE built in place stays "raw",
	// even when it reads as an integer ("1" APPEND "2").
	if e.raw() {
		return "raw", false
	}
	b := e.str()
	if len(b) <= 20 {
		if v, ok := redisnum.ParseInt(b); ok {
			return "int", v >= 0 && v < sharedIntegers && !e.unshared()
		}
	}
	if len(b) <= embstrMaxLen {
		return "embstr", false
	}
	return "raw", false
}
