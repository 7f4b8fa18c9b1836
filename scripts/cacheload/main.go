// Command cacheload measures what maxmemory does, against any server that
// speaks RESP2 (Ember or redis-server), over raw TCP: the hit ratio of a
// cache under a Zipf workload, the resident memory under a write load that
// forces eviction, and how soon keys with short TTLs are reclaimed. It
// talks to loopback addresses only, and every mode is bounded in count
// and in time.
//
//	cacheload zipf -addr A -keys K -ops N -s 1.01     GET, and SET on a miss
//	cacheload fill -addr A -pid P -keys K -value V    SET new keys; peak RSS
//	cacheload ttl  -addr A -keys K                    SET PX 1-5 s; reclaim lag
//
// Each prints one tab-separated line of results on stdout (see the
// functions below for the fields).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: cacheload zipf|fill|ttl [flags]")
		os.Exit(2)
	}
	mode, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:6379", "server address (loopback only)")
	pid := fs.Int("pid", 0, "server process id, for its RSS (fill)")
	keys := fs.Int("keys", 1000000, "key space (zipf, fill) or keys loaded (ttl)")
	ops := fs.Int("ops", 2000000, "requests (zipf)")
	skew := fs.Float64("s", 1.01, "Zipf exponent, > 1 (zipf)")
	value := fs.Int("value", 100, "value bytes")
	pipeline := fs.Int("P", 32, "requests in flight")
	timeout := fs.Duration("timeout", 120*time.Second, "give up after this long")
	fs.Parse(args)
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprintln(os.Stderr, "cacheload: -addr must be a loopback address")
		os.Exit(2)
	}
	c, err := dial(*addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cacheload:", err)
		os.Exit(1)
	}
	deadline := time.Now().Add(*timeout)
	switch mode {
	case "zipf":
		err = zipf(c, *keys, *ops, *skew, *value, *pipeline, deadline)
	case "fill":
		err = fill(c, *pid, *keys, *value, *pipeline, deadline)
	case "ttl":
		err = ttl(c, *keys, *pipeline, deadline)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cacheload:", err)
		os.Exit(1)
	}
}

// conn is one RESP2 connection with a pipeline of commands in flight.
type conn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

func dial(addr string) (*conn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, r: bufio.NewReaderSize(c, 1<<16), w: bufio.NewWriterSize(c, 1<<16)}, nil
}

func (c *conn) send(args ...string) {
	fmt.Fprintf(c.w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(c.w, "$%d\r\n%s\r\n", len(a), a)
	}
}

// reply reads one reply: its first line, and the bulk's body if any
// (arrays are not expected).
func (c *conn) reply() (string, error) {
	c.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply line")
	}
	if line[0] == '$' {
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return line, nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(c.r, buf); err != nil {
			return "", err
		}
		return "$" + string(buf[:n]), nil
	}
	return line, nil
}

func ioReadFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (c *conn) do(args ...string) (string, error) {
	c.send(args...)
	if err := c.w.Flush(); err != nil {
		return "", err
	}
	return c.reply()
}

// info reads one numeric field of INFO.
func (c *conn) info(section, field string) int64 {
	r, err := c.do("INFO", section)
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(r, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return -1
}

// zipf is a cache: GET a key drawn from a Zipf distribution over the key
// space, and SET it when the GET misses. Fields: gets, hits, hit ratio,
// evicted_keys, used_memory, ops/s.
func zipf(c *conn, keys, ops int, s float64, value, pipeline int, deadline time.Time) error {
	rng := rand.New(rand.NewPCG(1, 2)) // the same sequence for every server
	z := rand.NewZipf(rng, s, 1, uint64(keys-1))
	val := strings.Repeat("v", value)
	hits, gets := 0, 0
	start := time.Now()
	batch := make([]string, 0, pipeline)
	for gets < ops && time.Now().Before(deadline) {
		batch = batch[:0]
		for range pipeline {
			k := "key:" + strconv.FormatUint(z.Uint64(), 10)
			batch = append(batch, k)
			c.send("GET", k)
		}
		if err := c.w.Flush(); err != nil {
			return err
		}
		var misses []string
		for _, k := range batch {
			r, err := c.reply()
			if err != nil {
				return err
			}
			gets++
			if r == "$-1" {
				misses = append(misses, k)
			} else {
				hits++
			}
		}
		for _, k := range misses {
			c.send("SET", k, val)
		}
		if err := c.w.Flush(); err != nil {
			return err
		}
		for range misses {
			if r, err := c.reply(); err != nil || r[0] == '-' {
				return fmt.Errorf("SET: %q %v", r, err)
			}
		}
	}
	el := time.Since(start).Seconds()
	fmt.Printf("%d\t%d\t%.4f\t%d\t%d\t%.0f\n", gets, hits, float64(hits)/float64(max(gets, 1)),
		c.info("stats", "evicted_keys"), c.info("memory", "used_memory"), float64(gets)/el)
	return nil
}

// rss reads VmRSS of a process, in bytes.
func rss(pid int) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			n, _ := strconv.ParseInt(f[0], 10, 64)
			return n * 1024
		}
	}
	return -1
}

// fill SETs keys new keys, which at a maxmemory below their size forces
// eviction all along. Fields: keys written, peak RSS, final RSS,
// used_memory, maxmemory, evicted_keys, SETs/s.
func fill(c *conn, pid, keys, value, pipeline int, deadline time.Time) error {
	val := strings.Repeat("v", value)
	var peak int64
	start := time.Now()
	n := 0
	for n < keys && time.Now().Before(deadline) {
		for range pipeline {
			c.send("SET", "fill:"+strconv.Itoa(n), val)
			n++
		}
		if err := c.w.Flush(); err != nil {
			return err
		}
		for range pipeline {
			if r, err := c.reply(); err != nil || r[0] == '-' {
				return fmt.Errorf("SET: %q %v", r, err)
			}
		}
		if n%(pipeline*64) == 0 && pid > 0 {
			peak = max(peak, rss(pid))
		}
	}
	el := time.Since(start).Seconds()
	final := rss(pid)
	fmt.Printf("%d\t%d\t%d\t%d\t%d\t%d\t%.0f\n", n, max(peak, final), final, c.info("memory", "used_memory"),
		c.info("memory", "maxmemory"), c.info("stats", "evicted_keys"), float64(n)/el)
	return nil
}

// ttl loads keys with TTLs spread evenly over 1 to 5 seconds, then polls
// DBSIZE every 100ms: a key still counted more than 2 s after its expiry
// has not been reclaimed in time. Since the keys' expiries are known,
// DBSIZE minus the keys whose expiry is less than 2 s ago is a lower bound
// of such late keys. Fields: keys, the worst such lower bound seen,
// seconds until DBSIZE reached 0 after the last expiry, expired_keys,
// expire_cycle_cpu_milliseconds.
func ttl(c *conn, keys, pipeline int, deadline time.Time) error {
	c.do("FLUSHALL")
	base := time.Now().UnixMilli()
	expiries := make([]int64, keys)
	for i := 0; i < keys; {
		sent := 0
		for ; sent < pipeline && i < keys; sent++ {
			at := base + 1000 + int64(i)*4000/int64(keys)
			expiries[i] = at
			c.send("SET", "ttl:"+strconv.Itoa(i), "v", "PXAT", strconv.FormatInt(at, 10))
			i++
		}
		if err := c.w.Flush(); err != nil {
			return err
		}
		for range sent {
			if r, err := c.reply(); err != nil || r[0] == '-' {
				return fmt.Errorf("SET: %q %v", r, err)
			}
		}
	}
	last := expiries[keys-1]
	worst := int64(0)
	var drained float64 = -1
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		r, err := c.do("DBSIZE")
		if err != nil {
			return err
		}
		size, _ := strconv.ParseInt(strings.TrimPrefix(r, ":"), 10, 64)
		now := time.Now().UnixMilli()
		// Keys whose expiry is at most 2 s ago may still be there.
		// (expiries ascend)
		allowed := int64(keys - sort.Search(keys, func(i int) bool { return expiries[i] > now-2000 }))
		worst = max(worst, size-allowed)
		if size == 0 {
			drained = float64(now-last) / 1000
			break
		}
	}
	fmt.Printf("%d\t%d\t%.1f\t%d\t%d\n", keys, worst, drained, c.info("stats", "expired_keys"),
		c.info("stats", "expire_cycle_cpu_milliseconds"))
	return nil
}
