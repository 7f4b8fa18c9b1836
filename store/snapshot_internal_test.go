package store

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
)

// Each hands over every segment in order whatever the number of workers,
// and one that stops at an error, then Close, leaves no shard pending
// for the snapshot (so that writes stop paying for it).
func TestSnapshotEachInOrderAndStops(t *testing.T) {
	s := New(Options{SweepInterval: -1})
	defer s.Close()
	for i := range 3000 {
		s.DB(i%3).Set("k"+strconv.Itoa(i), []byte("v"), SetOptions{})
	}
	keyEnc := func(buf []byte, v *EntryView) []byte { return append(append(buf, v.Key...), ',') }
	var want []string
	sn := s.Snapshot(SnapshotOptions{Encode: keyEnc})
	for db, chunk, ok := sn.Next(); ok; db, chunk, ok = sn.Next() {
		want = append(want, fmt.Sprintf("%d:%s", db, chunk))
	}
	for _, workers := range []int{1, 2, 5} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			sn := s.Snapshot(SnapshotOptions{Encode: keyEnc})
			var got []string
			if err := sn.Each(workers, func(db int, chunk []byte) error {
				got = append(got, fmt.Sprintf("%d:%s", db, chunk))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if sn.Keys() != 3000 || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%d keys, %d segments; want 3000 keys in the %d segments of Next", sn.Keys(), len(got), len(want))
			}

			sn = s.Snapshot(SnapshotOptions{Encode: keyEnc})
			stop := errors.New("disk full")
			n := 0
			if err := sn.Each(workers, func(int, []byte) error {
				if n++; n == 100 {
					return stop
				}
				return nil
			}); err != stop {
				t.Fatalf("Each: %v, want the callback's error", err)
			}
			sn.Close()
			for _, db := range s.dbs {
				for _, sh := range db.shards {
					if len(sh.snaps) != 0 {
						t.Fatalf("a shard still pending for a closed snapshot")
					}
				}
			}
		})
	}
}
