package rdb

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/emberkv/ember/store"
)

// FuzzLoad feeds arbitrary bytes to the reader: it must never panic, and
// whatever it accepts must write back to a file it accepts again with the
// same keys. Seeds: every fixture and a file of every Ember encoding.
//
//	go test ./persistence/rdb -fuzz FuzzLoad -fuzztime 30s
func FuzzLoad(f *testing.F) {
	for _, name := range fixtures {
		if b, err := os.ReadFile(filepath.Join(fixtureDir, name+".rdb")); err == nil {
			f.Add(b)
		}
	}
	s := newStore(f)
	fill(f, s)
	f.Add(saveToBytes(f, s, Options{Compression: true, Checksum: false}))
	// One shard per database keeps each run cheap.
	dst := store.New(store.Options{SweepInterval: -1, Shards: 1})
	defer dst.Close()
	back := store.New(store.Options{SweepInterval: -1, Shards: 1})
	defer back.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		st := dst.NewStaging()
		// The checksum is skipped so that the fuzzer reaches the values.
		if _, err := Load(bytes.NewReader(data), st, dst, LoadOptions{Size: int64(len(data)), NoChecksum: true, KeepExpired: true}); err != nil {
			return
		}
		dst.Install(st)
		again := saveToBytes(t, dst, Options{Compression: true, Checksum: true})
		if _, err := loadBytes(back, again); err != nil {
			t.Fatalf("Ember's own file of an accepted input does not load: %v", err)
		}
	})
}

// FuzzDecodeDump feeds arbitrary RESTORE payloads (with a valid footer, so
// that the decoder runs): never a panic, and an accepted value restores.
func FuzzDecodeDump(f *testing.F) {
	s := newStore(f)
	fill(f, s)
	for _, k := range s.DB(0).Keys("*") {
		s.DB(0).View(k, func(v *store.EntryView) {
			p := AppendDump(nil, v, true)
			f.Add(p[:len(p)-10])
		})
	}
	dst := store.New(store.Options{SweepInterval: -1, Databases: 1, Shards: 1})
	defer dst.Close()
	f.Fuzz(func(t *testing.T, body []byte) {
		// Give the body a correct footer so the fuzzer gets past the CRC.
		p := append(bytes.Clone(body), Version, 0)
		var crc [8]byte
		c := crcUpdate(0, p)
		for i := range crc {
			crc[i] = byte(c >> (8 * i))
		}
		p = append(p, crc[:]...)
		v, err := DecodeDump(dst, p)
		if err != nil {
			return
		}
		if _, err := dst.DB(0).Restore("k", v, 0, true, 0, -1); err != nil && err != store.ErrEmptyValue {
			t.Fatalf("decoded value does not restore: %v", err)
		}
	})
}
