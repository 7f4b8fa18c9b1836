package server

import (
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"time"

	"github.com/emberkv/ember/internal/lanes"
	"github.com/emberkv/ember/persistence/aof"
)

// replayAOF loads the files of m from dir through an aofLoader.
func (s *Server) replayAOF(dir string, m *aof.Manifest, opts aof.LoadOptions) (aof.LoadStats, error) {
	l := &aofLoader{s: s}
	if loaded := opts.Loaded; loaded != nil {
		opts.Loaded = func(fi aof.FileInfo, took time.Duration) {
			t0 := time.Now()
			l.wait() // the file's time includes the run of its last commands
			loaded(fi, took+time.Since(t0))
		}
	}
	st, err := aof.Load(dir, m, l, opts)
	l.wait()
	return st, err
}

// aofLoader replays the AOF's commands through the command table with a
// client of its own, as Redis's fake AOF client.
//
// On more than one processor, a command whose keys all live in one shard
// (of the selected database) goes to the replay worker that owns that
// shard, as a batch of such commands, and runs there on the worker's own
// client: each shard's commands still run in the file's order, and
// commands on different shards touch nothing in common, as two clients'
// commands would not. Anything else (no keys, keys in several shards, a
// reach beyond its keys: what EXEC would lock more for) waits for the
// workers to finish what they have, then runs here. So the store's
// inserts, most of a replay, run beside the reading and parsing.
type aofLoader struct {
	s *Server
	c *client // runs what no worker may; its database is the selected one

	nworkers int
	pending  []*replayBatch             // per worker: commands not yet handed over
	workers  *lanes.Lanes[*replayBatch] // nil while no worker runs
	clients  []*client                  // per worker, its own
}

// replayBatch is commands for one worker, their arguments copied out of
// the reader's buffer (valid only during Command) into data.
type replayBatch struct {
	data []byte
	args [][]byte // every command's arguments, one after the other
	cmds []replayCmd
}

type replayCmd struct {
	cmd   *command
	db    int
	nargs int // its arguments are the next nargs of the batch's args
}

// replayWorkersHook, when set (by tests), learns that a replay started
// its workers.
var replayWorkersHook func(workers int)

// replayBatchBytes is how many bytes of arguments fill a batch: enough
// that a handover costs little a command (at 1M SETs of 32-byte values,
// one handover for every 800 or so), small enough that batches in flight
// stay small.
var replayBatchBytes = 64 << 10 // a variable for tests

func (l *aofLoader) client() *client {
	if l.c == nil {
		l.c = l.newClient()
		l.nworkers = min(runtime.GOMAXPROCS(0), 8)
		l.pending = make([]*replayBatch, l.nworkers)
	}
	return l.c
}

func (l *aofLoader) newClient() *client {
	c := &client{srv: l.s, id: -1}
	c.selectDB(0)
	c.authed = true
	return c
}

func (l *aofLoader) LoadRDB(r io.Reader, file string) ([]byte, error) {
	l.wait()
	return l.s.loadRDBBase(r, file)
}

// Command runs one logged command. MULTI and EXEC are dropped: the
// loader hands over a transaction only once it is complete, and nothing
// else runs during loading, so its commands simply run in order.
func (l *aofLoader) Command(args [][]byte) error {
	c := l.client()
	name := args[0]
	if isCommandName(name, "multi") || isCommandName(name, "exec") {
		return nil
	}
	cmd := l.s.table.lookupName(name)
	if cmd != nil && cmd.subs != nil && len(args) >= 2 {
		cmd = cmd.subs[lowerASCII(args[1])]
	}
	if cmd == nil {
		return fmt.Errorf("Unknown command '%s' reading the append only file", cString(args[0], 128))
	}
	if !cmd.arityOK(len(args)) {
		return fmt.Errorf("wrong number of arguments for '%s' reading the append only file", cmd.name)
	}
	if cmd.flags&flagBlocking != 0 {
		// Redis never logs one (it logs the pop that was served), and
		// the loader's client must never wait.
		return fmt.Errorf("blocking command '%s' in the append only file", cmd.name)
	}
	if l.nworkers > 1 {
		if sh, ok := l.shardOf(cmd, args); ok {
			l.queue(sh%l.nworkers, cmd, c.dbIndex, args)
			return nil
		}
		if cmd.name != "select" { // SELECT changes only this client
			l.barrier()
		}
	}
	l.run(c, cmd, args)
	return nil
}

// run runs one command on c.
func (l *aofLoader) run(c *client, cmd *command, args [][]byte) {
	c.w.buf = c.w.buf[:0]
	cmd.handler(c, args)
	if len(c.w.buf) > 0 && c.w.buf[0] == '-' {
		// Redis ignores replies of the fake client; a command failing in
		// replay means the file does not describe a state, so say so.
		l.s.log.Warn("A command in the append only file failed on replay",
			slog.String("command", cmd.name), slog.String("reply", string(c.w.buf[:min(len(c.w.buf), 200)])))
	}
}

// shardOf returns the one shard that all of the command's keys live in,
// if the command reaches nothing beyond them (as EXEC's lockFor decides).
func (l *aofLoader) shardOf(cmd *command, args [][]byte) (int, bool) {
	if cmd.scope != scopeKeys || cmd.flags&flagMovableKeys != 0 || cmd.firstKey == 0 {
		return 0, false
	}
	// cmd.keyIndexes, without its slice.
	last := cmd.lastKey
	if last < 0 {
		last += len(args)
	}
	shard := -1
	for i := cmd.firstKey; i <= last && i < len(args); i += cmd.step {
		sh := l.s.store.ShardOf(keyOf(args[i]))
		if shard >= 0 && sh != shard {
			return 0, false
		}
		shard = sh
	}
	return shard, shard >= 0
}

// queue adds a command to worker w's batch, handing the batch over first
// if the command does not fit (a command bigger than a batch gets one of
// its own size).
func (l *aofLoader) queue(w int, cmd *command, db int, args [][]byte) {
	size := 0
	for _, a := range args {
		size += len(a)
	}
	b := l.pending[w]
	if b != nil && len(b.data)+size > cap(b.data) {
		l.handOver(w) // full: the arguments would not fit
		b = nil
	}
	if b == nil {
		if l.workers != nil {
			b, _ = l.workers.Spare()
		}
		if b == nil {
			// Room for commands of three 16-byte arguments.
			b = &replayBatch{data: make([]byte, 0, replayBatchBytes),
				args: make([][]byte, 0, replayBatchBytes/16), cmds: make([]replayCmd, 0, replayBatchBytes/48)}
		}
		l.pending[w] = b
	}
	for _, a := range args {
		at := len(b.data)
		b.data = append(b.data, a...)
		b.args = append(b.args, b.data[at:len(b.data):len(b.data)])
	}
	b.cmds = append(b.cmds, replayCmd{cmd: cmd, db: db, nargs: len(args)})
}

// handOver sends worker w its batch, starting the workers first if none
// runs.
func (l *aofLoader) handOver(w int) {
	if l.workers == nil {
		if replayWorkersHook != nil {
			replayWorkersHook(l.nworkers)
		}
		if l.clients == nil {
			l.clients = make([]*client, l.nworkers)
			for i := range l.clients {
				l.clients[i] = l.newClient()
			}
		}
		l.workers = lanes.Start(l.nworkers, func(w int, b *replayBatch) { l.runBatch(l.clients[w], b) })
	}
	l.workers.Send(w, l.pending[w])
	l.pending[w] = nil
}

// runBatch runs a batch's commands on c, in order, and empties it.
func (l *aofLoader) runBatch(c *client, b *replayBatch) {
	args := b.args
	for _, q := range b.cmds {
		if c.dbIndex != q.db {
			c.selectDB(q.db)
		}
		l.run(c, q.cmd, args[:q.nargs:q.nargs])
		args = args[q.nargs:]
	}
	clear(b.args) // the slices point into data, which is reused
	b.data, b.args, b.cmds = b.data[:0], b.args[:0], b.cmds[:0]
}

// barrier returns once every command before it has run: the batches
// handed over by their workers, then what is still pending, here (too
// little, between two commands that must wait for all, to be worth a
// handover).
func (l *aofLoader) barrier() {
	if l.workers != nil {
		l.workers.Wait()
	}
	c := l.c
	if c == nil {
		return
	}
	db := c.dbIndex
	for _, b := range l.pending {
		if b != nil {
			l.runBatch(c, b) // and it stays, empty, for the next commands
		}
	}
	if c.dbIndex != db {
		c.selectDB(db)
	}
}

// wait runs everything still to run, and stops the workers.
func (l *aofLoader) wait() {
	l.barrier()
	if l.workers != nil {
		l.workers.Close()
		l.workers = nil
	}
}
