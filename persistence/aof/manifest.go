// Package aof reads and writes Redis 7's multi-part append-only file: a
// directory (appenddirname) holding one base file (an RDB image or a
// list of commands), the incremental files of the commands run since,
// and a manifest that names them. The package knows files and bytes, not
// commands' meaning: the server hands it RESP-encoded effects to append,
// and receives the commands back, through a callback, when it loads.
package aof

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FileType is the one-letter type of a manifest line (Redis's
// AOF_FILE_TYPE_*).
type FileType byte

const (
	TypeBase    FileType = 'b' // the snapshot every incr file follows
	TypeHistory FileType = 'h' // replaced by a rewrite, to be deleted
	TypeIncr    FileType = 'i' // commands appended since the base
)

// FileInfo is one line of the manifest.
type FileInfo struct {
	Name string
	Seq  int64
	Type FileType
}

// Manifest lists the files of an append-only directory: at most one base,
// the history files a rewrite left behind, then the incr files in order.
type Manifest struct {
	Base    *FileInfo
	History []FileInfo
	Incr    []FileInfo
}

// ManifestSuffix ends the manifest's name: appendonly.aof.manifest.
const ManifestSuffix = ".manifest"

// manifestMaxLine is Redis's MANIFEST_MAX_LINE.
const manifestMaxLine = 1024

// ManifestName is the manifest's file name for an appendfilename.
func ManifestName(prefix string) string { return prefix + ManifestSuffix }

// BaseName is the name of base file seq: appendonly.aof.3.base.rdb, or
// .base.aof when the base is a list of commands.
func BaseName(prefix string, seq int64, rdb bool) string {
	format := ".aof"
	if rdb {
		format = ".rdb"
	}
	return prefix + "." + strconv.FormatInt(seq, 10) + ".base" + format
}

// IncrName is the name of incr file seq: appendonly.aof.4.incr.aof.
func IncrName(prefix string, seq int64) string {
	return prefix + "." + strconv.FormatInt(seq, 10) + ".incr.aof"
}

// baseSeq and incrSeq are the highest sequence numbers used so far.
func (m *Manifest) baseSeq() int64 {
	if m.Base != nil {
		return m.Base.Seq
	}
	var s int64
	for _, h := range m.History {
		if strings.Contains(h.Name, ".base.") && h.Seq > s {
			s = h.Seq
		}
	}
	return s
}

func (m *Manifest) incrSeq() int64 {
	if n := len(m.Incr); n > 0 {
		return m.Incr[n-1].Seq
	}
	var s int64
	for _, h := range m.History {
		if strings.Contains(h.Name, ".incr.") && h.Seq > s {
			s = h.Seq
		}
	}
	return s
}

// NewBase makes a new base the manifest's base, as Redis's
// getNewBaseFileNameAndMarkPreAsHistory: the old one becomes history.
func (m *Manifest) NewBase(prefix string, rdb bool) FileInfo {
	seq := m.baseSeq() + 1
	if m.Base != nil {
		old := *m.Base
		old.Type = TypeHistory
		m.History = append([]FileInfo{old}, m.History...)
	}
	m.Base = &FileInfo{Name: BaseName(prefix, seq, rdb), Seq: seq, Type: TypeBase}
	return *m.Base
}

// NewIncr appends a new incr file to the manifest and returns it.
func (m *Manifest) NewIncr(prefix string) FileInfo {
	seq := m.incrSeq() + 1
	fi := FileInfo{Name: IncrName(prefix, seq), Seq: seq, Type: TypeIncr}
	m.Incr = append(m.Incr, fi)
	return fi
}

// Clone returns a deep copy.
func (m *Manifest) Clone() *Manifest {
	c := &Manifest{History: append([]FileInfo(nil), m.History...), Incr: append([]FileInfo(nil), m.Incr...)}
	if m.Base != nil {
		b := *m.Base
		c.Base = &b
	}
	return c
}

// Files returns the files to load, in order: the base, then the incr files.
func (m *Manifest) Files() []FileInfo {
	var fs []FileInfo
	if m.Base != nil {
		fs = append(fs, *m.Base)
	}
	return append(fs, m.Incr...)
}

// Encode returns the manifest's text as Redis's getAofManifestAsString
// writes it: base, history, incr, one "file NAME seq N type T" line each,
// the name quoted when it holds spaces or unprintable bytes.
func (m *Manifest) Encode() []byte {
	var b []byte
	line := func(fi FileInfo) {
		b = append(b, "file "...)
		if needsQuotes(fi.Name) {
			b = appendQuoted(b, fi.Name)
		} else {
			b = append(b, fi.Name...)
		}
		b = append(b, " seq "...)
		b = strconv.AppendInt(b, fi.Seq, 10)
		b = append(b, " type "...)
		b = append(b, byte(fi.Type), '\n')
	}
	if m.Base != nil {
		line(*m.Base)
	}
	for _, h := range m.History {
		line(h)
	}
	for _, i := range m.Incr {
		line(i)
	}
	return b
}

// needsQuotes is Redis's sdsneedsrepr, plus the single quote: Redis
// writes a name holding one bare, and then cannot parse its own manifest.
func needsQuotes(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' || c == '"' || c == '\'' || c < 0x21 || c > 0x7e {
			return true
		}
	}
	return false
}

// appendQuoted is Redis's sdscatrepr.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '\a':
			b = append(b, `\a`...)
		case '\b':
			b = append(b, `\b`...)
		default:
			if c < 0x20 || c > 0x7e {
				b = append(b, fmt.Sprintf(`\x%02x`, c)...)
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}

// ManifestError is a manifest Redis would refuse, with the line at fault.
type ManifestError struct {
	Line int    // 1-based; 0 when the error is not about one line
	Text string // the line, trimmed
	Msg  string // Redis's message, e.g. "Invalid AOF manifest file format"
}

func (e *ManifestError) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("%s (manifest line %d: %q)", e.Msg, e.Line, e.Text)
}

// ParseManifest reads a manifest with Redis's rules
// (aofLoadManifestFromFile): '#' lines are comments, each other line is
// an even number (at least six) of words, keys case-insensitive, unknown
// keys ignored; one base at most; incr sequence numbers strictly
// increasing; file names without a directory.
func ParseManifest(r io.Reader) (*Manifest, error) {
	m := &Manifest{}
	br := bufio.NewReaderSize(r, manifestMaxLine+1)
	var maxSeq int64
	lineNum := 0
	for {
		raw, err := readLimitedLine(br, manifestMaxLine)
		if err == io.EOF && len(raw) == 0 {
			if lineNum == 0 {
				return nil, &ManifestError{Msg: "Found an empty AOF manifest"}
			}
			return m, nil
		}
		if err != nil && err != io.EOF {
			if errors.Is(err, errLongLine) {
				return nil, &ManifestError{Line: lineNum + 1, Msg: "The AOF manifest file contains too long line"}
			}
			return nil, &ManifestError{Msg: "Read AOF manifest failed: " + err.Error()}
		}
		lineNum++
		if raw[0] == '#' {
			continue
		}
		if raw[len(raw)-1] != '\n' {
			return nil, &ManifestError{Line: lineNum, Text: string(raw), Msg: "The AOF manifest file contains too long line"}
		}
		text := strings.Trim(string(raw), " \t\r\n")
		bad := func(msg string) error { return &ManifestError{Line: lineNum, Text: text, Msg: msg} }
		if text == "" {
			return nil, bad("Invalid AOF manifest file format")
		}
		words, ok := splitArgs(text)
		if !ok || len(words) < 6 || len(words)%2 != 0 {
			return nil, bad("Invalid AOF manifest file format")
		}
		var fi FileInfo
		for i := 0; i < len(words); i += 2 {
			switch strings.ToLower(words[i]) {
			case "file":
				fi.Name = words[i+1]
				if filepath.Base(fi.Name) != fi.Name || strings.ContainsRune(fi.Name, '/') {
					return nil, bad("File can't be a path, just a filename")
				}
			case "seq":
				fi.Seq = atoll(words[i+1])
			case "type":
				if len(words[i+1]) > 0 {
					fi.Type = FileType(words[i+1][0])
				}
			}
		}
		if fi.Name == "" || fi.Seq == 0 || fi.Type == 0 {
			return nil, bad("Invalid AOF manifest file format")
		}
		switch fi.Type {
		case TypeBase:
			if m.Base != nil {
				return nil, bad("Found duplicate base file information")
			}
			b := fi
			m.Base = &b
		case TypeHistory:
			m.History = append(m.History, fi)
		case TypeIncr:
			if fi.Seq <= maxSeq {
				return nil, bad("Found a non-monotonic sequence number")
			}
			m.Incr = append(m.Incr, fi)
			maxSeq = fi.Seq
		default:
			return nil, bad("Unknown AOF file type")
		}
	}
}

var errLongLine = errors.New("line too long")

// readLimitedLine reads up to and including '\n', like fgets with a
// buffer of max+1: a longer line is an error.
func readLimitedLine(br *bufio.Reader, max int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull || len(line) > max {
		return nil, errLongLine
	}
	return bytes.Clone(line), err
}

// atoll is C's atoll: leading digits, 0 when there are none.
func atoll(s string) int64 {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var n int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int64(s[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}

// splitArgs is Redis's sdssplitargs: words separated by spaces, "double
// quoted" with C escapes and \xHH, or 'single quoted' with only \'; a
// closing quote must be followed by a space or the end.
func splitArgs(s string) ([]string, bool) {
	var words []string
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return words, true
		}
		var w []byte
		inq, insq := false, false
		for done := false; !done; {
			switch {
			case inq:
				if i == len(s) {
					return nil, false
				}
				if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' && isHex(s[i+2]) && isHex(s[i+3]) {
					v, _ := strconv.ParseUint(s[i+2:i+4], 16, 8)
					w = append(w, byte(v))
					i += 3
				} else if s[i] == '\\' && i+1 < len(s) {
					i++
					switch s[i] {
					case 'n':
						w = append(w, '\n')
					case 'r':
						w = append(w, '\r')
					case 't':
						w = append(w, '\t')
					case 'b':
						w = append(w, '\b')
					case 'a':
						w = append(w, '\a')
					default:
						w = append(w, s[i])
					}
				} else if s[i] == '"' {
					if i+1 < len(s) && !isSpace(s[i+1]) {
						return nil, false
					}
					done = true
				} else {
					w = append(w, s[i])
				}
			case insq:
				if i == len(s) {
					return nil, false
				}
				if s[i] == '\\' && i+1 < len(s) && s[i+1] == '\'' {
					i++
					w = append(w, '\'')
				} else if s[i] == '\'' {
					if i+1 < len(s) && !isSpace(s[i+1]) {
						return nil, false
					}
					done = true
				} else {
					w = append(w, s[i])
				}
			default:
				if i == len(s) {
					done = true
					continue
				}
				switch s[i] {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					w = append(w, s[i])
				}
			}
			if i < len(s) {
				i++
			}
		}
		words = append(words, string(w))
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// ReadManifest reads dir/name.
func ReadManifest(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := ParseManifest(f)
	if err != nil {
		return nil, fmt.Errorf("reading AOF manifest %s: %w", path, err)
	}
	return m, nil
}

// WriteManifest replaces dir/name with m atomically, as Redis's
// persistAofManifest: a temp-<name> file written and fsynced, renamed
// over the old one, then the directory fsynced so the rename survives a
// crash.
func WriteManifest(dir, name string, m *Manifest) error {
	tmp := filepath.Join(dir, "temp-"+name)
	if err := writeFileSync(tmp, m.Encode()); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return err
	}
	return SyncDir(dir)
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// SyncDir fsyncs a directory, so that files created or renamed in it
// survive a crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
