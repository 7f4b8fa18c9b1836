// Package server is Ember's network side: a RESP listener built on
// tidwall/redcon, per-connection state (RESP2 or RESP3, auth, the selected
// database, MULTI), the command table that drives dispatch, and the
// commands themselves, one file per command group.
package server

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emberkv/ember/store"
	"github.com/tidwall/redcon"
)

// Version is the version Ember reports; redis_version in INFO stays at a
// Redis 7 number because clients gate features on it.
const Version = "0.1.0"

// RedisVersion is what INFO and HELLO report as the Redis version.
const RedisVersion = "7.0.15"

// Server is an Ember server: a store and the listeners that serve it.
type Server struct {
	cfg   *liveConfig
	store *store.Store
	table commandTable
	all   []*command
	log   *slog.Logger
	start time.Time
	runID string

	stats    serverStats
	blocking blockRegistry
	pubsub   pubsubRegistry
	tracking trackingRegistry
	pause    pauseState
	scripts  scriptEngine // EVAL and functions (script.go)
	aof      aofState
	slowlog  slowlog      // SLOWLOG (slowlog.go)
	latency  latencyState // LATENCY, INFO latencystats (latency.go)

	monitorMu sync.Mutex
	monitors  atomic.Pointer[[]*client]

	obufLimits        atomic.Pointer[[3]obufLimit] // client-output-buffer-limit
	obufNormalLimited atomic.Bool                  // the normal class has a limit

	maxBulk     atomic.Int64
	maxQuery    atomic.Int64
	errOverride atomic.Pointer[string]

	// notifyFlags are the notify-keyspace-events classes in force, zero
	// when nothing is published.
	notifyFlags atomic.Int32

	persist  persistState          // RDB: save points, BGSAVE, loading (persist.go)
	fatalErr atomic.Pointer[error] // why the server stopped itself, if it did

	mu        sync.Mutex
	listeners []net.Listener
	clients   map[int64]*client
	nextID    atomic.Int64
	closed    bool
	shutdown  chan struct{} // closed by SHUTDOWN or Close
	ownsStore bool
}

// New builds a server from cfg. It serves nothing until Serve or
// ListenAndServe.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{
		log:      cfg.Logger,
		start:    time.Now(),
		runID:    newRunID(),
		clients:  make(map[int64]*client),
		shutdown: make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.scripts.init(s)
	s.cfg = newLiveConfig(cfg, s)
	s.table, s.all = builtinCommands()
	s.stats.commands = make([]commandStats, len(s.all))
	s.latency.init(len(s.all))
	s.slowlog.init()
	applyLatency(s, &cfg)
	if cfg.Store != nil {
		s.store = cfg.Store
	} else {
		s.store = store.New(store.Options{Databases: cfg.Databases, Clock: cfg.Clock, SweepInterval: cfg.sweepInterval()})
		s.ownsStore = true
	}
	s.persist.init(s.start)
	applyEncodingLimits(s, &cfg)
	applyOutputBufferLimits(s, &cfg)
	applyTrackingMaxKeys(s, &cfg)
	applyMaxBulk(s, &cfg)
	s.maxQuery.Store(cfg.ClientQueryBufferLimit)
	applyKeyspaceEvents(s, &cfg)
	applyEviction(s, &cfg)
	applyExpiry(s, &cfg)
	s.store.SetOnKeyEvent(s.notifyKeyEvent)
	s.store.SetOnLatency(s.latencyObserve)
	s.stats.store = s.store
	s.stats.replID = newRunID()
	go s.statsLoop(cfg.ManageGoMemoryLimit)
	go s.aofCron()
	switch {
	case s.aofEnabled():
		// As Redis's loadDataFromDisk: with appendonly yes the AOF is
		// loaded (and not the dump file), then opened for appending,
		// while connections are accepted and answered LOADING.
		s.persist.loading.Store(true)
		go s.aofLoadAtStart()
	case s.ownsStore && fileExists(s.rdbPath()):
		// As Redis: the dump file loads at start-up, while connections
		// are already accepted (and answered LOADING). A store passed in
		// Config is the caller's, and is not loaded into.
		s.persist.loading.Store(true)
		go s.loadAtStart()
	default:
		close(s.persist.loadDone)
	}
	go s.saveCron()
	return s, nil
}

// Store returns the server's keyspace, for direct access that bypasses the
// wire.
func (s *Server) Store() *store.Store { return s.store }

// password is the current requirepass.
func (s *Server) password() string { return s.cfg.requirePass() }

// SetError makes every command answer msg as an error (an "ERR " prefix is
// added unless msg starts with an upper-case code), for testing a client's
// error paths. SetError("") clears it.
func (s *Server) SetError(msg string) {
	if msg == "" {
		s.errOverride.Store(nil)
		return
	}
	if !startsWithErrorCode(msg) {
		msg = "ERR " + msg
	}
	s.errOverride.Store(&msg)
}

// startsWithErrorCode reports whether msg opens with an error code: a
// word of upper-case letters (ERR, LOADING, READONLY, ...) ending the
// message or followed by a space. Every error Redis sends starts so.
func startsWithErrorCode(msg string) bool {
	i := 0
	for i < len(msg) && msg[i] >= 'A' && msg[i] <= 'Z' {
		i++
	}
	return i > 0 && (i == len(msg) || msg[i] == ' ')
}

func (s *Server) errorOverride() string {
	if p := s.errOverride.Load(); p != nil {
		return *p
	}
	return ""
}

// Serve accepts connections on ln until Close (or SHUTDOWN) and serves
// them. It returns nil after a close.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return errors.New("server: closed")
	}
	s.listeners = append(s.listeners, ln)
	s.mu.Unlock()
	return redcon.Serve(&requestListener{Listener: ln, srv: s}, s.serveRESP, s.accept, s.closedConn)
}

// ListenAndServe listens on every address of the configured bind list and
// the port, and serves until Close or SHUTDOWN. An address prefixed with
// '-' is optional, as in redis.conf: failing to bind it is not an error.
func (s *Server) ListenAndServe() error {
	lns, err := s.cfg.listen()
	if err != nil {
		return err
	}
	errc := make(chan error, len(lns))
	for _, ln := range lns {
		s.log.Info("Ready to accept connections", slog.String("addr", ln.Addr().String()))
		go func(ln net.Listener) { errc <- s.Serve(ln) }(ln)
	}
	var first error
	for range lns {
		if err := <-errc; err != nil && first == nil {
			first = err
			s.Close()
		}
	}
	if err := s.fatalError(); err != nil {
		return err
	}
	return first
}

// Done is closed when the server shuts down, by Close or by SHUTDOWN.
func (s *Server) Done() <-chan struct{} { return s.shutdown }

// Close stops the listeners and closes every connection. A store the
// server created is closed too; one passed in Config stays open.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.scripts.abort()
	lns := s.listeners
	s.listeners = nil
	conns := make([]*client, 0, len(s.clients))
	for _, c := range s.clients {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, ln := range lns {
		ln.Close()
	}
	for _, c := range conns {
		c.killed.Store(true)
		if c.req != nil {
			c.req.Conn.Close()
		}
	}
	close(s.shutdown)
	if err := s.aofClose(); err != nil {
		s.log.Warn("Closing the AOF", slog.String("err", err.Error()))
	}
	if s.ownsStore {
		s.store.Close()
	}
	return nil
}

// requestListener wraps each accepted connection in a requestConn.
type requestListener struct {
	net.Listener
	srv *Server
}

func (l *requestListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newRequestConn(c, &l.srv.maxBulk, &l.srv.maxQuery), nil
}

func (s *Server) accept(conn redcon.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if max := s.cfg.maxClients(); max > 0 && len(s.clients) >= max {
		conn.WriteError(errMaxClients)
		s.stats.rejectedConnections.Add(1)
		return false
	}
	c := &client{
		srv:     s,
		id:      s.nextID.Add(1),
		addr:    conn.RemoteAddr(),
		created: time.Now(),
	}
	if rc, ok := conn.NetConn().(*requestConn); ok {
		c.req = rc
		rc.client = c
		c.laddr = rc.LocalAddr().String()
	}
	if msg := s.cfg.admit(c); msg != "" {
		s.stats.rejectedConnections.Add(1)
		conn.WriteError(msg)
		return false
	}
	c.lastInteraction.Store(int64(monoNow()))
	c.batchStats = true
	c.selectDB(0)
	// As Redis: a client is authenticated from the start while there is
	// no password, and stays so if one is set later.
	c.setAuthed(s.password() == "")
	c.publish()
	conn.SetContext(c)
	s.clients[c.id] = c
	s.stats.connectionsReceived.Add(1)
	return true
}

func (s *Server) closedConn(conn redcon.Conn, err error) {
	c, _ := conn.Context().(*client)
	if c == nil {
		return
	}
	c.unwatchAll()
	s.mu.Lock()
	delete(s.clients, c.id)
	s.mu.Unlock()
}

// ConnectionCount returns how many connections the server has accepted.
func (s *Server) ConnectionCount() int64 { return s.stats.connectionsReceived.Load() }

// CurrentConnectionCount returns how many connections are open now.
func (s *Server) CurrentConnectionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

// CommandCount returns how many commands the server has run.
func (s *Server) CommandCount() int64 { return s.stats.commandsProcessed.Load() }

// requestShutdown is SHUTDOWN: stop serving; the process owner decides
// what happens next (ember-server exits).
func (s *Server) requestShutdown() {
	go s.Close()
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
