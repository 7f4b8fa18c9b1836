package server

import (
	"bytes"
	"strings"

	"github.com/emberkv/ember/internal/hll"
	"github.com/emberkv/ember/store"
)

// The HyperLogLog commands (hyperloglog.c). Name, arity, flags, ACL
// categories and key positions are those COMMAND INFO reports in Redis
// 7.0.15. PFCOUNT is flagged read-only although it caches the count in the
// string, as in Redis.
var hllCommands = []*command{
	{name: "pfadd", arity: -2, flags: parseFlags("write denyoom fast"), acl: acl("write hyperloglog fast"), firstKey: 1, lastKey: 1, step: 1, group: "hyperloglog", since: "2.8.9",
		summary: "Adds elements to a HyperLogLog, creating it if needed.", handler: cmdPFAdd},
	{name: "pfcount", arity: -2, flags: parseFlags("readonly may_replicate"), acl: acl("read hyperloglog slow"), firstKey: 1, lastKey: -1, step: 1, group: "hyperloglog", since: "2.8.9",
		summary: "Estimates how many distinct elements one HyperLogLog, or the union of several, has seen.", handler: cmdPFCount},
	{name: "pfmerge", arity: -2, flags: parseFlags("write denyoom"), acl: acl("write hyperloglog slow"), firstKey: 1, lastKey: -1, step: 1, group: "hyperloglog", since: "2.8.9",
		summary: "Merges HyperLogLogs into one, which keeps its own elements too.", handler: cmdPFMerge},
	{name: "pfdebug", arity: 3, flags: parseFlags("write denyoom admin"), acl: acl("write hyperloglog admin slow dangerous"), firstKey: 2, lastKey: 2, step: 1, group: "hyperloglog", since: "2.8.9",
		summary: "Shows a HyperLogLog's internals: its registers, opcodes or encoding.", handler: cmdPFDebug},
	{name: "pfselftest", arity: 1, flags: parseFlags("admin"), acl: acl("hyperloglog admin slow dangerous"), group: "hyperloglog", since: "2.8.9",
		summary: "Tests the HyperLogLog implementation.", handler: cmdPFSelfTest},
}

func cmdPFAdd(c *client, args [][]byte) {
	updated, err := c.db.PFAdd(keyOf(args[1]), args[2:]...)
	n := int64(0)
	if updated {
		n = 1
		c.notify(nkString, "pfadd", args[1])
	}
	answerInt(c, n, err)
}

func cmdPFCount(c *client, args [][]byte) {
	if len(args) == 2 {
		n, err := c.db.PFCount(keyOf(args[1]))
		answerInt(c, n, err)
		return
	}
	sc := getScratch(args, 1, 1)
	defer putScratch(sc)
	n, err := c.db.PFCount(sc.keys...)
	answerInt(c, n, err)
}

func cmdPFMerge(c *client, args [][]byte) {
	sc := getScratch(args, 2, 1)
	defer putScratch(sc)
	if err := c.db.PFMerge(keyOf(args[1]), sc.keys...); err != nil {
		c.storeError(err)
		return
	}
	// As Redis: a merge is a mass PFADD, and says so.
	c.notify(nkString, "pfadd", args[1])
	c.w.ok()
}

// cmdPFDebug is PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. As in Redis
// the key is looked up and checked before the subcommand is.
func cmdPFDebug(c *client, args [][]byte) {
	// Redis compares the subcommand as a C string: up to a zero byte.
	sub := cString(args[1], len(args[1]))
	err := c.db.PFDebug(keyOf(args[2]), func(s *hll.Sketch) error {
		switch {
		case bytes.EqualFold(sub, []byte("getreg")):
			// The registers are read dense: a sparse HLL is converted,
			// and stays so.
			if err := s.ToDense(); err != nil {
				return err
			}
			c.w.array(hll.Registers)
			for i := range hll.Registers {
				c.w.int(int64(s.Register(i)))
			}
		case bytes.EqualFold(sub, []byte("decode")):
			if s.Dense() {
				c.w.error(errHLLNotSparse)
				return nil
			}
			c.w.bulk(s.AppendDecode(nil))
		case bytes.EqualFold(sub, []byte("encoding")):
			c.w.simple(s.Encoding())
		case bytes.EqualFold(sub, []byte("todense")):
			dense := s.Dense()
			if err := s.ToDense(); err != nil {
				return err
			}
			if dense {
				c.w.int(0)
			} else {
				c.w.int(1)
			}
		default:
			c.w.error("ERR Unknown PFDEBUG subcommand '" + string(sub) + "'")
		}
		return nil
	})
	switch err {
	case nil:
	case store.ErrNoSuchKey:
		c.w.error(errHLLNoKey)
	default:
		c.storeError(err)
	}
}

// cmdPFSelfTest is PFSELFTEST: it checks the register layout and the
// estimator's error over ten million elements, and answers OK or Redis's
// TESTFAILED text.
func cmdPFSelfTest(c *client, args [][]byte) {
	if err := hll.SelfTest(c.srv.store.EncodingLimits().HLLSparseMaxBytes); err != nil {
		c.w.error("ERR " + strings.TrimSpace(err.Error()))
		return
	}
	c.w.ok()
}
