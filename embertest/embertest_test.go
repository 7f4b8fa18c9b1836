package embertest_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emberkv/ember/embertest"
	"github.com/emberkv/ember/store"
	"github.com/redis/go-redis/v9"
)

// start is the manual clock's reading in the tests: a whole second, so that
// TTL and EXPIRETIME replies are exact.
var start = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// bothClocks are the two ways a test server keeps time, for tests that
// must hold on either.
var bothClocks = []struct {
	name string
	opts []embertest.Option
}{
	{"manual clock", []embertest.Option{embertest.WithManualClock(start)}},
	{"wall clock", nil},
}

// newClient returns a go-redis client for s, closed when t ends.
func newClient(t testing.TB, s *embertest.Server, proto int) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: proto, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// ctx bounds every call a test makes over the wire.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// rawConn is a bare connection that sends one command and reads its reply
// as raw RESP, for replies that must be exact byte for byte.
type rawConn struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawConn{t: t, conn: conn, r: bufio.NewReader(conn)}
}

// do sends args as a RESP array and returns the reply: one line, or two
// for a bulk string.
func (c *rawConn) do(args ...string) string {
	c.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	c.conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.conn.Write([]byte(b.String())); err != nil {
		c.t.Fatalf("write %v: %v", args, err)
	}
	line, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read reply to %v: %v", args, err)
	}
	if strings.HasPrefix(line, "$") && line != "$-1\r\n" {
		next, err := c.r.ReadString('\n')
		if err != nil {
			c.t.Fatalf("read bulk of %v: %v", args, err)
		}
		line += next
	}
	return line
}

// closedByServer reports whether the server has closed c (rather than
// leaving it open and silent).
func (c *rawConn) closedByServer() bool {
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.r.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// dialFails reports whether nothing accepts connections at addr.
func dialFails(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return true
	}
	conn.Close()
	return false
}

// eventually polls cond for up to 5 seconds: for what the server does a
// moment after the test acts (a client's close reaching it, the wall-clock
// sweeper).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// recorder is a testing.TB that records what CheckGet and CheckTTL report.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestRunServesOnLoopback(t *testing.T) {
	s := embertest.Run(t)
	if s.Host() != "127.0.0.1" {
		t.Errorf("Host() = %q, want 127.0.0.1", s.Host())
	}
	if s.Port() == "" || s.Port() == "0" {
		t.Errorf("Port() = %q, want the chosen port", s.Port())
	}
	if want := net.JoinHostPort(s.Host(), s.Port()); s.Addr() != want {
		t.Errorf("Addr() = %q, want %q", s.Addr(), want)
	}
	for _, proto := range []int{2, 3} {
		rdb := newClient(t, s, proto)
		if got, err := rdb.Ping(ctx(t)).Result(); err != nil || got != "PONG" {
			t.Fatalf("RESP%d PING = %q, %v", proto, got, err)
		}
		if err := rdb.Set(ctx(t), "k", "v", 0).Err(); err != nil {
			t.Fatalf("RESP%d SET: %v", proto, err)
		}
		s.CheckGet(t, "k", "v")
	}
}

func TestRunTIsRun(t *testing.T) {
	s := embertest.RunT(t)
	if got := dialRaw(t, s.Addr()).do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING = %q", got)
	}
}

func TestCleanupClosesListenerAndConnections(t *testing.T) {
	var addr string
	var conn *rawConn
	t.Run("inner", func(t *testing.T) {
		s := embertest.Run(t)
		addr = s.Addr()
		conn = dialRaw(t, addr)
		if got := conn.do("PING"); got != "+PONG\r\n" {
			t.Fatalf("PING = %q", got)
		}
	})
	if !dialFails(addr) {
		t.Errorf("dial %s succeeded after the subtest's cleanup", addr)
	}
	if !conn.closedByServer() {
		t.Errorf("a connection opened in the subtest is still open")
	}
}

func TestNewAndClose(t *testing.T) {
	s, err := embertest.New()
	if err != nil {
		t.Fatal(err)
	}
	if dialFails(s.Addr()) {
		t.Fatalf("cannot dial %s", s.Addr())
	}
	if err := s.Set("k", "v"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close() // a second Close does nothing
	if !dialFails(s.Addr()) {
		t.Errorf("dial %s succeeded after Close", s.Addr())
	}
	s.CheckGet(t, "k", "v") // the data stays readable
}

func TestNewFails(t *testing.T) {
	taken := embertest.Run(t)
	tests := []struct {
		name string
		opts []embertest.Option
		want string
	}{
		{"zero databases", []embertest.Option{embertest.WithDatabases(0)}, "databases must be at least 1"},
		{"negative databases", []embertest.Option{embertest.WithDatabases(-3)}, "databases must be at least 1"},
		{"address in use", []embertest.Option{embertest.WithAddr(taken.Addr())}, "address already in use"},
		{"bad address", []embertest.Option{embertest.WithAddr("127.0.0.1:99999")}, "invalid port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := embertest.New(tt.opts...)
			if err == nil {
				s.Close()
				t.Fatalf("New succeeded, want an error containing %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), "embertest: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want \"embertest: ...%s...\"", err, tt.want)
			}
		})
	}
}

func TestWithPassword(t *testing.T) {
	s := embertest.Run(t, embertest.WithPassword("sesame"))
	c := dialRaw(t, s.Addr())
	steps := []struct{ cmd, want string }{
		{"GET k", "-NOAUTH Authentication required.\r\n"},
		{"AUTH wrong", "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{"AUTH sesame", "+OK\r\n"},
		{"GET k", "$-1\r\n"},
	}
	for _, st := range steps {
		if got := c.do(strings.Fields(st.cmd)...); got != st.want {
			t.Errorf("%s = %q, want %q", st.cmd, got, st.want)
		}
	}
	// go-redis authenticates through HELLO 3 AUTH.
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), Password: "sesame"})
	defer rdb.Close()
	if err := rdb.Set(ctx(t), "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET with the password: %v", err)
	}
	// The direct accessors need no password.
	s.CheckGet(t, "k", "v")
}

func TestWithDatabases(t *testing.T) {
	s := embertest.Run(t, embertest.WithDatabases(2))
	if s.DB(1) == nil || s.DB(2) != nil {
		t.Fatalf("DB(1) = %v, DB(2) = %v; want a database, then nil", s.DB(1), s.DB(2))
	}
	c := dialRaw(t, s.Addr())
	if got := c.do("SELECT", "1"); got != "+OK\r\n" {
		t.Errorf("SELECT 1 = %q", got)
	}
	if got := c.do("SELECT", "2"); got != "-ERR DB index is out of range\r\n" {
		t.Errorf("SELECT 2 = %q", got)
	}
	for name, f := range map[string]func(){
		"Keys(2)":   func() { s.Keys(2) },
		"Select(2)": func() { s.Select(2) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "no database 2 (the server has 2)") {
					t.Errorf("%s: panic %v, want \"no database 2 (the server has 2)\"", name, r)
				}
			}()
			f()
		}()
	}
}

func TestWithAddr(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := embertest.Run(t, embertest.WithAddr(addr))
	if s.Addr() != addr {
		t.Fatalf("Addr() = %q, want %q", s.Addr(), addr)
	}
}

func TestManualClockNowFastForwardSetTime(t *testing.T) {
	s := embertest.Run(t, embertest.WithManualClock(start))
	steps := []struct {
		name string
		move func()
		want time.Time
	}{
		{"at start", func() {}, start},
		{"FastForward 1.5s", func() { s.FastForward(1500 * time.Millisecond) }, start.Add(1500 * time.Millisecond)},
		{"FastForward 0", func() { s.FastForward(0) }, start.Add(1500 * time.Millisecond)},
		{"FastForward -500ms", func() { s.FastForward(-500 * time.Millisecond) }, start.Add(time.Second)},
		{"SetTime", func() { s.SetTime(start.Add(time.Hour)) }, start.Add(time.Hour)},
	}
	for _, st := range steps {
		st.move()
		if got := s.Now(); !got.Equal(st.want) {
			t.Errorf("%s: Now() = %v, want %v", st.name, got, st.want)
		}
	}
}

func TestManualClockZeroStartIsNow(t *testing.T) {
	before := time.Now()
	s := embertest.Run(t, embertest.WithManualClock(time.Time{}))
	after := time.Now()
	if now := s.Now(); now.Before(before) || now.After(after) {
		t.Fatalf("Now() = %v, want between %v and %v", now, before, after)
	}
}

// With a manual clock nothing moves on its own: a key with 1ms to live
// keeps exactly 1ms however long the test takes.
func TestManualClockStandsStill(t *testing.T) {
	s := embertest.Run(t, embertest.WithManualClock(start))
	s.Set("k", "v")
	s.SetTTL("k", time.Millisecond)
	for i := 0; i < 3; i++ {
		runtimeWork()
		if got := s.DB(0).PTTL("k"); got != 1 {
			t.Fatalf("PTTL = %d, want 1", got)
		}
	}
	s.FastForward(time.Millisecond)
	if s.Exists("k") {
		t.Fatal("k exists after its TTL passed")
	}
}

// runtimeWork spends a little real time without sleeping.
func runtimeWork() {
	ch := make(chan int)
	for i := 0; i < 1000; i++ {
		go func() { ch <- 1 }()
		<-ch
	}
}

// The store-level view of TTLs under the manual clock: PTTL, ExpireTime
// and the TTL shortcut are exact, and move by exactly what FastForward
// moves.
func TestManualClockStoreTTLs(t *testing.T) {
	s := embertest.Run(t, embertest.WithManualClock(start))
	db := s.DB(0)
	at := func(d time.Duration) int64 { return start.Add(d).UnixMilli() }
	db.Set("ten", []byte("v"), store.SetOptions{ExpireAt: at(10 * time.Second)})
	db.Set("px", []byte("v"), store.SetOptions{ExpireAt: at(1500 * time.Millisecond)})
	db.Set("forever", []byte("v"), store.SetOptions{})
	tests := []struct {
		key        string
		ff         time.Duration // moved before this row, cumulative
		pttl, when int64
		ttl        time.Duration
	}{
		{"ten", 0, 10000, at(10 * time.Second), 10 * time.Second},
		{"px", 0, 1500, at(1500 * time.Millisecond), 1500 * time.Millisecond},
		{"forever", 0, store.NoTTL, store.NoTTL, 0},
		{"missing", 0, store.NoKey, store.NoKey, 0},
		{"ten", time.Second, 9000, at(10 * time.Second), 9 * time.Second},
		{"px", 0, 500, at(1500 * time.Millisecond), 500 * time.Millisecond},
		{"px", 500 * time.Millisecond, store.NoKey, store.NoKey, 0},
		{"ten", 0, 8500, at(10 * time.Second), 8500 * time.Millisecond},
		{"forever", time.Hour, store.NoTTL, store.NoTTL, 0},
		{"ten", 0, store.NoKey, store.NoKey, 0},
	}
	for i, tt := range tests {
		s.FastForward(tt.ff)
		if got := db.PTTL(tt.key); got != tt.pttl {
			t.Errorf("row %d: PTTL(%s) = %d, want %d", i, tt.key, got, tt.pttl)
		}
		if got := db.ExpireTime(tt.key); got != tt.when {
			t.Errorf("row %d: ExpireTime(%s) = %d, want %d", i, tt.key, got, tt.when)
		}
		if got := s.TTL(tt.key); got != tt.ttl {
			t.Errorf("row %d: TTL(%s) = %v, want %v", i, tt.key, got, tt.ttl)
		}
	}
}

// Over the wire, with go-redis, in both protocols: SET with EX, PX, EXAT
// and PXAT, then TTL, PTTL and EXPIRETIME as the manual clock moves. This
// needs the full SET and the TTL commands.
func TestManualClockOverTheWire(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			s := embertest.Run(t, embertest.WithManualClock(start))
			rdb := newClient(t, s, proto)
			c := ctx(t)
			startMs := start.UnixMilli()
			sets := []struct {
				key string
				do  func() error
			}{
				{"ex", func() error { return rdb.Set(c, "ex", "v", 10*time.Second).Err() }},        // SET ex v ex 10
				{"px", func() error { return rdb.Set(c, "px", "v", 1500*time.Millisecond).Err() }}, // SET px v px 1500
				{"exat", func() error {
					return rdb.SetArgs(c, "exat", "v", redis.SetArgs{ExpireAt: start.Add(20 * time.Second)}).Err()
				}},
				{"pxat", func() error { return rdb.Do(c, "SET", "pxat", "v", "PXAT", startMs+30700).Err() }},
				{"plain", func() error { return rdb.Set(c, "plain", "v", 0).Err() }},
			}
			for _, st := range sets {
				if err := st.do(); err != nil {
					t.Fatalf("SET %s: %v", st.key, err)
				}
			}
			type want struct{ ttl, pttl, expiretime int64 }
			gone := want{-2, -2, -2}
			tests := []struct {
				ff   time.Duration // moved before this row
				key  string
				want want
			}{
				{0, "ex", want{10, 10000, startMs/1000 + 10}},
				{0, "px", want{2, 1500, startMs/1000 + 2}}, // TTL and EXPIRETIME round to the nearest second, as Redis
				{0, "exat", want{20, 20000, startMs/1000 + 20}},
				{0, "pxat", want{31, 30700, startMs/1000 + 31}},
				{0, "plain", want{-1, -1, -1}},
				{0, "missing", gone},
				{1499 * time.Millisecond, "px", want{0, 1, startMs/1000 + 2}},
				{time.Millisecond, "px", gone},
				{3500 * time.Millisecond, "ex", want{5, 5000, startMs/1000 + 10}},
				{5 * time.Second, "ex", gone},
				{0, "exat", want{10, 10000, startMs/1000 + 20}},
				{10 * time.Second, "exat", gone},
				{0, "pxat", want{11, 10700, startMs/1000 + 31}},
				{time.Hour, "pxat", gone},
				{0, "plain", want{-1, -1, -1}},
			}
			for i, tt := range tests {
				s.FastForward(tt.ff)
				var got want
				var err error
				if got.ttl, err = rdb.Do(c, "TTL", tt.key).Int64(); err != nil {
					t.Fatalf("row %d: TTL %s: %v", i, tt.key, err)
				}
				if got.pttl, err = rdb.Do(c, "PTTL", tt.key).Int64(); err != nil {
					t.Fatalf("row %d: PTTL %s: %v", i, tt.key, err)
				}
				if got.expiretime, err = rdb.Do(c, "EXPIRETIME", tt.key).Int64(); err != nil {
					t.Fatalf("row %d: EXPIRETIME %s: %v", i, tt.key, err)
				}
				if got != tt.want {
					t.Errorf("row %d, %s after %v: TTL, PTTL, EXPIRETIME = %v, want %v", i, tt.key, s.Now().Sub(start), got, tt.want)
				}
				if tt.want == gone {
					if err := rdb.Get(c, tt.key).Err(); err != redis.Nil {
						t.Errorf("row %d: GET %s = %v, want nil", i, tt.key, err)
					}
				}
			}
			if got := s.Keys(0); !slices.Equal(got, []string{"plain"}) {
				t.Errorf("Keys(0) = %q, want [plain]", got)
			}
		})
	}
}

// FastForward removes what expired (from the store, not only from view:
// DB.Size counts what it holds) and keeps the rest, with a manual clock
// and with the wall clock alike.
func TestFastForwardRemovesExpiredKeepsOthers(t *testing.T) {
	ttls := map[string]time.Duration{"1h": time.Hour, "5h": 5 * time.Hour, "10h": 10 * time.Hour, "none": 0}
	tests := []struct {
		ff   time.Duration
		left []string
	}{
		{0, []string{"10h", "1h", "5h", "none"}},
		{59 * time.Minute, []string{"10h", "1h", "5h", "none"}},
		{time.Hour, []string{"10h", "5h", "none"}},
		{7 * time.Hour, []string{"10h", "none"}},
		{100 * time.Hour, []string{"none"}},
	}
	for _, clk := range bothClocks {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%v", clk.name, tt.ff), func(t *testing.T) {
				s := embertest.Run(t, clk.opts...)
				for k, d := range ttls {
					s.Set(k, "v")
					if d > 0 {
						s.SetTTL(k, d)
					}
				}
				s.FastForward(tt.ff)
				if got := s.Keys(0); !slices.Equal(got, tt.left) {
					t.Errorf("Keys(0) = %q, want %q", got, tt.left)
				}
				if got := s.DB(0).Size(); got != len(tt.left) {
					t.Errorf("DB(0).Size() = %d, want %d: expired keys were hidden, not removed", got, len(tt.left))
				}
			})
		}
	}
}

// Without a manual clock keys expire in real time, and the background
// sweep reclaims them without anyone touching them. The subject is the
// wall clock, so this test waits (briefly, with a deadline).
func TestWallClockExpiresInRealTime(t *testing.T) {
	s := embertest.Run(t)
	db := s.DB(0)
	db.Set("short", []byte("v"), store.SetOptions{ExpireAt: time.Now().Add(20 * time.Millisecond).UnixMilli()})
	db.Set("long", []byte("v"), store.SetOptions{ExpireAt: time.Now().Add(time.Hour).UnixMilli()})
	eventually(t, "the sweeper to reclaim the expired key", func() bool { return db.Size() == 1 })
	if s.Exists("short") || !s.Exists("long") {
		t.Fatalf("Keys(0) = %q, want [long]", s.Keys(0))
	}
}

func TestDirectAccessors(t *testing.T) {
	s := embertest.Run(t, embertest.WithManualClock(start), embertest.WithDatabases(4))
	steps := []struct {
		name string
		do   func() any
		want any
	}{
		{"Get missing", func() any { _, err := s.Get("k"); return err }, embertest.ErrKeyNotFound},
		{"Set", func() any { return s.Set("k", "v") }, nil},
		{"Get", func() any { v, _ := s.Get("k"); return v }, "v"},
		{"Exists", func() any { return s.Exists("k") }, true},
		{"TTL without one", func() any { return s.TTL("k") }, time.Duration(0)},
		{"SetTTL", func() any { return s.SetTTL("k", time.Minute) }, true},
		{"TTL", func() any { return s.TTL("k") }, time.Minute},
		{"SetTTL missing", func() any { return s.SetTTL("nope", time.Minute) }, false},
		{"Set drops the TTL", func() any { s.Set("k", "w"); return s.TTL("k") }, time.Duration(0)},
		{"SetTTL 0 deletes", func() any { return s.SetTTL("k", 0) }, true},
		{"gone", func() any { return s.Exists("k") }, false},
		{"Del missing", func() any { return s.Del("k") }, false},
		{"Del", func() any { s.Set("k", "v"); return s.Del("k") }, true},
		{"Keys sorted", func() any {
			for _, k := range []string{"b", "c", "a"} {
				s.Set(k, k)
			}
			return s.Keys(0)
		}, []string{"a", "b", "c"}},
		{"Select 2", func() any { s.Select(2); s.Set("in2", "x"); return s.Keys(2) }, []string{"in2"}},
		{"Select reads db 2", func() any { return s.Exists("a") }, false},
		{"DB(2) is the selected one", func() any { v, ok, _ := s.DB(2).Get("in2"); return fmt.Sprintf("%s %v", v, ok) }, "x true"},
		{"FlushDB flushes only the selected", func() any { s.FlushDB(); return fmt.Sprint(s.Keys(0), s.Keys(2)) }, "[a b c] []"},
		{"FlushAll", func() any { s.Select(3); s.Set("in3", "x"); s.FlushAll(); return fmt.Sprint(s.Keys(0), s.Keys(3)) }, "[] []"},
		{"Store is the store", func() any { return s.Store().DB(1) == s.DB(1) }, true},
	}
	for _, st := range steps {
		got := st.do()
		if fmt.Sprint(got) != fmt.Sprint(st.want) {
			t.Errorf("%s = %v, want %v", st.name, got, st.want)
		}
	}
}

// The shortcuts and the wire see the same data.
func TestDirectAccessorsMeetTheWire(t *testing.T) {
	s := embertest.Run(t)
	c := dialRaw(t, s.Addr())
	s.Set("direct", "1")
	if got := c.do("GET", "direct"); got != "$1\r\n1\r\n" {
		t.Errorf("GET direct = %q", got)
	}
	if got := c.do("SET", "wire", "2"); got != "+OK\r\n" {
		t.Fatalf("SET = %q", got)
	}
	s.CheckGet(t, "wire", "2")
	c.do("SELECT", "5")
	c.do("SET", "five", "5")
	if got := s.Keys(5); !slices.Equal(got, []string{"five"}) {
		t.Errorf("Keys(5) = %q", got)
	}
}

func TestCheckGet(t *testing.T) {
	s := embertest.Run(t)
	s.Set("k", "v")
	tests := []struct {
		key, want string
		err       string // "" when CheckGet must pass
	}{
		{"k", "v", ""},
		{"k", "w", `embertest: key "k" holds "v", want "w"`},
		{"missing", "v", `embertest: key "missing" does not exist, want "v"`},
	}
	for _, tt := range tests {
		r := &recorder{}
		s.CheckGet(r, tt.key, tt.want)
		switch {
		case tt.err == "" && len(r.errs) > 0:
			t.Errorf("CheckGet(%q, %q) reported %q", tt.key, tt.want, r.errs)
		case tt.err != "" && (len(r.errs) != 1 || r.errs[0] != tt.err):
			t.Errorf("CheckGet(%q, %q) reported %q, want %q", tt.key, tt.want, r.errs, tt.err)
		}
	}
}

func TestCheckTTL(t *testing.T) {
	s := embertest.Run(t, embertest.WithManualClock(start))
	s.Set("k", "v")
	s.SetTTL("k", 10*time.Second)
	s.Set("forever", "v")
	tests := []struct {
		key             string
		want, tolerance time.Duration
		err             string
	}{
		{"k", 10 * time.Second, 0, ""},
		{"k", 9 * time.Second, time.Second, ""},
		{"k", 11 * time.Second, time.Second, ""},
		{"k", 9 * time.Second, 999 * time.Millisecond, `embertest: key "k" has a TTL of 10s, want 9s ± 999ms`},
		{"forever", time.Second, time.Hour, `embertest: key "forever" has no TTL, want 1s`},
		{"missing", time.Second, time.Hour, `embertest: key "missing" does not exist, want a TTL of 1s`},
	}
	for _, tt := range tests {
		r := &recorder{}
		s.CheckTTL(r, tt.key, tt.want, tt.tolerance)
		switch {
		case tt.err == "" && len(r.errs) > 0:
			t.Errorf("CheckTTL(%q, %v, %v) reported %q", tt.key, tt.want, tt.tolerance, r.errs)
		case tt.err != "" && (len(r.errs) != 1 || r.errs[0] != tt.err):
			t.Errorf("CheckTTL(%q, %v, %v) reported %q, want %q", tt.key, tt.want, tt.tolerance, r.errs, tt.err)
		}
	}
}

func TestRestartKeepsDataAndAddress(t *testing.T) {
	s := embertest.Run(t, embertest.WithManualClock(start), embertest.WithPassword("pw"))
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), Password: "pw"})
	defer rdb.Close()
	if err := rdb.Set(ctx(t), "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	s.SetTTL("k", time.Minute)
	s.Select(1)
	s.Set("in1", "x")
	db0 := s.DB(0)
	addr := s.Addr()
	old := dialRaw(t, addr)
	old.do("AUTH", "pw")

	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Errorf("Addr() = %q after Restart, want %q", s.Addr(), addr)
	}
	if !old.closedByServer() {
		t.Error("a connection from before Restart is still open")
	}
	if s.CommandCount() != 0 || s.ConnectionCount() != 0 {
		t.Errorf("counts after Restart: %d commands, %d connections; want 0, 0", s.CommandCount(), s.ConnectionCount())
	}
	// The same client reconnects and finds the data; the password holds.
	if got, err := rdb.Get(ctx(t), "k").Result(); err != nil || got != "v" {
		t.Errorf("GET k after Restart = %q, %v", got, err)
	}
	if got := dialRaw(t, addr).do("GET", "k"); got != "-NOAUTH Authentication required.\r\n" {
		t.Errorf("GET k without AUTH after Restart = %q", got)
	}
	// The TTL, the clock, the selected database and DB handles carry over.
	s.Select(0)
	s.CheckTTL(t, "k", time.Minute, 0)
	s.Select(1)
	s.CheckGet(t, "in1", "x")
	if v, ok, _ := db0.Get("k"); !ok || string(v) != "v" {
		t.Errorf("a DB handle from before Restart reads %q, %v", v, ok)
	}
	s.FastForward(time.Minute)
	if db0.Exists("k") != 0 {
		t.Error("k outlived its TTL after Restart")
	}
}

func TestRestartAfterClose(t *testing.T) {
	s := embertest.Run(t) // wall clock: the background sweep stops and starts again
	s.Set("k", "v")
	s.Close()
	if !dialFails(s.Addr()) {
		t.Fatal("dial succeeded after Close")
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if got := dialRaw(t, s.Addr()).do("GET", "k"); got != "$1\r\nv\r\n" {
		t.Errorf("GET k = %q", got)
	}
	s.DB(0).Set("short", []byte("v"), store.SetOptions{ExpireAt: time.Now().Add(10 * time.Millisecond).UnixMilli()})
	eventually(t, "the sweep to run again after Restart", func() bool { return s.DB(0).Size() == 1 })
}

func TestRestartFailsWhenTheAddressIsTaken(t *testing.T) {
	s := embertest.Run(t)
	s.Close()
	ln, err := net.Listen("tcp", s.Addr())
	if err != nil {
		t.Skipf("cannot take the port for the test: %v", err)
	}
	defer ln.Close()
	if err := s.Restart(); err == nil || !strings.HasPrefix(err.Error(), "embertest: ") {
		t.Fatalf("Restart = %v, want an embertest error", err)
	}
	ln.Close()
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart once the port is free: %v", err)
	}
}

func TestTwoServersAreIndependent(t *testing.T) {
	a := embertest.Run(t, embertest.WithManualClock(start))
	b := embertest.Run(t, embertest.WithManualClock(start))
	if a.Addr() == b.Addr() {
		t.Fatalf("both servers listen on %s", a.Addr())
	}
	ca, cb := dialRaw(t, a.Addr()), dialRaw(t, b.Addr())
	ca.do("SET", "k", "a")
	if got := cb.do("GET", "k"); got != "$-1\r\n" {
		t.Errorf("b sees a's key: GET k = %q", got)
	}
	b.Set("k", "b")
	a.CheckGet(t, "k", "a")
	b.CheckGet(t, "k", "b")

	a.SetTTL("k", time.Second)
	b.SetTTL("k", time.Second)
	a.FastForward(time.Hour)
	if !b.Now().Equal(start) || !b.Exists("k") {
		t.Errorf("a's FastForward moved b: b.Now() = %v, k exists %v", b.Now(), b.Exists("k"))
	}

	a.SetError("only a")
	if got := cb.do("GET", "k"); got != "$1\r\nb\r\n" {
		t.Errorf("a's SetError reached b: GET k = %q", got)
	}
	a.Close()
	if got := cb.do("GET", "k"); got != "$1\r\nb\r\n" {
		t.Errorf("b after a closed: GET k = %q", got)
	}
	if a.CommandCount() != 1 || b.CommandCount() != 3 {
		t.Errorf("CommandCount a = %d, b = %d; want 1, 3", a.CommandCount(), b.CommandCount())
	}
}

func TestSetError(t *testing.T) {
	s := embertest.Run(t)
	c := dialRaw(t, s.Addr())
	tests := []struct{ msg, want string }{
		{"oops", "-ERR oops\r\n"},
		{"Oops, lower case", "-ERR Oops, lower case\r\n"},
		{"ERR already coded", "-ERR already coded\r\n"},
		{"LOADING Redis is loading the dataset in memory", "-LOADING Redis is loading the dataset in memory\r\n"},
		{"READONLY", "-READONLY\r\n"},
		{"two\nlines", "-ERR two lines\r\n"},
		{"", "$-1\r\n"},
	}
	for _, tt := range tests {
		s.SetError(tt.msg)
		for _, cmd := range [][]string{{"GET", "k"}, {"PING"}} {
			want := tt.want
			if tt.msg == "" && cmd[0] == "PING" {
				want = "+PONG\r\n"
			}
			if got := c.do(cmd...); got != want {
				t.Errorf("SetError(%q): %s = %q, want %q", tt.msg, cmd[0], got, want)
			}
		}
	}
	if got := s.CommandCount(); got != 2 {
		t.Errorf("CommandCount = %d, want 2: commands answered by SetError do not run", got)
	}
}

func TestSetErrorWithGoRedis(t *testing.T) {
	s := embertest.Run(t)
	s.SetError("the cache is down")
	for _, proto := range []int{2, 3} {
		// A fresh client: HELLO itself gets the error, and go-redis reports
		// it on the first command.
		rdb := newClient(t, s, proto)
		if err := rdb.Get(ctx(t), "k").Err(); err == nil || err.Error() != "ERR the cache is down" {
			t.Errorf("RESP%d GET: %v, want ERR the cache is down", proto, err)
		}
	}
	s.SetError("")
	rdb := newClient(t, s, 3)
	if err := rdb.Get(ctx(t), "k").Err(); err != redis.Nil {
		t.Errorf("GET after SetError(\"\"): %v, want redis.Nil", err)
	}
}

func TestSetErrorAfterAuthAndAcrossRestart(t *testing.T) {
	s := embertest.Run(t, embertest.WithPassword("pw"))
	s.SetError("sick")
	if got := dialRaw(t, s.Addr()).do("GET", "k"); got != "-NOAUTH Authentication required.\r\n" {
		t.Errorf("GET before AUTH = %q: NOAUTH comes first", got)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	// AUTH itself gets the error, as in miniredis: the fault covers the
	// whole server.
	c := dialRaw(t, s.Addr())
	if got := c.do("AUTH", "pw"); got != "-ERR sick\r\n" {
		t.Errorf("AUTH after Restart = %q, want the error SetError set", got)
	}
	s.SetError("")
	if got := c.do("AUTH", "pw"); got != "+OK\r\n" {
		t.Errorf("AUTH after SetError(\"\") = %q", got)
	}
}

func TestCounts(t *testing.T) {
	s := embertest.Run(t)
	type counts struct{ commands, connections, current int }
	now := func() counts { return counts{s.CommandCount(), s.ConnectionCount(), s.CurrentConnectionCount()} }
	if got := now(); got != (counts{}) {
		t.Fatalf("counts at start = %+v", got)
	}
	c1 := dialRaw(t, s.Addr())
	c1.do("PING")
	c1.do("SET", "k", "v")
	c1.do("NOSUCHCOMMAND") // refused: not counted, as total_commands_processed
	if got, want := now(), (counts{2, 1, 1}); got != want {
		t.Errorf("after one connection = %+v, want %+v", got, want)
	}
	c2 := dialRaw(t, s.Addr())
	c2.do("GET", "k")
	if got, want := now(), (counts{3, 2, 2}); got != want {
		t.Errorf("after two connections = %+v, want %+v", got, want)
	}
	c1.conn.Close()
	eventually(t, "the server to see the close", func() bool { return s.CurrentConnectionCount() == 1 })
	if got, want := now(), (counts{3, 2, 1}); got != want {
		t.Errorf("after a close = %+v, want %+v", got, want)
	}
}

// Many clients, over the wire and directly, while the test moves the clock:
// run with -race. Every loop is bounded.
func TestConcurrentUseWhileFastForwarding(t *testing.T) {
	for _, clk := range bothClocks {
		t.Run(clk.name, func(t *testing.T) {
			s := embertest.Run(t, clk.opts...)
			const workers, rounds = 8, 150
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				rdb := newClient(t, s, 2+w%2)
				wg.Add(1)
				c := ctx(t)
				go func() {
					defer wg.Done()
					for i := 0; i < rounds; i++ {
						key := fmt.Sprintf("w%d:%d", w, i%10)
						if err := rdb.Set(c, key, i, 0).Err(); err != nil {
							t.Errorf("SET: %v", err)
							return
						}
						if err := rdb.Get(c, key).Err(); err != nil && err != redis.Nil {
							t.Errorf("GET: %v", err)
							return
						}
						direct := fmt.Sprintf("d%d:%d", w, i%10)
						s.Set(direct, "x")
						s.SetTTL(direct, time.Duration(1+i%5)*time.Millisecond)
						s.Get(direct)
						s.TTL(direct)
						s.Keys(0)
						s.CommandCount()
						s.CurrentConnectionCount()
					}
				}()
			}
			for i := 0; i < rounds; i++ {
				s.FastForward(time.Millisecond)
				s.Now()
			}
			wg.Wait()
			s.FastForward(time.Second)
			for _, k := range s.Keys(0) {
				if strings.HasPrefix(k, "d") {
					t.Errorf("%s outlived its TTL", k)
				}
			}
			if got := len(s.Keys(0)); got != workers*10 {
				t.Errorf("%d keys left, want the %d set over the wire", got, workers*10)
			}
		})
	}
}

// embertest must not pull anything heavy into a user's tests: only the
// standard library, Ember's own packages, redcon and golang-lru (and what
// they use from tidwall), and gopher-lua for scripts (pure Go, no
// dependencies of its own).
func TestDependencies(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/emberkv/ember/embertest").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	allowed := []string{
		"github.com/emberkv/ember/",
		"github.com/tidwall/redcon",
		"github.com/tidwall/match", // redcon's
		"github.com/tidwall/btree", // redcon's
		"github.com/hashicorp/golang-lru/v2/",
		"github.com/yuin/gopher-lua", // EVAL and functions
	}
	for _, pkg := range strings.Fields(string(out)) {
		first, _, _ := strings.Cut(pkg, "/")
		if !strings.Contains(first, ".") || first == "vendor" {
			continue // the standard library
		}
		if !slices.ContainsFunc(allowed, func(p string) bool { return strings.HasPrefix(pkg, p) }) {
			t.Errorf("embertest depends on %s", pkg)
		}
	}
}

// blockedClients reads INFO's blocked_clients.
func blockedClients(t testing.TB, rdb *redis.Client) string {
	t.Helper()
	info, err := rdb.Info(context.Background(), "clients").Result()
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "blocked_clients:"); ok {
			return v
		}
	}
	t.Fatalf("no blocked_clients in INFO:\n%s", info)
	return ""
}

// A client blocked with a timeout is answered with a null once the
// server's clock passes it: on its own with the wall clock, and on
// FastForward with a manual clock, not a moment before.
func TestBlockedClientTimesOut(t *testing.T) {
	t.Run("wall clock", func(t *testing.T) {
		s := embertest.Run(t)
		rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
		defer rdb.Close()
		began := time.Now()
		_, err := rdb.BRPop(context.Background(), time.Second, "q").Result()
		if err != redis.Nil {
			t.Fatalf("BRPOP q 1: %v, want redis.Nil", err)
		}
		// Not before the timeout; within the sweep tick after it (with
		// room for a slow machine).
		if took := time.Since(began); took < time.Second || took > 3*time.Second {
			t.Errorf("BRPOP q 1 returned after %v", took)
		}
	})
	t.Run("manual clock", func(t *testing.T) {
		s := embertest.Run(t, embertest.WithManualClock(start))
		rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
		defer rdb.Close()
		other := redis.NewClient(&redis.Options{Addr: s.Addr()})
		defer other.Close()
		done := make(chan error, 1)
		go func() {
			_, err := rdb.BLMove(context.Background(), "q", "p", "RIGHT", "LEFT", 2*time.Second).Result()
			done <- err
		}()
		eventually(t, "the client to block", func() bool { return blockedClients(t, other) == "1" })
		// ClockChanged answers timed-out clients before FastForward
		// returns, so the count is exact right after it.
		s.FastForward(2*time.Second - time.Millisecond)
		if n := blockedClients(t, other); n != "1" {
			t.Fatalf("blocked_clients = %s 1ms before the timeout, want 1", n)
		}
		s.FastForward(time.Millisecond)
		select {
		case err := <-done:
			if err != redis.Nil {
				t.Fatalf("BLMOVE: %v, want redis.Nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("BLMOVE still blocked 5s after FastForward passed its timeout")
		}
	})
}
