package server

import (
	"bytes"
	"io"
	"strconv"
	"testing"

	"github.com/emberkv/ember/store"
)

// TestCommandImageSameWithWorkers: a .base.aof written by several
// goroutines is the one a single goroutine writes, byte for byte: the
// segments go out in order, with one SELECT per database.
func TestCommandImageSameWithWorkers(t *testing.T) {
	st := store.New(store.Options{SweepInterval: -1})
	defer st.Close()
	for db := range 3 {
		d := st.DB(db * 2) // databases 0, 2 and 4: a gap, so SELECT numbers matter
		for i := range 3000 {
			k := "k" + strconv.Itoa(i)
			switch i % 3 {
			case 0:
				d.Set(k, []byte("v"+strconv.Itoa(i)), store.SetOptions{})
			case 1:
				d.RPush(k, []byte("a"), []byte("b"))
			case 2:
				d.SAdd(k, []byte("m"+strconv.Itoa(i)))
			}
		}
	}
	image := func(workers int) []byte {
		var b bytes.Buffer
		if err := writeCommandImage(&b, st.Snapshot(store.SnapshotOptions{Encode: appendEntryCommands}), workers); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	want := image(1)
	if n := bytes.Count(want, []byte("SELECT")); n != 3 {
		t.Fatalf("%d SELECTs, want one per database", n)
	}
	for _, workers := range []int{2, 4} {
		if got := image(workers); !bytes.Equal(got, want) {
			t.Errorf("%d workers: %d bytes differ from one worker's %d", workers, len(got), len(want))
		}
	}
}

// BenchmarkCommandImage: a .base.aof of 200k strings, by 1 and 2 workers.
func BenchmarkCommandImage(b *testing.B) {
	st := store.New(store.Options{SweepInterval: -1})
	defer st.Close()
	d := st.DB(0)
	for i := range 200_000 {
		d.Set("key:"+strconv.Itoa(i), bytes.Repeat([]byte("x"), 32), store.SetOptions{})
	}
	for _, workers := range []int{1, 2} {
		b.Run("workers="+strconv.Itoa(workers), func(b *testing.B) {
			for b.Loop() {
				if err := writeCommandImage(io.Discard, st.Snapshot(store.SnapshotOptions{Encode: appendEntryCommands}), workers); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
