// Package embertest runs an Ember server inside a Go test, in the manner of
// net/http/httptest: one call starts a real Ember on a free loopback port,
// and the test points any Redis client at its address.
//
//	s := embertest.Run(t)
//	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
//
// The server is the one cmd/ember-server runs, so commands behave as they
// do in production, RESP3 included. By default keys expire in real time,
// as in production. With WithManualClock the server's time stands still
// until the test moves it with FastForward or SetTime, and keys whose TTL
// has passed are gone at once.
//
// Direct accessors (DB, Get, Set, CheckGet, Keys, ...) read and write the
// keyspace without going through the wire, for the arrange and assert steps
// of a test. They bypass authentication and SetError.
//
// The package depends only on Ember's own packages, redcon and golang-lru,
// so importing it adds nothing heavy to a module's tests.
package embertest

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/emberkv/ember/server"
	"github.com/emberkv/ember/store"
)

// Server is an Ember server running in the test's process. All its methods
// are safe for concurrent use.
type Server struct {
	opts  options
	store *store.Store
	clock *clock
	sel   atomic.Int64 // the database of the direct accessors (Select)

	mu      sync.Mutex
	addr    string         // fixed at the first start; Restart reuses it
	srv     *server.Server // the current incarnation; kept after Close for its counts
	running bool
	served  chan struct{} // closed when the current Serve returns
	errMsg  string        // what SetError set, applied again by Restart
	sweeper *sweeper      // nil with a manual clock
}

// Run starts a server for the test t and closes it when t and its subtests
// finish (through t.Cleanup). It fails the test if the server cannot start.
func Run(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// RunT is Run under the name miniredis uses for the same thing, so that
// tests written for miniredis switch with fewer edits.
func RunT(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return Run(t, opts...)
}

// New starts a server, for code that has no testing.TB (a TestMain, an
// example, a benchmark harness). The caller must Close it.
func New(opts ...Option) (*Server, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if o.databases < 1 {
		return nil, fmt.Errorf("embertest: databases must be at least 1, not %d", o.databases)
	}
	c := newClock(o)
	s := &Server{
		opts:  o,
		clock: c,
		// The store's own sweeper is off: embertest runs the sweep itself
		// (see sweeper), so that a closed server can be restarted with its
		// data and a manual clock sweeps only when the test moves it.
		store: store.New(store.Options{Databases: o.databases, Clock: c, SweepInterval: -1}),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.startLocked(o.addr); err != nil {
		return nil, err
	}
	return s, nil
}

// startLocked listens on addr and serves the store there.
func (s *Server) startLocked(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("embertest: %w", err)
	}
	srv, err := server.New(server.Config{
		RequirePass: s.opts.password,
		Databases:   s.opts.databases,
		Clock:       s.clock,
		Store:       s.store,
	})
	if err != nil {
		ln.Close()
		return fmt.Errorf("embertest: %w", err)
	}
	if s.errMsg != "" {
		srv.SetError(s.errMsg)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	s.addr = ln.Addr().String()
	s.srv, s.served, s.running = srv, served, true
	if !s.clock.manual {
		s.sweeper = startSweeper(s.store, srv)
	}
	return nil
}

// stopLocked closes the listener and every connection, and waits until
// nothing of the server runs in the background. The data stays.
func (s *Server) stopLocked() {
	if !s.running {
		return
	}
	s.srv.Close()
	<-s.served
	if s.sweeper != nil {
		s.sweeper.stop()
		s.sweeper = nil
	}
	s.running = false
}

// Close stops the server: the listener, every connection and the
// background sweep. Calling it again does nothing. The data stays in
// memory, so direct accessors keep working and Restart can serve it again.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

// Restart stops the server if it runs and starts it again on the same
// address, with the same data, options, clock and SetError message, as a
// restarted ember-server that reloaded its data would be. Connections are
// closed (clients reconnect), and the counters start again from zero, as
// INFO stats do after a real restart.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
	return s.startLocked(s.addr)
}

// Addr returns the address the server listens on, "127.0.0.1:port", ready
// for a client's options.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Host returns the host part of Addr.
func (s *Server) Host() string {
	host, _, _ := net.SplitHostPort(s.Addr())
	return host
}

// Port returns the port part of Addr, as a string (as miniredis does, and
// as net.JoinHostPort takes it).
func (s *Server) Port() string {
	_, port, _ := net.SplitHostPort(s.Addr())
	return port
}

// Store returns the whole keyspace, for what DB does not cover (SwapDB,
// Sweep, LockAll).
func (s *Server) Store() *store.Store { return s.store }

// DB returns database i's typed API, which bypasses the wire; nil when i is
// out of range.
func (s *Server) DB(i int) *store.DB { return s.store.DB(i) }

// SetError makes every command answer msg as an error, for testing a
// client's error paths; SetError("") clears it. As in Redis an error starts
// with a code: "ERR " is put in front of msg unless its first word is an
// upper-case code already ("LOADING Redis is loading the dataset in
// memory"). Unknown commands, wrong arity and NOAUTH are answered as
// before; every other command gets msg, AUTH and HELLO included, so a
// client that connects while the error is set fails its handshake (go-redis
// v9 reports msg on its first command).
func (s *Server) SetError(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errMsg = msg
	s.srv.SetError(msg)
}

// CommandCount returns how many commands the server has run since it
// started (or restarted). Commands refused before running (unknown, wrong
// arity, NOAUTH, SetError) are not counted, as in INFO's
// total_commands_processed.
func (s *Server) CommandCount() int {
	return int(s.current().CommandCount())
}

// ConnectionCount returns how many connections the server has accepted since
// it started (or restarted).
func (s *Server) ConnectionCount() int {
	return int(s.current().ConnectionCount())
}

// CurrentConnectionCount returns how many connections are open now. A
// client's close reaches the server a moment later, so a test waiting for
// it should poll with a deadline.
func (s *Server) CurrentConnectionCount() int {
	return s.current().CurrentConnectionCount()
}

func (s *Server) current() *server.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv
}
