package server

import (
	"bufio"
	"net"
	"runtime"
	"strconv"
	"testing"
)

// The script of the benchmark: INCR a key and set its TTL.
const benchScript = "local n = redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], ARGV[1]) return n"

const benchLibrary = "#!lua name=benchlib\nredis.register_function('incr_expire', function(keys, args) local n = redis.call('INCR', keys[1]) redis.call('EXPIRE', keys[1], args[1]) return n end)"

// BenchmarkScriptDispatch runs EVALSHA and FCALL through the whole
// command path without the network, as one connection would.
func BenchmarkScriptDispatch(b *testing.B) {
	srv := benchServer(b, DefaultConfig())
	c := benchClient(srv)
	s, msg := srv.scripts.loadScript([]byte(benchScript))
	if s == nil {
		b.Fatal(msg)
	}
	c.dispatch([][]byte{[]byte("FUNCTION"), []byte("LOAD"), []byte(benchLibrary)})
	// The expiry sweeper visits every shard each tick: once a second, it
	// hardly adds to instruction counts taken under callgrind, where a
	// run lasts many seconds.
	c.dispatch([][]byte{[]byte("CONFIG"), []byte("SET"), []byte("hz"), []byte("1")})
	c.w.buf = c.w.buf[:0]
	for _, tc := range []struct {
		name string
		args [][]byte
		also [][]byte // a second command per op
	}{
		{"EVALSHA", [][]byte{[]byte("EVALSHA"), []byte(s.sha), []byte("1"), []byte("counter"), []byte("100")}, nil},
		{"FCALL", [][]byte{[]byte("FCALL"), []byte("incr_expire"), []byte("1"), []byte("counter"), []byte("100")}, nil},
		{"EVAL", [][]byte{[]byte("EVAL"), []byte(benchScript), []byte("1"), []byte("counter"), []byte("100")}, nil},
		// What the script's two commands cost as plain commands.
		{"INCR+EXPIRE", [][]byte{[]byte("INCR"), []byte("counter")}, [][]byte{[]byte("EXPIRE"), []byte("counter"), []byte("100")}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c.dispatch(tc.args)
				if tc.also != nil {
					c.dispatch(tc.also)
				}
				if c.w.buf[0] != ':' {
					b.Fatalf("reply %q", c.w.buf)
				}
				c.w.buf = c.w.buf[:0]
			}
		})
	}
}

// BenchmarkScriptConn runs EVALSHA and FCALL over a loopback connection,
// one request at a time and pipelined 16 deep, as redis-benchmark -P.
func BenchmarkScriptConn(b *testing.B) {
	srv, addr := startServer(b, DefaultConfig())
	s, msg := srv.scripts.loadScript([]byte(benchScript))
	if s == nil {
		b.Fatal(msg)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	if _, err := conn.Write(encodeCommand([]byte("FUNCTION"), []byte("LOAD"), []byte(benchLibrary))); err != nil {
		b.Fatal(err)
	}
	if line, _ := r.ReadString('\n'); line[0] != '$' {
		b.Fatal(line)
	}
	r.ReadString('\n')
	for _, tc := range []struct {
		name string
		req  []byte
	}{
		{"EVALSHA", encodeCommand([]byte("EVALSHA"), []byte(s.sha), []byte("1"), []byte("counter"), []byte("100"))},
		{"FCALL", encodeCommand([]byte("FCALL"), []byte("incr_expire"), []byte("1"), []byte("counter"), []byte("100"))},
	} {
		for _, depth := range []int{1, 16} {
			batch := make([]byte, 0, len(tc.req)*depth)
			for i := 0; i < depth; i++ {
				batch = append(batch, tc.req...)
			}
			b.Run(tc.name+"/P"+strconv.Itoa(depth), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i += depth {
					if _, err := conn.Write(batch); err != nil {
						b.Fatal(err)
					}
					for j := 0; j < depth; j++ {
						line, err := r.ReadString('\n')
						if err != nil || line[0] != ':' {
							b.Fatalf("reply %q, %v", line, err)
						}
					}
				}
			})
		}
	}
}

// BenchmarkScriptConnParallel is redis-benchmark's shape: 50 connections
// each pipelining 16 EVALSHAs of the same key.
func BenchmarkScriptConnParallel(b *testing.B) {
	srv, addr := startServer(b, DefaultConfig())
	s, msg := srv.scripts.loadScript([]byte(benchScript))
	if s == nil {
		b.Fatal(msg)
	}
	req := encodeCommand([]byte("EVALSHA"), []byte(s.sha), []byte("1"), []byte("counter"), []byte("100"))
	const depth = 16
	batch := make([]byte, 0, len(req)*depth)
	for i := 0; i < depth; i++ {
		batch = append(batch, req...)
	}
	b.SetParallelism(25)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		for {
			n := 0
			for n < depth && pb.Next() {
				n++
			}
			if n == 0 {
				return
			}
			if _, err := conn.Write(batch[:n*len(req)]); err != nil {
				b.Error(err)
				return
			}
			for j := 0; j < n; j++ {
				if line, err := r.ReadString('\n'); err != nil || line[0] != ':' {
					b.Errorf("reply %q, %v", line, err)
					return
				}
			}
		}
	})
}

// BenchmarkEvalCold is an EVAL of a script the cache has not seen: SHA1,
// compile, cache, run. It reports the heap each cached script keeps.
func BenchmarkEvalCold(b *testing.B) {
	srv := benchServer(b, DefaultConfig())
	c := benchClient(srv)
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i] = []byte(benchScript + " -- " + strconv.Itoa(i))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.dispatch([][]byte{[]byte("EVAL"), bodies[i], []byte("1"), []byte("counter"), []byte("100")})
		if c.w.buf[0] != ':' {
			b.Fatalf("reply %q", c.w.buf)
		}
		c.w.buf = c.w.buf[:0]
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "heap-B/script")
	runtime.KeepAlive(bodies)
}
