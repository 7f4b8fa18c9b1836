package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/emberkv/ember/store"
)

// Config configures a Server. Start from DefaultConfig; the zero value of
// a field added later always means its default.
type Config struct {
	// Bind lists the addresses to listen on, as redis.conf's bind; an
	// address prefixed with '-' may fail to bind without stopping start-up.
	Bind []string
	// Port is the TCP port. Default 6379.
	Port int
	// RequirePass, when set, makes clients AUTH before anything else.
	RequirePass string
	// Databases is the number of databases. Default 16.
	Databases int
	// MaxClients limits open connections. Default 10000.
	MaxClients int
	// ProtoMaxBulkLen limits one bulk argument. Default 512mb.
	ProtoMaxBulkLen int64
	// ClientQueryBufferLimit limits one request. Default 1gb.
	ClientQueryBufferLimit int64

	// Clock drives expiry; tests replace it. Default the wall clock.
	Clock store.Clock
	// Store, when set, is served instead of a new one (and not closed).
	Store *store.Store
	// Logger receives the server's logs. Default slog.Default().
	Logger *slog.Logger

	// params holds every other redis.conf directive, by name, as set by
	// LoadConfig; CONFIG GET shows them.
	params map[string]string
}

// DefaultConfig returns Redis's defaults: 127.0.0.1 and, where the machine
// has it, ::1, on port 6379, 16 databases, no password.
func DefaultConfig() Config {
	return Config{
		Bind:                   []string{"127.0.0.1", "-::1"},
		Port:                   6379,
		Databases:              16,
		MaxClients:             10000,
		ProtoMaxBulkLen:        defaultMaxBulkLen,
		ClientQueryBufferLimit: defaultQueryBufSize,
	}
}

func (cfg *Config) validate() error {
	d := DefaultConfig()
	if cfg.Port == 0 && len(cfg.Bind) == 0 {
		cfg.Port = d.Port
	}
	if cfg.Databases == 0 {
		cfg.Databases = d.Databases
	}
	if cfg.MaxClients == 0 {
		cfg.MaxClients = d.MaxClients
	}
	if cfg.ProtoMaxBulkLen == 0 {
		cfg.ProtoMaxBulkLen = d.ProtoMaxBulkLen
	}
	if cfg.ClientQueryBufferLimit == 0 {
		cfg.ClientQueryBufferLimit = d.ClientQueryBufferLimit
	}
	if len(cfg.Bind) == 0 {
		cfg.Bind = d.Bind
	}
	if cfg.Databases < 1 {
		return errors.New("databases must be at least 1")
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return fmt.Errorf("port %d out of range", cfg.Port)
	}
	return nil
}

// liveConfig is the configuration as CONFIG GET and CONFIG SET see it.
type liveConfig struct {
	srv *Server
	mu  sync.RWMutex
	cfg Config
}

func newLiveConfig(cfg Config, s *Server) *liveConfig {
	return &liveConfig{srv: s, cfg: cfg}
}

func (lc *liveConfig) requirePass() string {
	lc.mu.RLock()
	defer lc.mu.RUnlock()
	return lc.cfg.RequirePass
}

func (lc *liveConfig) maxClients() int {
	lc.mu.RLock()
	defer lc.mu.RUnlock()
	return lc.cfg.MaxClients
}

// listen opens a listener for every bind address.
func (lc *liveConfig) listen() ([]net.Listener, error) {
	lc.mu.RLock()
	binds, port := lc.cfg.Bind, lc.cfg.Port
	lc.mu.RUnlock()
	var lns []net.Listener
	for _, b := range binds {
		optional := strings.HasPrefix(b, "-")
		addr := net.JoinHostPort(strings.TrimPrefix(b, "-"), strconv.Itoa(port))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			if optional {
				lc.srv.log.Warn("could not bind an optional address", slog.String("addr", addr), slog.Any("err", err))
				continue
			}
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("listen on %s: %w", addr, err)
		}
		lns = append(lns, ln)
	}
	if len(lns) == 0 {
		return nil, errors.New("no address to listen on")
	}
	return lns, nil
}

// LoadConfig builds a Config from redis-server style arguments: an optional
// config file first, then "--name value ..." flags that override it.
// (A placeholder that understands --port, --bind and --requirepass; the
// full redis.conf parser replaces it.)
func LoadConfig(args []string, log *slog.Logger) (Config, error) {
	cfg := DefaultConfig()
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--port":
			i++
			p, err := strconv.Atoi(args[i])
			if err != nil {
				return cfg, err
			}
			cfg.Port = p
		case "--bind":
			i++
			cfg.Bind = strings.Fields(args[i])
		case "--requirepass":
			i++
			cfg.RequirePass = args[i]
		}
	}
	return cfg, nil
}
