package main

import (
	"context"
	"math/rand/v2"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/emberkv/ember/internal/testenv"
)

// startBinary runs bin in dir with args on a free port and returns a
// client; the process is killed when the test ends.
func startBinary(t *testing.T, bin, dir string, args ...string) (*exec.Cmd, *redis.Client, <-chan error) {
	t.Helper()
	port := testenv.FreePort(t)
	cmd := exec.Command(bin, append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1"}, args...)...)
	cmd.Dir = dir
	var log testenv.LockedBuffer
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error) // closed when the process is gone
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		err := c.Ping(ctx).Err()
		if err == nil {
			return cmd, c, exited
		}
		select {
		case <-exited:
			t.Fatalf("ember-server exited at start-up:\n%s", log.String())
		case <-ctx.Done():
			t.Fatalf("ember-server did not answer: %v\n%s", err, log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// SIGKILL while SAVE and BGSAVE run under a write load: the restarted
// server loads the last complete dump. One client writes k0, k1, ... in
// order, so a point-in-time image is a prefix k0..kM: M must be at least
// the last key acknowledged before the last successful SAVE began, and
// at most the last key acknowledged at all, and nothing may be missing
// below M. The temp file + fsync + rename discipline makes a torn dump
// impossible.
func TestKillDuringSavesLoadsLastCompleteDump(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin, err := testenv.BuildServer(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for round := range 3 {
		cmd, c, exited := startBinary(t, bin, data, "--save", "")
		ctx := context.Background()
		n := c.DBSize(ctx).Val() // keys left by the round before
		saver := redis.NewClient(&redis.Options{Addr: c.Options().Addr, MaxRetries: -1})
		savedUpTo := int64(-1) // every key below this was acknowledged before a SAVE that succeeded
		acked := n - 1
		stop := make(chan struct{})
		saverDone := make(chan int64)
		ackedCh := make(chan int64, 1<<16)
		go func() {
			defer close(saverDone)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				// The highest acknowledged write so far is in the image.
				before := int64(-1)
			drain:
				for {
					select {
					case a := <-ackedCh:
						before = max(before, a)
					default:
						break drain
					}
				}
				var err error
				if i%2 == 0 {
					err = saver.Save(ctx).Err()
				} else {
					err = saver.BgSave(ctx).Err()
				}
				if err == nil && i%2 == 0 && before >= 0 {
					saverDone <- before
				}
			}
		}()
		deadline := time.After(time.Duration(100+rng.IntN(300)) * time.Millisecond)
	writes:
		for i := n; ; i++ {
			select {
			case <-deadline:
				break writes
			case s := <-saverDone:
				savedUpTo = max(savedUpTo, s)
			default:
			}
			if err := c.Set(ctx, "k"+strconv.FormatInt(i, 10), strconv.FormatInt(i, 10), 0).Err(); err != nil {
				t.Fatalf("round %d: SET k%d: %v", round, i, err)
			}
			acked = i
			select {
			case ackedCh <- i:
			default:
			}
		}
		cmd.Process.Kill()
		<-exited
		close(stop)
		for s := range saverDone {
			savedUpTo = max(savedUpTo, s)
		}
		saver.Close()
		// Restart on the same dir: what loaded must be a prefix.
		cmd2, c2, exited2 := startBinary(t, bin, data, "--save", "")
		size := c2.DBSize(ctx).Val()
		// One SET may have been applied without its reply arriving.
		if size-1 < savedUpTo || size-1 > acked+1 {
			t.Fatalf("round %d: loaded k0..k%d; want at least k%d (saved) and at most k%d (acknowledged)", round, size-1, savedUpTo, acked)
		}
		if size > 0 {
			keys := []string{"k0", "k" + strconv.FormatInt(size/2, 10), "k" + strconv.FormatInt(size-1, 10)}
			vals, err := c2.MGet(ctx, keys...).Result()
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if want := strings.TrimPrefix(keys[i], "k"); v != want {
					t.Fatalf("round %d: %s = %v, want %s: the image is not a prefix", round, keys[i], v, want)
				}
			}
		}
		t.Logf("round %d: %d keys acknowledged, %d saved for sure, %d loaded", round, acked+1, savedUpTo+1, size)
		c2.Close()
		cmd2.Process.Kill()
		<-exited2
	}
}
