package store

import "testing"

// OpNotes.Emptied is set by exactly the removals that delete their key,
// for every aggregate type, and only on the view that carries the notes.
func TestOpNotesEmptied(t *testing.T) {
	s, _ := newTestStore(t, 4)
	b := func(v ...string) [][]byte {
		out := make([][]byte, len(v))
		for i, x := range v {
			out[i] = []byte(x)
		}
		return out
	}
	cases := []struct {
		name   string
		fill   func(db *DB, n int)
		remove func(db *DB) error
	}{
		{"hash", func(db *DB, n int) {
			for i := range n {
				db.HSet("k", []byte{'f', byte('0' + i)}, []byte("v"))
			}
		}, func(db *DB) error { _, err := db.HDel("k", []byte("f0")); return err }},
		{"list", func(db *DB, n int) {
			for range n {
				db.RPush("k", []byte("x"))
			}
		}, func(db *DB) error { _, err := db.LPop("k", 1); return err }},
		{"set", func(db *DB, n int) {
			for i := range n {
				db.SAdd("k", []byte{'m', byte('0' + i)})
			}
		}, func(db *DB) error { _, err := db.SRem("k", b("m0")...); return err }},
		{"zset", func(db *DB, n int) {
			for i := range n {
				db.ZAdd("k", 0, []ZMember{{Member: string([]byte{'m', byte('0' + i)}), Score: 1}})
			}
		}, func(db *DB) error { _, err := db.ZRem("k", []string{"m0"}); return err }},
	}
	for _, tc := range cases {
		for _, n := range []int{1, 2} {
			var notes OpNotes
			shared := s.DB(0)
			db := shared.WithNotes(&notes)
			tc.fill(db, n)
			if notes.Emptied {
				t.Fatalf("%s: adding set Emptied", tc.name)
			}
			if err := tc.remove(db); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if want := n == 1; notes.Emptied != want {
				t.Errorf("%s of %d: Emptied = %v; want %v", tc.name, n, notes.Emptied, want)
			}
			if shared.Notes() != nil {
				t.Fatalf("the shared view has notes")
			}
			shared.Flush()
		}
	}
}
