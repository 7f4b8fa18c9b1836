// Command msgload is the load tool of scripts/bench-messaging.sh: Pub/Sub
// fan-out, idle subscribers and pipelined commands with random integer
// arguments, against any server that speaks RESP2 (Ember or redis-server),
// over raw TCP. It talks to loopback addresses only, and every mode is
// bounded in count and in time.
//
//	msgload deliver -addr A -pid P -subs N -messages M   PUBLISH fan-out
//	msgload idle    -addr A -pid P -subs N               RSS of N subscribers
//	msgload ops     -addr A -pid P -n N -r R CMD ARG...  random-argument load
//
// Each prints one tab-separated line of results on stdout (see the
// functions below for the fields). With -pid, the server's CPU time
// (utime+stime from /proc/PID/stat) is read before and after the measured
// part.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: msgload deliver|idle|ops [flags]")
		os.Exit(2)
	}
	mode, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:6379", "server address (loopback only)")
	pid := fs.Int("pid", 0, "server process id, for its CPU time and RSS")
	hz := fs.Int("hz", 100, "clock ticks per second (getconf CLK_TCK)")
	timeout := fs.Duration("timeout", 120*time.Second, "give up after this long")
	subs := fs.Int("subs", 1, "subscriber connections")
	messages := fs.Int("messages", 100000, "messages to publish (deliver)")
	size := fs.Int("size", 32, "message payload bytes (deliver)")
	pipeline := fs.Int("P", 32, "requests in flight per connection")
	lag := fs.Int("lag", 256, "messages a subscriber may fall behind before the publisher waits (deliver)")
	conns := fs.Int("c", 50, "connections (ops)")
	total := fs.Int("n", 200000, "requests in all (ops)")
	rng := fs.Int64("r", 8388608, "__rand__ is replaced by a random integer in [0, r) (ops)")
	fs.Parse(args)
	if err := checkLoopback(*addr); err != nil {
		fatal(err)
	}
	deadline := time.Now().Add(*timeout)
	var err error
	switch mode {
	case "deliver":
		err = deliver(*addr, *pid, *hz, *subs, *messages, *size, *pipeline, *lag, deadline)
	case "idle":
		err = idle(*addr, *pid, *subs, deadline)
	case "ops":
		err = ops(*addr, *pid, *hz, *conns, *pipeline, *total, *rng, fs.Args(), deadline)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "msgload:", err)
	os.Exit(1)
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address", addr)
	}
	return nil
}

// command encodes a RESP2 array of bulk strings.
func command(args ...string) []byte {
	b := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, "\r\n"...)
		b = append(b, a...)
		b = append(b, "\r\n"...)
	}
	return b
}

// cpuSeconds is the process's utime+stime.
func cpuSeconds(pid, hz int) float64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return float64(ut+st) / float64(hz)
}

// rssKB is the process's VmRSS.
func rssKB(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// subscribe opens a connection subscribed to channel, its confirmation read.
func subscribe(addr, channel string, deadline time.Time) (net.Conn, *bufio.Reader, error) {
	c, err := net.DialTimeout("tcp", addr, time.Until(deadline))
	if err != nil {
		return nil, nil, err
	}
	// Close with a reset: thousands of connections in TIME_WAIT would
	// hold on to the ephemeral ports that the next run needs.
	c.(*net.TCPConn).SetLinger(0)
	c.SetDeadline(deadline)
	if _, err := c.Write(command("SUBSCRIBE", channel)); err != nil {
		c.Close()
		return nil, nil, err
	}
	r := bufio.NewReaderSize(c, 64*1024)
	want := "*3\r\n$9\r\nsubscribe\r\n$" + strconv.Itoa(len(channel)) + "\r\n" + channel + "\r\n:1\r\n"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(r, got); err != nil || string(got) != want {
		c.Close()
		return nil, nil, fmt.Errorf("SUBSCRIBE %s: %q, %v", channel, got, err)
	}
	return c, r, nil
}

// deliver publishes messages to the channel "bench" that subs
// connections subscribe to, pipelining PUBLISH P at a time, and counts
// what the subscribers receive (every message has the same length, so
// bytes count messages). The publisher waits whenever the subscribers
// together are more than lag messages each behind, so that no output
// buffer grows without bound. Prints: subs, messages, deliveries,
// seconds, deliveries/s, server CPU seconds, server CPU µs per delivery.
func deliver(addr string, pid, hz, subs, messages, size, pipeline, lag int, deadline time.Time) error {
	payload := strings.Repeat("x", size)
	frame := len(command("message", "bench", payload))
	var received atomic.Int64 // bytes, all subscribers
	var wg sync.WaitGroup
	var failed atomic.Value
	conns := make([]net.Conn, 0, subs)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	want := int64(messages) * int64(frame)
	for i := 0; i < subs; i++ {
		c, r, err := subscribe(addr, "bench", deadline)
		if err != nil {
			return err
		}
		conns = append(conns, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 64*1024)
			var got int64
			for got < want {
				n, err := r.Read(buf[:min(int64(len(buf)), want-got)])
				got += int64(n)
				received.Add(int64(n))
				if err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	pub, err := net.DialTimeout("tcp", addr, time.Until(deadline))
	if err != nil {
		return err
	}
	defer pub.Close()
	pub.SetDeadline(deadline)
	pr := bufio.NewReaderSize(pub, 64*1024)
	req := command("PUBLISH", "bench", payload)
	batch := bytes.Repeat(req, pipeline)
	wantReply := ":" + strconv.Itoa(subs) + "\r\n"

	cpu0, t0 := cpuSeconds(pid, hz), time.Now()
	for sent := 0; sent < messages; {
		k := min(pipeline, messages-sent)
		// Wait while the subscribers lag: sent messages each, minus
		// what they received, averaged.
		for int64(sent-lag)*int64(subs)*int64(frame) > received.Load() {
			if time.Now().After(deadline) {
				return errors.New("deliver: timed out waiting for subscribers")
			}
			if f := failed.Load(); f != nil {
				return fmt.Errorf("deliver: a subscriber failed: %v", f)
			}
			time.Sleep(20 * time.Microsecond)
		}
		if _, err := pub.Write(batch[:k*len(req)]); err != nil {
			return err
		}
		for j := 0; j < k; j++ {
			line, err := pr.ReadString('\n')
			if err != nil {
				return err
			}
			if line != wantReply {
				return fmt.Errorf("PUBLISH replied %q, want %q", line, wantReply)
			}
		}
		sent += k
	}
	wg.Wait()
	secs, cpu := time.Since(t0).Seconds(), cpuSeconds(pid, hz)-cpu0
	if f := failed.Load(); f != nil {
		return fmt.Errorf("deliver: a subscriber failed: %v", f)
	}
	deliveries := received.Load() / int64(frame)
	fmt.Printf("%d\t%d\t%d\t%.3f\t%.0f\t%.2f\t%.3f\n", subs, messages, deliveries, secs,
		float64(deliveries)/secs, cpu, cpu*1e6/float64(deliveries))
	return nil
}

// idle opens subs connections, each subscribed to a channel of its own
// (ch:I), and measures the server's RSS before the first and two seconds
// after the last. Prints: subs, RSS before (kB), RSS after (kB), bytes per
// subscriber.
func idle(addr string, pid, subs int, deadline time.Time) error {
	rss0 := rssKB(pid)
	conns := make([]net.Conn, subs)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	// A few dialers at a time: a burst of thousands overflows the listen
	// backlog, and a dropped SYN costs a second.
	const dialers = 8
	errs := make(chan error, dialers)
	for w := 0; w < dialers; w++ {
		go func() {
			for i := w; i < subs; i += dialers {
				c, _, err := subscribe(addr, "ch:"+strconv.Itoa(i), deadline)
				if err != nil {
					errs <- err
					return
				}
				c.SetDeadline(time.Time{})
				conns[i] = c
			}
			errs <- nil
		}()
	}
	for w := 0; w < dialers; w++ {
		if err := <-errs; err != nil {
			return err
		}
	}
	time.Sleep(2 * time.Second)
	rss1 := rssKB(pid)
	fmt.Printf("%d\t%d\t%d\t%.0f\n", subs, rss0, rss1, float64(rss1-rss0)*1024/float64(subs))
	return nil
}

// ops sends total requests of the command args over conns connections,
// P in flight on each, every "__rand__" in an argument replaced with a
// random integer in [0, r) (redis-benchmark's __rand_int__ pads it to 12
// digits, which SETBIT and GETBIT refuse as an offset). Replies are read
// and must not be errors. Prints: requests, seconds, requests/s, server
// CPU seconds, server CPU µs per request.
func ops(addr string, pid, hz, conns, pipeline, total int, r int64, args []string, deadline time.Time) error {
	if len(args) == 0 {
		return errors.New("ops: no command")
	}
	per := total / conns
	total = per * conns
	var wg sync.WaitGroup
	var failed atomic.Value
	start := make(chan struct{})
	for i := 0; i < conns; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Until(deadline))
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(deadline)
		wg.Add(1)
		go func() {
			defer wg.Done()
			rd := bufio.NewReaderSize(c, 64*1024)
			rnd := rand.New(rand.NewPCG(uint64(i), 42))
			argv := make([]string, len(args))
			var buf []byte
			<-start
			for done := 0; done < per; {
				k := min(pipeline, per-done)
				buf = buf[:0]
				for j := 0; j < k; j++ {
					for a, s := range args {
						argv[a] = strings.ReplaceAll(s, "__rand__", strconv.FormatInt(rnd.Int64N(r), 10))
					}
					buf = append(buf, command(argv...)...)
				}
				if _, err := c.Write(buf); err != nil {
					failed.Store(err)
					return
				}
				for j := 0; j < k; j++ {
					line, err := rd.ReadString('\n')
					if err != nil {
						failed.Store(err)
						return
					}
					if line[0] == '-' {
						failed.Store(errors.New(strings.TrimSpace(line)))
						return
					}
					if line[0] == '$' { // a bulk reply: skip its body
						n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
						if n >= 0 {
							if _, err := rd.Discard(n + 2); err != nil {
								failed.Store(err)
								return
							}
						}
					}
				}
				done += k
			}
		}()
	}
	cpu0, t0 := cpuSeconds(pid, hz), time.Now()
	close(start)
	wg.Wait()
	secs, cpu := time.Since(t0).Seconds(), cpuSeconds(pid, hz)-cpu0
	if f := failed.Load(); f != nil {
		return fmt.Errorf("ops: %v", f)
	}
	fmt.Printf("%d\t%.3f\t%.0f\t%.2f\t%.3f\n", total, secs, float64(total)/secs, cpu, cpu*1e6/float64(total))
	return nil
}
