package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"testing"

	"github.com/emberkv/ember/internal/testenv"
)

// BenchmarkPublish publishes to N real TCP subscribers of an in-process
// server, each draining its socket; messages/s counts deliveries. The
// publisher pipelines 64 PUBLISHes a round trip.
//
// With EMBER_BENCH_REDIS=1 the same runs against a real redis-server.
func BenchmarkPublish(b *testing.B) {
	targets := []string{"ember"}
	if os.Getenv("EMBER_BENCH_REDIS") != "" {
		targets = append(targets, "redis")
	}
	for _, target := range targets {
		for _, n := range []int{1, 100, 1000} {
			b.Run(fmt.Sprintf("%s/subscribers=%d", target, n), func(b *testing.B) {
				var addr string
				if target == "redis" {
					addr = testenv.StartRedis(b)
				} else {
					_, addr = startServer(b, DefaultConfig())
				}
				msg := push(false, "message", "bench", "payload-of-32-bytes-for-bench!!")
				var done = make(chan int64, n)
				for i := 0; i < n; i++ {
					c, err := net.Dial("tcp", addr)
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { c.Close() })
					c.Write(encodeCommand([]byte("SUBSCRIBE"), []byte("bench")))
					r := bufio.NewReaderSize(c, 64*1024)
					confirm := "*3\r\n$9\r\nsubscribe\r\n$5\r\nbench\r\n:1\r\n"
					if _, err := io.ReadFull(r, make([]byte, len(confirm))); err != nil {
						b.Fatal(err)
					}
					want := int64(b.N) * int64(len(msg))
					go func() {
						got, _ := io.CopyN(io.Discard, r, want)
						done <- got
					}()
				}
				pub := dialRESP(b, addr)
				req := encodeCommand([]byte("PUBLISH"), []byte("bench"), []byte("payload-of-32-bytes-for-bench!!"))
				const batch = 64
				var pipe []byte
				for i := 0; i < batch; i++ {
					pipe = append(pipe, req...)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for sent := 0; sent < b.N; {
					k := min(batch, b.N-sent)
					pub.send(pipe[:k*len(req)])
					for j := 0; j < k; j++ {
						if _, err := pub.read(); err != nil {
							b.Fatal(err)
						}
					}
					sent += k
				}
				for i := 0; i < n; i++ {
					<-done
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)*float64(n)/b.Elapsed().Seconds(), "deliveries/s")
			})
		}
	}
}

// BenchmarkPublishNobody is PUBLISH's fast path: no subscriber at all.
func BenchmarkPublishNobody(b *testing.B) {
	srv := benchServer(b, DefaultConfig())
	ch, m := []byte("ch"), []byte("m")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		srv.publish(ch, m)
	}
}
