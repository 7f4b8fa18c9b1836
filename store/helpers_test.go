package store_test

// Test helpers shared by the store's tests.

// bs turns strings into the [][]byte arguments the store's API takes.
func bs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}
