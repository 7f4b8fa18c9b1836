package main

import (
	"context"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// TestCrashAppendFsyncAlways kills ember-server with SIGKILL at a random
// moment while writers push numbered elements, restarts it on the same
// appendonlydir and checks, per writer, that every acknowledged element
// is there, in order, and nothing beyond the one element that may have
// been in flight. Three rounds, each a fraction of a second of load.
func TestCrashAppendFsyncAlways(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool to build with")
	}
	tmp := t.TempDir()
	bin, err := testenv.BuildServer(tmp, false)
	if err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(tmp, "data")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	const writers = 8
	acked := make([]int, writers) // elements 1..acked[i] were acknowledged
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 8))

	for round := 0; round < 3; round++ {
		port := testenv.FreePort(t)
		cmd, addr := startEmber(t, bin, port, dataDir)
		verify(t, addr, acked, round)

		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, PoolSize: 1})
				defer rdb.Close()
				for n := acked[i] + 1; n < acked[i]+100000; n++ {
					if err := rdb.RPush(ctx, "list:"+strconv.Itoa(i), n).Err(); err != nil {
						return // the server died: n may or may not be in
					}
					mu.Lock()
					acked[i] = n
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(100+rng.IntN(300)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		cancel()
		wg.Wait()
		total := 0
		for _, a := range acked {
			total += a
		}
		t.Logf("round %d: killed after %d acknowledged pushes in all", round, total)
	}
	port := testenv.FreePort(t)
	cmd, addr := startEmber(t, bin, port, dataDir)
	verify(t, addr, acked, 3)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
}

func startEmber(t *testing.T, bin string, port int, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", dir,
		"--appendonly", "yes", "--appendfsync", "always")
	var out testenv.LockedBuffer
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Process.Wait(); close(exited) }()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := testenv.WaitForPING(addr, exited, 20*time.Second); err != nil {
		cmd.Process.Kill()
		t.Fatalf("ember-server: %v\n%s", err, out.String())
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, addr
}

// verify checks each writer's list: 1..n with acked[i] <= n <= acked[i]+1
// (the push in flight when the server died may or may not have been
// logged, never anything else). acked is moved up to what is there.
func verify(t *testing.T, addr string, acked []int, round int) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	ctx := context.Background()
	for i := range acked {
		got, err := rdb.LRange(ctx, "list:"+strconv.Itoa(i), 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) < acked[i] || len(got) > acked[i]+1 {
			t.Fatalf("round %d, writer %d: %d elements after restart, %d acknowledged", round, i, len(got), acked[i])
		}
		for j, v := range got {
			if v != strconv.Itoa(j+1) {
				t.Fatalf("round %d, writer %d: element %d is %q, want %d", round, i, j, v, j+1)
			}
		}
		acked[i] = len(got)
	}
}
