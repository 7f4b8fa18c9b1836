package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unsafe"

	"github.com/emberkv/ember/store"
)

// The kinds of load failure; every *Error wraps one of them.
var (
	// ErrTruncated: the file ends before its EOF opcode and checksum.
	ErrTruncated = errors.New("unexpected end of file")
	// ErrCorrupt: the file holds something no RDB writer produces.
	ErrCorrupt = errors.New("corrupt RDB")
	// ErrVersion: the file's RDB version is newer than MaxVersion (or
	// not a version at all).
	ErrVersion = errors.New("unsupported RDB version")
	// ErrChecksum: the CRC-64 at the end does not match the file.
	ErrChecksum = errors.New("wrong RDB checksum")
	// ErrUnsupported: a value type Ember does not hold (streams, module
	// values).
	ErrUnsupported = errors.New("unsupported RDB value")
)

// Error is a load failure, naming the file and the byte offset where the
// problem was found.
type Error struct {
	File   string
	Offset int64
	Kind   error  // one of ErrTruncated, ErrCorrupt, ...
	Detail string // what exactly, for a reader
}

func (e *Error) Error() string {
	msg := e.Kind.Error()
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return fmt.Sprintf("%s: at offset %d: %s", e.File, e.Offset, msg)
}

func (e *Error) Unwrap() error { return e.Kind }

// LoadOptions configure Load.
type LoadOptions struct {
	// Name is the file's name in errors; default "RDB".
	Name string
	// Size is the number of bytes the source holds, if known: no declared
	// length beyond it is believed. Without it, allocation still grows
	// only with the bytes actually read.
	Size int64
	// NowMs is the time keys are judged expired against (skipped, as a
	// Redis master does); default the wall clock. KeepExpired keeps them
	// (an AOF preamble, whose later commands decide).
	NowMs       int64
	KeepExpired bool
	// NoChecksum skips the CRC check (Redis's rdbchecksum no).
	NoChecksum bool
	// OnFunction receives the code of each function library, to load it
	// (an error fails the load, as Redis's rdbFunctionLoad); without it
	// libraries are skipped with a warning.
	OnFunction func(code []byte) error
	// Warn receives Redis's warnings (skipped module data, empty keys,
	// a file saved without checksum). Default none.
	Warn func(msg string)
	// Progress, if set, is called now and then with the bytes read so far.
	Progress func(read int64)
}

// LoadStats describe a loaded file.
type LoadStats struct {
	Version int
	Aux     map[string]string // the AUX fields, redis-ver, ctime...
	Keys    int               // keys loaded
	Expired int               // keys skipped as expired
	Bytes   int64             // bytes read, through the checksum
	// Rest is what Load read from the source past the checksum (it reads
	// ahead): the start of whatever follows the image, such as the
	// commands after an AOF's RDB preamble.
	Rest []byte
}

// reader reads an RDB stream, keeping the offset and the running CRC.
// It buffers the source itself rather than through bufio: most reads are
// of a few bytes (a type, a length, a short key), and the CRC runs over
// whole buffers as they are used up, where running it over each small
// read cost more than the rest of the decoding.
type reader struct {
	src      io.Reader // nil: buf is all there is (a DUMP payload)
	buf      []byte    // buf[pos:end] is read from src but not consumed
	pos, end int
	crcPos   int   // buf[:crcPos] is in crc already
	srcErr   error // what src said last (io.EOF at the end)
	name     string
	off      int64 // bytes consumed
	size     int64 // 0: unknown
	crc      uint64
	progress func(int64)
	nextProg int64
}

// readerBuffer is the size of a file reader's buffer.
const readerBuffer = 1 << 16

func newReader(src io.Reader, name string, size int64) *reader {
	return &reader{src: src, buf: make([]byte, readerBuffer), name: name, size: size}
}

// newBytesReader reads a payload held in memory, without copying it.
func newBytesReader(b []byte, name string) *reader {
	return &reader{buf: b, end: len(b), name: name, size: int64(len(b)), srcErr: io.EOF}
}

func (r *reader) fail(kind error, format string, args ...any) error {
	return &Error{File: r.name, Offset: r.off, Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

func (r *reader) truncated() error { return &Error{File: r.name, Offset: r.off, Kind: ErrTruncated} }

// sumCRC brings the CRC up to what has been consumed.
func (r *reader) sumCRC() {
	r.crc = crcUpdate(r.crc, r.buf[r.crcPos:r.pos])
	r.crcPos = r.pos
}

// fill makes at least n bytes (n <= len(buf)) available at buf[pos:],
// or fails with the error a short file gives.
func (r *reader) fill(n int) error {
	r.sumCRC()
	if r.src == nil {
		return r.readErr(r.srcErr)
	}
	copy(r.buf, r.buf[r.pos:r.end])
	r.end -= r.pos
	r.pos, r.crcPos = 0, 0
	for r.end < n && r.srcErr == nil {
		var k int
		k, r.srcErr = r.src.Read(r.buf[r.end:])
		r.end += k
	}
	if r.progress != nil && r.off >= r.nextProg {
		r.progress(r.off)
		r.nextProg = r.off + 1<<20
	}
	if r.end < n {
		return r.readErr(r.srcErr)
	}
	return nil
}

// readErr is the load error for a source that stopped with err.
func (r *reader) readErr(err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return r.truncated()
	}
	return &Error{File: r.name, Offset: r.off, Kind: err}
}

// next consumes n bytes and returns a view of them, valid until the next
// read. n must be at most readerBuffer.
func (r *reader) next(n int) ([]byte, error) {
	if r.end-r.pos < n {
		if err := r.fill(n); err != nil {
			// Consume what there was, so the error's offset is where the
			// file ended.
			r.off += int64(r.end - r.pos)
			r.pos = r.end
			return nil, err
		}
	}
	b := r.buf[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	r.off += int64(n)
	return b, nil
}

// full reads len(p) bytes into p.
func (r *reader) full(p []byte) error {
	if len(p) <= r.end-r.pos {
		copy(p, r.buf[r.pos:])
		r.pos += len(p)
		r.off += int64(len(p))
		return nil
	}
	// Take what is buffered, then read the rest straight into p.
	k := copy(p, r.buf[r.pos:r.end])
	r.pos = r.end
	r.off += int64(k)
	r.sumCRC()
	r.pos, r.end, r.crcPos = 0, 0, 0
	for k < len(p) {
		if r.src == nil || r.srcErr != nil {
			return r.readErr(r.srcErr)
		}
		var n int
		n, r.srcErr = r.src.Read(p[k:])
		r.crc = crcUpdate(r.crc, p[k:k+n])
		k += n
		r.off += int64(n)
	}
	if r.progress != nil && r.off >= r.nextProg {
		r.progress(r.off)
		r.nextProg = r.off + 1<<20
	}
	return nil
}

func (r *reader) byte() (byte, error) {
	if r.pos < r.end {
		b := r.buf[r.pos]
		r.pos++
		r.off++
		return b, nil
	}
	p, err := r.next(1)
	if err != nil {
		return 0, err
	}
	return p[0], nil
}

// bytes reads n bytes into a new slice. n comes from the file, so it is
// checked against what the file can still hold, and the slice grows with
// the bytes actually read rather than being allocated at n up front.
func (r *reader) bytes(n uint64) ([]byte, error) {
	if r.size > 0 && n > uint64(r.size-r.off) {
		return nil, r.fail(ErrTruncated, "a length of %d bytes reaches past the end of the file", n)
	}
	const step = 1 << 20
	if n <= step {
		b := make([]byte, n)
		return b, r.full(b)
	}
	b := make([]byte, 0, step)
	for uint64(len(b)) < n {
		k := min(n-uint64(len(b)), uint64(max(cap(b)-len(b), step)))
		start := len(b)
		b = append(b, make([]byte, k)...)
		if err := r.full(b[start:]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// length reads an RDB length (rdbLoadLenByRef); encoded says the byte
// was a special string encoding (integer, LZF) rather than a length.
func (r *reader) length() (n uint64, encoded bool, err error) {
	b, err := r.byte()
	if err != nil {
		return 0, false, err
	}
	switch b >> 6 {
	case lenEncVal:
		return uint64(b & 0x3f), true, nil
	case len6Bit:
		return uint64(b & 0x3f), false, nil
	case len14Bit:
		b2, err := r.byte()
		return uint64(b&0x3f)<<8 | uint64(b2), false, err
	}
	switch b {
	case len32Bit:
		p, err := r.next(4)
		if err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(p)), false, nil
	case len64Bit:
		p, err := r.next(8)
		if err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(p), false, nil
	}
	return 0, false, r.fail(ErrCorrupt, "unknown length encoding 0x%02x", b)
}

// count reads a length that counts elements: each takes at least one
// byte, so a count beyond the bytes left is corrupt.
func (r *reader) count() (int, error) {
	n, enc, err := r.length()
	if err != nil {
		return 0, err
	}
	if enc {
		return 0, r.fail(ErrCorrupt, "an encoded string where a length was expected")
	}
	if r.size > 0 && n > uint64(r.size-r.off) {
		// Each element takes a byte at least: the file ends too soon.
		return 0, r.fail(ErrTruncated, "a count of %d elements reaches past the end of the file", n)
	}
	if n > math.MaxInt32 {
		return 0, r.fail(ErrCorrupt, "a count of %d elements", n)
	}
	return int(n), nil
}

// str reads a string in any of its encodings (rdbGenericLoadStringObject):
// plain, an 8, 16 or 32-bit integer (returned as decimal text), or LZF.
func (r *reader) str() ([]byte, error) {
	n, enc, err := r.length()
	if err != nil {
		return nil, err
	}
	if !enc {
		return r.bytes(n)
	}
	switch n {
	case encInt8:
		b, err := r.byte()
		return strconv.AppendInt(nil, int64(int8(b)), 10), err
	case encInt16:
		var p [2]byte
		err := r.full(p[:])
		return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(p[:]))), 10), err
	case encInt32:
		var p [4]byte
		err := r.full(p[:])
		return strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(p[:]))), 10), err
	case encLZF:
		clen, e1, err := r.length()
		if err != nil {
			return nil, err
		}
		ulen, e2, err := r.length()
		if err != nil {
			return nil, err
		}
		if e1 || e2 {
			return nil, r.fail(ErrCorrupt, "bad LZF lengths")
		}
		start := r.off
		c, err := r.bytes(clen)
		if err != nil {
			return nil, err
		}
		// LZF's best ratio is a 3-byte back-reference producing 264
		// bytes: a declared length beyond that is a lie, refused before
		// anything is allocated for it.
		if ulen > clen*88+64 {
			return nil, &Error{File: r.name, Offset: start, Kind: ErrCorrupt, Detail: "invalid LZF compressed string"}
		}
		out := make([]byte, ulen)
		if lzfDecompress(c, out) != nil {
			return nil, &Error{File: r.name, Offset: start, Kind: ErrCorrupt, Detail: "invalid LZF compressed string"}
		}
		return out, nil
	}
	return nil, r.fail(ErrCorrupt, "unknown string encoding %d", n)
}

// Load reads an RDB file from src into st. It stops right after the
// checksum, so it also reads an RDB preamble at the start of a stream.
// On any error st holds a partial keyspace that the caller must drop:
// install it (store.Install) only after Load succeeds.
func Load(src io.Reader, st *store.Staging, s *store.Store, opts LoadOptions) (LoadStats, error) {
	name := opts.Name
	if name == "" {
		name = "RDB"
	}
	r := newReader(src, name, opts.Size)
	stats, err := load(r, st, s, opts)
	// The staging stores keys in the background; a key the file holds
	// twice shows once all are stored.
	var busy *store.BusyKeyError
	if werr := st.Wait(); err == nil && errors.As(werr, &busy) {
		err = &Error{File: r.name, Offset: r.off, Kind: ErrCorrupt, Detail: fmt.Sprintf("RDB has duplicated key '%s' in DB %d", busy.Key, busy.DB)}
	}
	return stats, err
}

func load(r *reader, st *store.Staging, s *store.Store, opts LoadOptions) (LoadStats, error) {
	r.progress = opts.Progress
	warn := opts.Warn
	if warn == nil {
		warn = func(string) {}
	}
	now := opts.NowMs
	if now == 0 {
		now = time.Now().UnixMilli()
	}
	stats := LoadStats{Aux: map[string]string{}}
	var magic [9]byte
	if err := r.full(magic[:]); err != nil {
		return stats, err
	}
	if string(magic[:5]) != "REDIS" {
		return stats, &Error{File: r.name, Offset: 0, Kind: ErrCorrupt, Detail: "wrong signature trying to load DB from file"}
	}
	ver, err := strconv.Atoi(string(magic[5:]))
	if err != nil || ver < 1 || ver > MaxVersion {
		return stats, &Error{File: r.name, Offset: 5, Kind: ErrVersion, Detail: fmt.Sprintf("can't handle RDB format version %s", magic[5:])}
	}
	stats.Version = ver
	db := 0
	expireAt := int64(0)
	// IDLE and FREQ, as expireAt, say something of the key that follows.
	access := store.NoAccess
	for {
		typeOff := r.off
		t, err := r.byte()
		if err != nil {
			return stats, err
		}
		switch t {
		case opExpireSec:
			var p [4]byte
			if err := r.full(p[:]); err != nil {
				return stats, err
			}
			expireAt = int64(int32(binary.LittleEndian.Uint32(p[:]))) * 1000
			continue
		case opExpireMs:
			var p [8]byte
			if err := r.full(p[:]); err != nil {
				return stats, err
			}
			expireAt = int64(binary.LittleEndian.Uint64(p[:]))
			continue
		case opFreq:
			b, err := r.byte()
			if err != nil {
				return stats, err
			}
			access.Freq = int(b)
			continue
		case opIdle:
			n, _, err := r.length()
			if err != nil {
				return stats, err
			}
			access.IdleSec = int64(min(n, math.MaxInt64))
			continue
		case opEOF:
			return stats, r.finish(ver, &stats, opts.NoChecksum, warn)
		case opSelectDB:
			n, _, err := r.length()
			if err != nil {
				return stats, err
			}
			if n >= uint64(s.Databases()) {
				return stats, r.fail(ErrCorrupt, "the file uses database %d, but only %d are configured", n, s.Databases())
			}
			db = int(n)
			continue
		case opResizeDB:
			if _, _, err := r.length(); err != nil {
				return stats, err
			}
			if _, _, err := r.length(); err != nil {
				return stats, err
			}
			continue
		case opAux:
			k, err := r.str()
			if err != nil {
				return stats, err
			}
			v, err := r.str()
			if err != nil {
				return stats, err
			}
			stats.Aux[string(k)] = string(v)
			continue
		case opModuleAux:
			id, _, err := r.length()
			if err != nil {
				return stats, err
			}
			whenOp, _, err := r.length()
			if err != nil {
				return stats, err
			}
			if _, _, err := r.length(); err != nil {
				return stats, err
			}
			if whenOp != moduleOpUInt {
				return stats, r.fail(ErrCorrupt, "bad when_opcode")
			}
			if err := r.skipModuleValue(); err != nil {
				return stats, err
			}
			warn(fmt.Sprintf("The RDB file contains AUX module data I can't load: no matching module '%s' (skipped)", moduleName(id)))
			continue
		case opFunction2:
			code, err := r.str()
			if err != nil {
				return stats, err
			}
			if opts.OnFunction == nil {
				warn("The RDB file contains a function library, which is not loaded here (skipped)")
				continue
			}
			if err := opts.OnFunction(code); err != nil {
				return stats, &Error{File: r.name, Offset: typeOff, Kind: ErrCorrupt, Detail: "function library: " + err.Error()}
			}
			continue
		case opFunction:
			return stats, &Error{File: r.name, Offset: typeOff, Kind: ErrUnsupported, Detail: "pre-release function format (Redis 7.0 rc)"}
		}
		kb, err := r.str()
		if err != nil {
			return stats, err
		}
		// The key's bytes are fresh and never written again: the staging
		// may keep them as the key's string.
		key := unsafe.String(unsafe.SliceData(kb), len(kb))
		var v *store.Value
		var str []byte
		if t == typeString {
			str, err = r.str() // the fast path: no Value
		} else {
			v, err = readValue(r, s, t, typeOff)
		}
		if err != nil {
			return stats, err
		}
		exp, acc := expireAt, access
		expireAt, access = 0, store.NoAccess
		if exp != 0 && exp < now && !opts.KeepExpired {
			stats.Expired++
			continue
		}
		if v == nil {
			err = st.AddString(db, key, str, exp, acc)
		} else {
			err = st.Add(db, key, v, exp, acc)
		}
		switch {
		case errors.Is(err, store.ErrEmptyValue):
			warn(fmt.Sprintf("rdbLoadObject skipping empty key: %s", key))
		case err != nil:
			return stats, &Error{File: r.name, Offset: typeOff, Kind: ErrCorrupt, Detail: err.Error()}
		default:
			stats.Keys++
		}
	}
}

// finish reads and checks the checksum after EOF (RDB version 5 on).
func (r *reader) finish(ver int, stats *LoadStats, noCheck bool, warn func(string)) error {
	if ver >= 5 {
		r.sumCRC()
		want := r.crc
		var p [8]byte
		if err := r.full(p[:]); err != nil {
			return err
		}
		got := binary.LittleEndian.Uint64(p[:])
		switch {
		case got == 0:
			warn("RDB file was saved with checksum disabled: no check performed.")
		case !noCheck && got != want:
			return &Error{File: r.name, Offset: r.off - 8, Kind: ErrChecksum, Detail: fmt.Sprintf("file says %016x, content gives %016x", got, want)}
		}
	}
	stats.Bytes = r.off
	stats.Rest = r.buf[r.pos:r.end:r.end]
	if r.progress != nil {
		r.progress(r.off)
	}
	return nil
}

// skipModuleValue skips a module value's opcodes up to its EOF marker
// (rdbLoadCheckModuleValue).
func (r *reader) skipModuleValue() error {
	for {
		op, _, err := r.length()
		if err != nil {
			return err
		}
		switch op {
		case moduleOpEOF:
			return nil
		case moduleOpSInt, moduleOpUInt:
			_, _, err = r.length()
		case moduleOpStr:
			_, err = r.str()
		case moduleOpFlt:
			var p [4]byte
			err = r.full(p[:])
		case moduleOpDbl:
			var p [8]byte
			err = r.full(p[:])
		default:
			return r.fail(ErrCorrupt, "unknown module value opcode %d", op)
		}
		if err != nil {
			return err
		}
	}
}

// moduleName decodes the 9-character name in a module id's top 54 bits.
func moduleName(id uint64) string {
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var b [9]byte
	id >>= 10
	for i := 8; i >= 0; i-- {
		b[i] = set[id&63]
		id >>= 6
	}
	return string(b[:])
}

// readValue reads a value of RDB type t, as rdbLoadObject, into a store
// value built with s's encoding limits. off is where the type byte was,
// for errors.
func readValue(r *reader, s *store.Store, t byte, off int64) (*store.Value, error) {
	corrupt := func(what string) error {
		return &Error{File: r.name, Offset: off, Kind: ErrCorrupt, Detail: what}
	}
	switch t {
	case typeString:
		b, err := r.str()
		if err != nil {
			return nil, err
		}
		return s.NewString(b), nil
	case typeList:
		n, err := r.count()
		if err != nil {
			return nil, err
		}
		v := s.NewList()
		for range n {
			e, err := r.str()
			if err != nil {
				return nil, err
			}
			v.ListPush(e)
		}
		return v, nil
	case typeSet:
		n, err := r.count()
		if err != nil {
			return nil, err
		}
		v := s.NewSet(n)
		for range n {
			e, err := r.str()
			if err != nil {
				return nil, err
			}
			if v.SetAdd(e) != nil {
				return nil, corrupt("Duplicate set members detected")
			}
		}
		return v, nil
	case typeZSet, typeZSet2:
		n, err := r.count()
		if err != nil {
			return nil, err
		}
		v := s.NewZSet(n)
		for range n {
			m, err := r.str()
			if err != nil {
				return nil, err
			}
			var score float64
			if t == typeZSet2 {
				var p [8]byte
				if err := r.full(p[:]); err != nil {
					return nil, err
				}
				score = math.Float64frombits(binary.LittleEndian.Uint64(p[:]))
			} else if score, err = r.textDouble(); err != nil {
				return nil, err
			}
			if math.IsNaN(score) {
				return nil, corrupt("Zset with NAN score detected")
			}
			if v.ZAdd(m, score) != nil {
				return nil, corrupt("Duplicate zset fields detected")
			}
		}
		return v, nil
	case typeHash:
		n, err := r.count()
		if err != nil {
			return nil, err
		}
		v := s.NewHash(n)
		for range n {
			f, err := r.str()
			if err != nil {
				return nil, err
			}
			val, err := r.str()
			if err != nil {
				return nil, err
			}
			if v.HashSet(f, val) != nil {
				return nil, corrupt("Duplicate hash fields detected")
			}
		}
		return v, nil
	case typeListQuicklist, typeListQuicklist2:
		n, err := r.count()
		if err != nil {
			return nil, err
		}
		v := s.NewList()
		for range n {
			container := uint64(nodePacked)
			if t == typeListQuicklist2 {
				if container, _, err = r.length(); err != nil {
					return nil, err
				}
				if container != nodePacked && container != nodePlain {
					return nil, corrupt("Quicklist integrity check failed.")
				}
			}
			data, err := r.str()
			if err != nil {
				return nil, err
			}
			if len(data) == 0 {
				return nil, corrupt("empty quicklist node")
			}
			switch {
			case container == nodePlain:
				v.ListAppendPlain(data)
			case t == typeListQuicklist2:
				if v.ListAppendListpack(data) != nil {
					return nil, corrupt("Listpack integrity check failed.")
				}
			default:
				if err := ziplistEach(data, func(e []byte) { v.ListPush(e) }); err != nil {
					return nil, corrupt("Ziplist integrity check failed.")
				}
			}
		}
		return v, nil
	case typeHashZipmap, typeListZiplist, typeSetIntset, typeZSetZiplist,
		typeZSetListpack, typeHashZiplist, typeHashListpack, typeSetListpack:
		blob, err := r.str()
		if err != nil {
			return nil, err
		}
		return compactValue(s, t, blob, corrupt)
	case typeModule, typeModule2:
		return nil, &Error{File: r.name, Offset: off, Kind: ErrUnsupported, Detail: "module value (Ember loads no modules)"}
	case typeStreamListpacks, typeStreamListpack2, typeStreamListpack3:
		return nil, &Error{File: r.name, Offset: off, Kind: ErrUnsupported, Detail: "stream value (Ember has no streams yet)"}
	}
	return nil, corrupt(fmt.Sprintf("Unknown RDB type %d", t))
}

// compactValue builds a value from the blob of a compact type.
func compactValue(s *store.Store, t byte, blob []byte, corrupt func(string) error) (*store.Value, error) {
	switch t {
	case typeSetIntset:
		v, err := s.NewSetIntset(blob)
		if err != nil {
			return nil, corrupt("Intset integrity check failed.")
		}
		return v, nil
	case typeSetListpack:
		v, err := s.NewSetListpack(blob)
		if err != nil {
			return nil, corrupt("Set listpack integrity check failed.")
		}
		return v, nil
	case typeHashListpack:
		v, err := s.NewHashListpack(blob)
		if err != nil {
			return nil, corrupt("Hash listpack integrity check failed.")
		}
		return v, nil
	case typeZSetListpack:
		v, err := s.NewZSetListpack(blob)
		if err != nil {
			return nil, corrupt("Zset listpack integrity check failed.")
		}
		return v, nil
	case typeListZiplist:
		v := s.NewList()
		if ziplistEach(blob, func(e []byte) { v.ListPush(e) }) != nil {
			return nil, corrupt("List ziplist integrity check failed.")
		}
		return v, nil
	case typeHashZiplist, typeZSetZiplist:
		var elems [][]byte
		if ziplistEach(blob, func(e []byte) { elems = append(elems, e) }) != nil || len(elems)%2 != 0 {
			return nil, corrupt("ziplist integrity check failed.")
		}
		if t == typeHashZiplist {
			v := s.NewHash(len(elems) / 2)
			for i := 0; i < len(elems); i += 2 {
				if v.HashSet(elems[i], elems[i+1]) != nil {
					return nil, corrupt("Hash ziplist integrity check failed.")
				}
			}
			return v, nil
		}
		v := s.NewZSet(len(elems) / 2)
		for i := 0; i < len(elems); i += 2 {
			score, ok := parseScore(elems[i+1])
			if !ok || v.ZAdd(elems[i], score) != nil {
				return nil, corrupt("Zset ziplist integrity check failed.")
			}
		}
		return v, nil
	case typeHashZipmap:
		v := s.NewHash(0)
		if err := zipmapEach(blob, func(f, val []byte) error {
			if v.HashSet(f, val) != nil {
				return errCompact
			}
			return nil
		}); err != nil {
			return nil, corrupt("Zipmap integrity check failed.")
		}
		return v, nil
	}
	return nil, corrupt(fmt.Sprintf("Unknown RDB encoding type %d", t))
}

// textDouble reads a score of the old ZSET type (rdbLoadDoubleValue): a
// length byte, 253/254/255 for NaN, +inf and -inf, else that many bytes
// of text.
func (r *reader) textDouble() (float64, error) {
	n, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch n {
	case 255:
		return math.Inf(-1), nil
	case 254:
		return math.Inf(1), nil
	case 253:
		return math.NaN(), nil
	}
	b := make([]byte, n)
	if err := r.full(b); err != nil {
		return 0, err
	}
	f, ok := parseScore(b)
	if !ok {
		return 0, r.fail(ErrCorrupt, "bad double value %q", b)
	}
	return f, nil
}

// parseScore reads a score written as text ("%.17g" and friends, "inf").
func parseScore(b []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return f, true
		}
		return 0, false
	}
	return f, true
}
