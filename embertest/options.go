package embertest

import "time"

// An Option configures a server started by Run or New.
type Option func(*options)

type options struct {
	addr      string
	password  string
	databases int
	manual    bool
	start     time.Time
}

func defaultOptions() options {
	return options{addr: "127.0.0.1:0", databases: 16}
}

// WithPassword makes clients authenticate first, as requirepass does: with
// AUTH pw, AUTH default pw or HELLO 3 AUTH default pw. The direct accessors
// need no password.
func WithPassword(pw string) Option {
	return func(o *options) { o.password = pw }
}

// WithDatabases sets the number of databases (SELECT 0 to n-1), as the
// databases directive does. Default 16.
func WithDatabases(n int) Option {
	return func(o *options) { o.databases = n }
}

// WithManualClock gives the server a clock that reads start and moves only
// when the test calls FastForward or SetTime. Nothing expires on its own:
// TTL, PTTL and EXPIRETIME answer the same until the clock moves, and SET
// EX 10 expires exactly when the clock has moved ten seconds. A zero start
// means the time at which the server starts.
func WithManualClock(start time.Time) Option {
	return func(o *options) {
		o.manual = true
		o.start = start
	}
}

// WithAddr listens on addr instead of "127.0.0.1:0" (a free port chosen by
// the system), for a test that needs a fixed port.
func WithAddr(addr string) Option {
	return func(o *options) { o.addr = addr }
}
