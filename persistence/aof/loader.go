package aof

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// MaxBulk bounds one argument's declared length, as Redis's
// proto-max-bulk-len (512mb): a larger length is a format error, and no
// buffer is ever sized by a declared length beyond what has been read.
const MaxBulk = 512 << 20

// MaxArgs bounds a command's declared argument count.
const MaxArgs = 1 << 24

// ErrTruncated: the file ends in the middle of a command (or of a
// MULTI/EXEC block). Offset is where the last complete command ended.
var ErrTruncated = errors.New("unexpected end of file")

// ErrFormat: the file holds bytes that are not a command.
var ErrFormat = errors.New("bad file format")

// FileError locates a loading problem: Err is ErrTruncated, ErrFormat,
// an I/O error or the handler's error, Offset the byte offset in File.
type FileError struct {
	File   string
	Offset int64
	Err    error
}

func (e *FileError) Error() string {
	return fmt.Sprintf("loading AOF file %s at offset %d: %v", e.File, e.Offset, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// Handler receives what a load finds.
type Handler interface {
	// LoadRDB reads an RDB image from r: a base file in RDB format, or
	// the preamble of an old single-file AOF. It returns the bytes it read
	// from r past the image's end (rdb.LoadStats.Rest): the start of the
	// commands that may follow a preamble.
	LoadRDB(r io.Reader, file string) (rest []byte, err error)
	// Command runs one command; args are valid only during the call.
	// The commands of a MULTI/EXEC block arrive only once its EXEC has
	// been read, MULTI and EXEC included, so that a block torn by a crash
	// is never half applied.
	Command(args [][]byte) error
}

// Reader reads commands in RESP (the "*N\r\n$L\r\n..." form the AOF
// holds) and tracks the offset of the last complete one.
type Reader struct {
	br   *bufio.Reader
	off  int64 // bytes consumed
	args [][]byte
	buf  []byte
	ends []int
}

// NewReader reads commands from r.
func NewReader(r io.Reader) *Reader { return &Reader{br: bufio.NewReaderSize(r, 64<<10)} }

// Offset is the number of bytes consumed so far: after a successful
// Next, the end of that command.
func (r *Reader) Offset() int64 { return r.off }

// Next returns the next command, io.EOF at a clean end, ErrTruncated at
// a torn one and ErrFormat at garbage. The arguments alias a buffer that
// the next call reuses. Lines starting with '#' are annotations and are
// skipped, as Redis does.
func (r *Reader) Next() ([][]byte, error) {
	for {
		line, err := r.line()
		if err != nil {
			if err == io.EOF && len(line) == 0 {
				return nil, io.EOF
			}
			return nil, err
		}
		if len(line) == 0 {
			return nil, ErrFormat
		}
		if line[0] == '#' {
			r.off += int64(len(line)) + 2
			continue
		}
		start := r.off
		r.off += int64(len(line)) + 2
		if line[0] != '*' {
			r.off = start
			return nil, ErrFormat
		}
		n, ok := parseLen(line[1:])
		if !ok || n < 1 || n > MaxArgs {
			r.off = start
			return nil, ErrFormat
		}
		r.buf = r.buf[:0]
		ends := r.ends[:0]
		for range n {
			hdr, err := r.line()
			if err != nil {
				r.off = start
				return nil, truncatedOr(err)
			}
			r.off += int64(len(hdr)) + 2
			if len(hdr) == 0 || hdr[0] != '$' {
				r.off = start
				return nil, ErrFormat
			}
			l, ok := parseLen(hdr[1:])
			if !ok || l < 0 || l > MaxBulk {
				r.off = start
				return nil, ErrFormat
			}
			if err := r.bulk(l); err != nil {
				r.off = start
				return nil, err
			}
			r.off += int64(l) + 2
			ends = append(ends, len(r.buf))
		}
		r.ends = ends
		r.args = r.args[:0]
		prev := 0
		for _, e := range ends {
			r.args = append(r.args, r.buf[prev:e:e])
			prev = e
		}
		return r.args, nil
	}
}

// line reads one CRLF- or LF-terminated line without its terminator.
// The offset accounting assumes CRLF, which is what AOF files hold; a
// bare LF is a format error later (the '*' or '$' check still passes, but
// the bulk's CRLF check fails), which is stricter than Redis's fgets.
func (r *Reader) line() ([]byte, error) {
	l, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, ErrFormat
	}
	if err != nil {
		if len(l) > 0 {
			return l, truncatedOr(io.ErrUnexpectedEOF)
		}
		return nil, err
	}
	if len(l) < 2 || l[len(l)-2] != '\r' {
		return nil, ErrFormat
	}
	return l[:len(l)-2], nil
}

// bulk appends l bytes and checks the CRLF after them, growing the
// buffer only as bytes arrive.
func (r *Reader) bulk(l int) error {
	for l > 0 {
		chunk := min(l, 1<<20)
		at := len(r.buf)
		r.buf = slices.Grow(r.buf, chunk)[:at+chunk]
		if _, err := io.ReadFull(r.br, r.buf[at:]); err != nil {
			return truncatedOr(err)
		}
		l -= chunk
	}
	for _, want := range [2]byte{'\r', '\n'} {
		c, err := r.br.ReadByte()
		if err != nil {
			return truncatedOr(err)
		}
		if c != want {
			return ErrFormat
		}
	}
	return nil
}

func truncatedOr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return ErrTruncated
	}
	return err
}

// parseLen reads a RESP length: optional '-', digits, at most 18 of them.
func parseLen(b []byte) (int, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// LoadOptions are how damage is handled.
type LoadOptions struct {
	// Truncated is aof-load-truncated: a torn end of the LAST file is cut
	// off (the file is truncated on disk at the last complete command)
	// and loading succeeds.
	Truncated bool
	// Warn is told of what Redis logs as warnings; nil for none.
	Warn func(msg string)
	// Progress, if set, is told now and then how many bytes of all the
	// files have been loaded, for INFO's loading_* fields.
	Progress func(loaded int64)
	// Loaded, if set, is told of each file once it has loaded, and how
	// long it took (Redis logs "DB loaded from base file ...").
	Loaded func(fi FileInfo, took time.Duration)
}

// LoadStats is what a load did.
type LoadStats struct {
	Commands  int64
	Bytes     int64
	Truncated bool // a torn tail was cut
}

// Load replays the files of m from dir into h: the base (an RDB image if
// it starts with "REDIS", else commands), then each incr file. A torn
// end is accepted only in the last file and only with opts.Truncated, as
// Redis's loadAppendOnlyFiles. Empty files are skipped.
func Load(dir string, m *Manifest, h Handler, opts LoadOptions) (LoadStats, error) {
	var st LoadStats
	files := m.Files()
	for i, fi := range files {
		last := i == len(files)-1
		start := time.Now()
		if err := loadFile(filepath.Join(dir, fi.Name), fi.Name, last, h, opts, &st); err != nil {
			return st, err
		}
		if opts.Loaded != nil {
			opts.Loaded(fi, time.Since(start))
		}
	}
	return st, nil
}

func loadFile(path, name string, last bool, h Handler, opts LoadOptions, st *LoadStats) error {
	f, err := os.Open(path)
	if err != nil {
		return &FileError{File: name, Err: err}
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	sig, _ := br.Peek(5)
	// As Redis's loadSingleAppendOnlyFile, a file that starts with an RDB
	// image (a .base.rdb, or an old appendonly.aof with its preamble) is
	// read as one, then whatever commands follow it.
	var cmds io.Reader = br
	var start int64 // the commands' offset in the file
	if bytes.Equal(sig, []byte("REDIS")) {
		cr := &countingReader{r: br}
		rest, err := h.LoadRDB(cr, name)
		if err != nil {
			return &FileError{File: name, Offset: cr.n, Err: err}
		}
		start = cr.n - int64(len(rest))
		st.Bytes += start
		cmds = io.MultiReader(bytes.NewReader(rest), br)
	}
	var progress func(int64)
	if opts.Progress != nil {
		before := st.Bytes
		progress = func(off int64) { opts.Progress(before + off) }
	}
	res := replay(cmds, h, progress)
	res.valid += start
	st.Commands += res.commands
	st.Bytes += res.valid - start
	if res.err == nil {
		return nil
	}
	if errors.Is(res.err, ErrTruncated) && last && opts.Truncated {
		warn(opts, fmt.Sprintf("!!! Warning: short read while loading the AOF file %s!!!", name))
		warn(opts, fmt.Sprintf("!!! Truncating the AOF %s at offset %d !!!", name, res.valid))
		if err := os.Truncate(path, res.valid); err != nil {
			return &FileError{File: name, Offset: res.valid, Err: fmt.Errorf("truncating: %w", err)}
		}
		warn(opts, fmt.Sprintf("AOF %s loaded anyway because aof-load-truncated is enabled", name))
		st.Truncated = true
		return nil
	}
	return &FileError{File: name, Offset: res.valid, Err: res.err}
}

func warn(opts LoadOptions, msg string) {
	if opts.Warn != nil {
		opts.Warn(msg)
	}
}

type replayResult struct {
	commands int64
	valid    int64 // offset after the last command applied
	err      error
}

// replay runs the commands of r, holding back a MULTI/EXEC block until
// its EXEC. A block still open at the end is a torn end (Redis's "Revert
// incomplete MULTI/EXEC transaction").
func replay(r io.Reader, h Handler, progress func(int64)) replayResult {
	rd := NewReader(r)
	var res replayResult
	var block [][][]byte // a MULTI block, copied, MULTI first
	for n := 0; ; n++ {
		if progress != nil && n%1024 == 0 {
			progress(rd.Offset())
		}
		args, err := rd.Next()
		if err == io.EOF {
			if block != nil {
				res.err = ErrTruncated
			}
			return res
		}
		if err != nil {
			res.err = err
			return res
		}
		switch {
		case isName(args[0], "multi") && block == nil:
			block = [][][]byte{cloneArgs(args)}
		case block != nil && isName(args[0], "exec"):
			block = append(block, args)
			for _, a := range block {
				if err := h.Command(a); err != nil {
					res.err = err
					return res
				}
				res.commands++
			}
			block = nil
			res.valid = rd.Offset()
		case block != nil:
			block = append(block, cloneArgs(args))
		default:
			if err := h.Command(args); err != nil {
				res.err = err
				return res
			}
			res.commands++
			res.valid = rd.Offset()
		}
	}
}

func cloneArgs(args [][]byte) [][]byte {
	c := make([][]byte, len(args))
	for i, a := range args {
		c[i] = bytes.Clone(a)
	}
	return c
}

func isName(b []byte, name string) bool {
	return len(b) == len(name) && string(bytes.ToLower(b)) == name
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// AppendCommand appends args to b as a RESP array of bulk strings, the
// form every AOF command takes.
func AppendCommand(b []byte, args ...[]byte) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

// Verify reads a file of commands to its end without running them and
// returns the offset after the last complete command (or MULTI/EXEC
// block), how many commands that covers, and the problem found there:
// nil, ErrTruncated or ErrFormat. It is what ember-check-aof reports.
func Verify(r io.Reader) (valid, commands int64, err error) {
	res := replay(r, nopHandler{}, nil)
	return res.valid, res.commands, res.err
}

type nopHandler struct{}

func (nopHandler) LoadRDB(io.Reader, string) ([]byte, error) { return nil, nil }
func (nopHandler) Command([][]byte) error                    { return nil }
