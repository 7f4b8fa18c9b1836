package rdb

import (
	"bufio"
	"encoding/binary"
	"io"
	"strconv"
	"time"

	"github.com/emberkv/ember/store"
)

// Options are what an RDB file is written with.
type Options struct {
	// Compression is rdbcompression: LZF for strings longer than 20 bytes.
	Compression bool
	// Checksum is rdbchecksum: a CRC-64 of the file at its end; without
	// it the checksum is 0, which loaders take as "not checked".
	Checksum bool
	// AOFBase marks the file as an AOF's base (the aof-base aux field).
	AOFBase bool
	// UsedMem is the used-mem aux field, in bytes.
	UsedMem int64
	// Functions are the function libraries' code, written after the aux
	// fields as Redis 7.0 does (opcode FUNCTION2 and the code).
	Functions []string
	// RedisVer is the redis-ver aux field; default "7.0.15", so that tools
	// reading it see the version whose format this is.
	RedisVer string
	// Workers is how many goroutines serialize the image at once (the
	// shards' segments, each worker every Workers-th); 0 or 1 for one,
	// the writer's own.
	Workers int
	// Now is the ctime aux field's clock; default time.Now.
	Now func() time.Time
	// Latency, if set, is told how long SaveFile took to remove the
	// temporary file of a save that failed, as Redis's
	// "rdb-unlink-temp-file" latency event.
	Latency func(event string, d time.Duration)
}

// Stats describe a written file.
type Stats struct {
	Keys  int64 // keys written
	Bytes int64 // the file's size
}

// countingWriter tracks the CRC and size of what goes through it.
type countingWriter struct {
	w     *bufio.Writer
	crc   uint64
	sum   bool
	bytes int64
	err   error
}

func (c *countingWriter) write(p []byte) {
	if c.err != nil {
		return
	}
	if c.sum {
		c.crc = crcUpdate(c.crc, p)
	}
	c.bytes += int64(len(p))
	_, c.err = c.w.Write(p)
}

// Write writes the image sn holds to w as an RDB file of version 10:
// header, aux fields, each non-empty database (SELECTDB, RESIZEDB, its
// keys), EOF and the checksum, as rdbSaveRio. Each entry of sn must have
// been encoded with an Encoder's AppendEntry (see NewSnapshot). Write
// consumes sn; on error it closes it.
func Write(w io.Writer, sn *store.Snapshot, opts Options) (Stats, error) {
	defer sn.Close()
	cw := &countingWriter{w: bufio.NewWriterSize(w, 1<<16), sum: opts.Checksum}
	var hdr []byte
	hdr = append(hdr, "REDIS00"+strconv.Itoa(Version)...)
	ver := opts.RedisVer
	if ver == "" {
		ver = "7.0.15"
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	enc := Encoder{Compression: opts.Compression}
	aux := func(k, v string) {
		hdr = append(hdr, opAux)
		hdr = enc.appendString(hdr, []byte(k))
		hdr = enc.appendString(hdr, []byte(v))
	}
	aux("redis-ver", ver)
	aux("redis-bits", "64")
	aux("ctime", strconv.FormatInt(now().Unix(), 10))
	aux("used-mem", strconv.FormatInt(opts.UsedMem, 10))
	base := "0"
	if opts.AOFBase {
		base = "1"
	}
	aux("aof-base", base)
	for _, code := range opts.Functions {
		hdr = append(hdr, opFunction2)
		hdr = enc.appendString(hdr, []byte(code))
	}
	cw.write(hdr)

	var st Stats
	cur := -1
	err := sn.Each(opts.Workers, func(db int, chunk []byte) error {
		if db != cur {
			cur = db
			size := sn.Size(db)
			if size.Keys > 0 {
				var b []byte
				b = append(b, opSelectDB)
				b = appendLen(b, uint64(db))
				b = append(b, opResizeDB)
				b = appendLen(b, uint64(size.Keys))
				b = appendLen(b, uint64(size.Expires))
				cw.write(b)
			}
		}
		if len(chunk) > 0 {
			cw.write(chunk)
		}
		sn.Recycle(chunk)
		return cw.err
	})
	if err != nil {
		return st, err
	}
	st.Keys = sn.Keys()
	cw.write([]byte{opEOF})
	var crc [8]byte
	if opts.Checksum {
		binary.LittleEndian.PutUint64(crc[:], cw.crc)
	}
	cw.write(crc[:])
	if cw.err != nil {
		return st, cw.err
	}
	if err := cw.w.Flush(); err != nil {
		return st, err
	}
	st.Bytes = cw.bytes
	return st, nil
}

// NewSnapshot takes the cut of an RDB image of s: a store snapshot whose
// entries are encoded with AppendEntry, for Write. atCut, if not nil,
// runs at the cut (see store.SnapshotOptions.AtCut).
func NewSnapshot(s *store.Store, compression bool, atCut func(cutMs int64)) *store.Snapshot {
	enc := &Encoder{Compression: compression}
	return s.Snapshot(store.SnapshotOptions{Encode: enc.AppendEntry, AtCut: atCut})
}
