package aof

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestManifestRoundTrip(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // "" means same as in
	}{
		{"fresh", "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n", ""},
		{"history", "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.base.rdb seq 1 type h\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\n", ""},
		{"comments and case", "# hi\nFILE a.1.incr.aof SEQ 1 TYPE i\n", "file a.1.incr.aof seq 1 type i\n"},
		{"quoted name", "file \"my aof.1.incr.aof\" seq 1 type i\n", ""},
		{"unknown keys kept compatible", "file x.1.incr.aof seq 1 type i future yes\n", "file x.1.incr.aof seq 1 type i\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == "" {
				want = tt.in
			}
			if got := string(m.Encode()); got != want {
				t.Fatalf("got %q want %q", got, want)
			}
		})
	}
}

func TestManifestErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"", "Found an empty AOF manifest"},
		{"\n", "Invalid AOF manifest file format"},
		{"file a seq 1\n", "Invalid AOF manifest file format"},
		{"file a seq 1 type\n", "Invalid AOF manifest file format"},
		{"file a seq 0 type i\n", "Invalid AOF manifest file format"},
		{"file dir/a seq 1 type i\n", "File can't be a path, just a filename"},
		{"file a seq 1 type b\nfile b seq 2 type b\n", "Found duplicate base file information"},
		{"file a seq 2 type i\nfile b seq 2 type i\n", "Found a non-monotonic sequence number"},
		{"file a seq 1 type x\n", "Unknown AOF file type"},
		{"file a seq 1 type i", "The AOF manifest file contains too long line"},
		{"file " + strings.Repeat("a", 1100) + " seq 1 type i\n", "The AOF manifest file contains too long line"},
		{"file \"a seq 1 type i\n", "Invalid AOF manifest file format"},
	}
	for _, tt := range tests {
		_, err := ParseManifest(strings.NewReader(tt.in))
		var me *ManifestError
		if !errors.As(err, &me) || me.Msg != tt.msg {
			t.Errorf("%q: got %v, want %q", tt.in, err, tt.msg)
		}
	}
}

func TestManifestNewFiles(t *testing.T) {
	m := &Manifest{}
	m.NewBase("appendonly.aof", true)
	m.NewIncr("appendonly.aof")
	if got := string(m.Encode()); got != "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n" {
		t.Fatalf("got %q", got)
	}
	m.NewBase("appendonly.aof", false)
	if m.Base.Name != "appendonly.aof.2.base.aof" || len(m.History) != 1 || m.History[0].Type != TypeHistory {
		t.Fatalf("%+v", m)
	}
	dir := t.TempDir()
	if err := WriteManifest(dir, "appendonly.aof.manifest", m); err != nil {
		t.Fatal(err)
	}
	back, err := ReadManifest(filepath.Join(dir, "appendonly.aof.manifest"))
	if err != nil || !bytes.Equal(back.Encode(), m.Encode()) {
		t.Fatalf("%v %q", err, back.Encode())
	}
}

type recorder struct {
	cmds []string
	rdb  int
	fail string // a command name that fails
}

func (r *recorder) LoadRDB(rd io.Reader, file string) ([]byte, error) {
	_, err := io.Copy(io.Discard, rd)
	r.rdb++
	return nil, err
}

func (r *recorder) Command(args [][]byte) error {
	var parts []string
	for _, a := range args {
		parts = append(parts, string(a))
	}
	s := strings.Join(parts, " ")
	if r.fail != "" && string(args[0]) == r.fail {
		return errors.New("failed " + s)
	}
	r.cmds = append(r.cmds, s)
	return nil
}

func cmds(list ...[]string) []byte {
	var b []byte
	for _, c := range list {
		var args [][]byte
		for _, a := range c {
			args = append(args, []byte(a))
		}
		b = AppendCommand(b, args...)
	}
	return b
}

func writeDir(t *testing.T, files map[string][]byte, m *Manifest) string {
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoad(t *testing.T) {
	set := cmds([]string{"SET", "a", "1"})
	tx := cmds([]string{"MULTI"}, []string{"INCR", "a"}, []string{"EXEC"})
	m := &Manifest{}
	m.NewBase("x", false)
	m.NewIncr("x")
	base, incr := "x.1.base.aof", "x.1.incr.aof"
	tests := []struct {
		name      string
		base      []byte
		incr      []byte
		truncated bool
		want      []string
		err       error
		offset    int64
		file      string
		size      int64 // incr size after load, -1 for unchanged
	}{
		{name: "clean", base: set, incr: tx, want: []string{"SET a 1", "MULTI", "INCR a", "EXEC"}},
		{name: "empty files", base: nil, incr: nil},
		{name: "annotation", base: append([]byte("#TS:123\r\n"), set...), want: []string{"SET a 1"}},
		{name: "torn tail refused", base: set, incr: set[:len(set)-3], err: ErrTruncated, file: incr, offset: 0, want: []string{"SET a 1"}},
		{name: "torn tail trimmed", base: set, incr: append(append([]byte{}, set...), set[:5]...), truncated: true,
			want: []string{"SET a 1", "SET a 1"}, size: int64(len(set))},
		{name: "torn multi trimmed", base: set, incr: append(append([]byte{}, set...), tx[:len(tx)-4]...), truncated: true,
			want: []string{"SET a 1", "SET a 1"}, size: int64(len(set))},
		{name: "open multi at end", base: nil, incr: cmds([]string{"MULTI"}, []string{"INCR", "a"}), err: ErrTruncated, file: incr},
		{name: "torn base refused even when trimming", base: set[:4], incr: set, truncated: true, err: ErrTruncated, file: base},
		{name: "garbage in the middle", base: set, incr: append(append([]byte{}, set...), append([]byte("xyz\r\n"), set...)...),
			truncated: true, err: ErrFormat, file: incr, offset: int64(len(set)), want: []string{"SET a 1", "SET a 1"}},
		{name: "bad bulk length", incr: []byte("*1\r\n$-5\r\n"), err: ErrFormat, file: incr},
		{name: "huge bulk length", incr: []byte("*1\r\n$99999999999\r\n"), err: ErrFormat, file: incr},
		{name: "zero args", incr: []byte("*0\r\n"), err: ErrFormat, file: incr},
		{name: "missing crlf", incr: []byte("*1\r\n$3\r\nSETxx"), err: ErrFormat, file: incr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeDir(t, map[string][]byte{base: tt.base, incr: tt.incr}, m)
			r := &recorder{}
			_, err := Load(dir, m, r, LoadOptions{Truncated: tt.truncated})
			if tt.err == nil && err != nil || tt.err != nil && !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if tt.err != nil {
				var fe *FileError
				if !errors.As(err, &fe) || fe.File != tt.file || fe.Offset != tt.offset {
					t.Fatalf("error %v: want file %s offset %d", err, tt.file, tt.offset)
				}
			}
			if strings.Join(r.cmds, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("got %q want %q", r.cmds, tt.want)
			}
			if tt.size > 0 {
				fi, _ := os.Stat(filepath.Join(dir, incr))
				if fi.Size() != tt.size {
					t.Fatalf("incr is %d bytes, want %d", fi.Size(), tt.size)
				}
			}
		})
	}
}

func TestLoadRDBBase(t *testing.T) {
	m := &Manifest{}
	m.NewBase("x", true)
	m.NewIncr("x")
	dir := writeDir(t, map[string][]byte{"x.1.base.rdb": []byte("REDIS0010\xff"), "x.1.incr.aof": cmds([]string{"DEL", "k"})}, m)
	r := &recorder{}
	if _, err := Load(dir, m, r, LoadOptions{}); err != nil || r.rdb != 1 || len(r.cmds) != 1 {
		t.Fatalf("%v %+v", err, r)
	}
}

func TestHandlerErrorNamesOffset(t *testing.T) {
	m := &Manifest{}
	m.NewIncr("x")
	set := cmds([]string{"SET", "a", "1"})
	dir := writeDir(t, map[string][]byte{"x.1.incr.aof": append(append([]byte{}, set...), cmds([]string{"BOOM"})...)}, m)
	_, err := Load(dir, m, &recorder{fail: "BOOM"}, LoadOptions{})
	var fe *FileError
	if !errors.As(err, &fe) || fe.Offset != int64(len(set)) {
		t.Fatalf("%v", err)
	}
}

// memFile is a File in memory that can be told to fail.
type memFile struct {
	mu      sync.Mutex
	data    []byte
	synced  int
	syncs   atomic.Int64
	writes  atomic.Int64
	failW   atomic.Bool
	failS   atomic.Bool
	delay   time.Duration
	partial bool
}

var errDisk = errors.New("no space left on device")

func (f *memFile) Write(p []byte) (int, error) {
	f.writes.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failW.Load() {
		if f.partial {
			f.data = append(f.data, p[:len(p)/2]...)
			return len(p) / 2, errDisk
		}
		return 0, errDisk
	}
	f.data = append(f.data, p...)
	return len(p), nil
}
func (f *memFile) Sync() error {
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	f.syncs.Add(1)
	if f.failS.Load() {
		return errDisk
	}
	f.mu.Lock()
	f.synced = len(f.data)
	f.mu.Unlock()
	return nil
}
func (f *memFile) Truncate(n int64) error {
	f.mu.Lock()
	f.data = f.data[:n]
	f.mu.Unlock()
	return nil
}
func (f *memFile) Close() error { return nil }

func TestGroupCommit(t *testing.T) {
	f := &memFile{delay: 2 * time.Millisecond}
	w := NewWriter(f, WriterOptions{Fsync: FsyncAlways})
	const clients, each = 16, 20
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				t := w.Append(cmds([]string{"SET", string(rune('a' + c)), string(rune('0' + i%10))}))
				if err := w.Wait(t); err != nil {
					panic(err)
				}
				f.mu.Lock()
				ok := int64(f.synced) >= t
				f.mu.Unlock()
				if !ok {
					panic("acknowledged before fsync")
				}
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := NewReader(bytes.NewReader(f.data))
	n := 0
	for {
		if _, err := r.Next(); err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
		n++
	}
	if n != clients*each {
		t.Fatalf("%d commands in the file, want %d", n, clients*each)
	}
	// 320 commands from 16 clients at once must share fsyncs.
	if s := f.syncs.Load(); s >= clients*each/2 {
		t.Fatalf("%d fsyncs for %d commands: no group commit", s, clients*each)
	}
}

func TestWriteErrorAlways(t *testing.T) {
	for _, partial := range []bool{false, true} {
		f := &memFile{partial: partial}
		w := NewWriter(f, WriterOptions{Fsync: FsyncAlways, RetryEvery: time.Millisecond})
		ok := cmds([]string{"SET", "a", "1"})
		if err := w.Wait(w.Append(ok)); err != nil {
			t.Fatal(err)
		}
		f.failW.Store(true)
		if err := w.Wait(w.Append(ok)); !errors.Is(err, errDisk) {
			t.Fatalf("wait on a failing disk: %v", err)
		}
		if w.Err() == nil {
			t.Fatal("Err() nil after a failed write")
		}
		f.failW.Store(false)
		tk := w.Append(ok)
		deadline := time.Now().Add(5 * time.Second)
		for w.Wait(tk) != nil {
			if time.Now().After(deadline) {
				t.Fatal("never recovered")
			}
			time.Sleep(time.Millisecond)
		}
		if w.Err() != nil {
			t.Fatal("error kept after recovery")
		}
		w.Close()
		if !bytes.Equal(f.data, bytes.Repeat(ok, 3)) {
			t.Fatalf("partial=%v: file %q", partial, f.data)
		}
	}
}

func TestFsyncErrorAlways(t *testing.T) {
	f := &memFile{}
	f.failS.Store(true)
	w := NewWriter(f, WriterOptions{Fsync: FsyncAlways, RetryEvery: time.Hour})
	if err := w.Wait(w.Append(cmds([]string{"PING"}))); !errors.Is(err, errDisk) {
		t.Fatalf("%v", err)
	}
}

func TestEverysecWaitsForWriteOnly(t *testing.T) {
	f := &memFile{}
	w := NewWriter(f, WriterOptions{Fsync: FsyncEverySec})
	defer w.Close()
	tk := w.Append(cmds([]string{"SET", "a", "1"}))
	if err := w.Wait(tk); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	n := len(f.data)
	f.mu.Unlock()
	if int64(n) < tk {
		t.Fatal("Wait returned before the write")
	}
}

// TestSlowFsyncWarning: an everysec fsync running for more than two
// seconds gets Redis's warning, at most once every five seconds.
func TestSlowFsyncWarning(t *testing.T) {
	var warned []string
	w := NewWriter(&memFile{}, WriterOptions{Fsync: FsyncEverySec, Warn: func(m string) { warned = append(warned, m) }})
	defer w.Close()
	now := time.Unix(1000, 0)
	w.mu.Lock()
	w.now = func() time.Time { return now }
	w.syncing, w.syncStart = true, now.Add(-time.Second)
	w.mu.Unlock()
	if w.SlowFsync() {
		t.Fatal("slow after 1s")
	}
	now = now.Add(2 * time.Second)
	if !w.SlowFsync() || !w.SlowFsync() {
		t.Fatal("not slow after 3s")
	}
	if len(warned) != 1 || !strings.HasPrefix(warned[0], "Asynchronous AOF fsync is taking too long (disk is busy?).") {
		t.Fatalf("warnings %q", warned)
	}
	now = now.Add(5 * time.Second)
	w.SlowFsync()
	w.mu.Lock()
	w.syncing = false
	w.mu.Unlock()
	if len(warned) != 2 {
		t.Fatalf("warnings %q", warned)
	}
}

// TestWriterLatency: under appendfsync always each batch reports its
// write (as aof-write and aof-write-alone) and its fsync.
func TestWriterLatency(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	f := &memFile{}
	w := NewWriter(f, WriterOptions{Fsync: FsyncAlways, Latency: func(event string, d time.Duration) {
		mu.Lock()
		seen[event]++
		mu.Unlock()
	}})
	defer w.Close()
	if err := w.Wait(w.Append([]byte("*1\r\n$4\r\nPING\r\n"))); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, ev := range []string{"aof-write", "aof-write-alone", "aof-fsync-always"} {
		if seen[ev] < 1 {
			t.Errorf("no %s event: %v", ev, seen)
		}
	}
	if seen["aof-write-pending-fsync"] != 0 {
		t.Errorf("a pending fsync with appendfsync always: %v", seen)
	}
}

// TestWriterLatencyOn: with LatencyOn saying no, the writer reports
// nothing (and reads no clock for it); once it says yes, it reports.
func TestWriterLatencyOn(t *testing.T) {
	var mu sync.Mutex
	seen := 0
	var on atomic.Bool
	w := NewWriter(&memFile{}, WriterOptions{Fsync: FsyncAlways,
		Latency:   func(string, time.Duration) { mu.Lock(); seen++; mu.Unlock() },
		LatencyOn: on.Load})
	defer w.Close()
	ping := []byte("*1\r\n$4\r\nPING\r\n")
	if err := w.Wait(w.Append(ping)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if seen != 0 {
		t.Errorf("%d events while LatencyOn said no", seen)
	}
	mu.Unlock()
	on.Store(true)
	if err := w.Wait(w.Append(ping)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen < 3 {
		t.Errorf("%d events once LatencyOn said yes, want the write's two and the fsync's", seen)
	}
}
