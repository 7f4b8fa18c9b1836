package server

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/emberkv/ember/internal/testenv"
)

// The HyperLogLog golden tests: the same PFADD, PFCOUNT and PFMERGE on a
// real redis-server and on Ember must leave the same bytes in the strings
// and answer the same counts. The differential script hll.txt covers the
// commands' edges; these drive sets too large for a script.

// hllPair is a connection to each server, for running the same commands.
type hllPair struct {
	t             *testing.T
	redis, ember  *respConn
	redisAddr     string
	emberAddr     string
	pipelineDepth int
}

func newHLLPair(t *testing.T) *hllPair {
	redisAddr := testenv.StartRedis(t)
	_, emberAddr := startServer(t, DefaultConfig())
	return &hllPair{t: t, redis: dialRESP(t, redisAddr), ember: dialRESP(t, emberAddr),
		redisAddr: redisAddr, emberAddr: emberAddr, pipelineDepth: 64}
}

// both runs one command on each server and fails unless the raw replies
// are the same; it returns the reply.
func (p *hllPair) both(args ...[]byte) string {
	p.t.Helper()
	req := encodeCommand(args...)
	var replies [2]string
	for i, c := range []*respConn{p.redis, p.ember} {
		if err := c.send(req); err != nil {
			p.t.Fatal(err)
		}
		r, err := c.read()
		if err != nil {
			p.t.Fatalf("%q: %v", args[0], err)
		}
		replies[i] = string(r)
	}
	if replies[0] != replies[1] {
		p.t.Fatalf("%s: redis %q, ember %q", shortArgs(args), short(replies[0]), short(replies[1]))
	}
	return replies[0]
}

func (p *hllPair) bothStr(args ...string) string {
	p.t.Helper()
	return p.both(stringArgs(args)...)
}

// pfadd adds elems to key on both servers, batch elements per PFADD, with
// up to pipelineDepth commands in flight, comparing every reply.
func (p *hllPair) pfadd(key string, elems [][]byte, batch int) {
	p.t.Helper()
	var reqs [][]byte
	for len(elems) > 0 {
		n := min(batch, len(elems))
		args := append([][]byte{[]byte("PFADD"), []byte(key)}, elems[:n]...)
		reqs = append(reqs, encodeCommand(args...))
		elems = elems[n:]
	}
	for len(reqs) > 0 {
		n := min(p.pipelineDepth, len(reqs))
		var got [2][]string
		for i, c := range []*respConn{p.redis, p.ember} {
			if err := c.send(bytes.Join(reqs[:n], nil)); err != nil {
				p.t.Fatal(err)
			}
			for range n {
				r, err := c.read()
				if err != nil {
					p.t.Fatal(err)
				}
				got[i] = append(got[i], string(r))
			}
		}
		for j := range got[0] {
			if got[0][j] != got[1][j] {
				p.t.Fatalf("PFADD %s: redis %q, ember %q", key, got[0][j], got[1][j])
			}
		}
		reqs = reqs[n:]
	}
}

// hllCount returns the integer of a PFCOUNT reply.
func hllCount(t *testing.T, reply string) int64 {
	t.Helper()
	if len(reply) < 4 || reply[0] != ':' {
		t.Fatalf("PFCOUNT replied %q", reply)
	}
	n, err := strconv.ParseInt(reply[1:len(reply)-2], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func short(s string) string {
	if len(s) > 200 {
		return s[:200] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

func shortArgs(args [][]byte) string {
	var b []byte
	for i, a := range args {
		if i == 4 {
			b = fmt.Appendf(b, " ...(%d args)", len(args))
			break
		}
		b = fmt.Appendf(b, " %q", short(string(a)))
	}
	return string(b)
}

// textElems are n distinct elements "prefix:i".
func textElems(prefix string, from, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(prefix + ":" + strconv.Itoa(from+i))
	}
	return out
}

// binaryElems are n random byte strings of 0 to 40 bytes, so that every
// tail length of the hash's 8-byte words occurs, the empty one included.
func binaryElems(seed uint64, n int) [][]byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	out := make([][]byte, n)
	for i := range out {
		b := make([]byte, rng.IntN(41))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		out[i] = b
	}
	return out
}

func TestHLLBytesMatchRedis(t *testing.T) {
	p := newHLLPair(t)
	tests := []struct {
		name  string
		elems [][]byte
		batch int
	}{
		{"one", textElems("a", 0, 1), 1},
		{"few", textElems("a", 0, 10), 3},
		{"sparse", textElems("s", 0, 1000), 1},
		{"promotes", textElems("p", 0, 5000), 7},
		{"dense", textElems("d", 0, 100000), 1000},
		{"binary", binaryElems(1, 3000), 1},
		{"empty and zero bytes", [][]byte{{}, {0}, {0, 0}, []byte("a\x00b"), {}, {0xff}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.t = t
			key := "hll:" + tt.name
			p.pfadd(key, tt.elems, tt.batch)
			p.bothStr("GET", key)
			p.bothStr("PFCOUNT", key)
			p.bothStr("GET", key) // with the count cached
			p.bothStr("PFDEBUG", "ENCODING", key)
			// Adding the same elements again changes nothing.
			p.pfadd(key, tt.elems, tt.batch)
			p.bothStr("GET", key)
		})
	}
}

func TestHLLCountMatchesRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("a million elements")
	}
	p := newHLLPair(t)
	const total = 1000000
	added := 0
	for _, n := range []int{1, 10, 100, 1000, 3000, 10000, 100000, total} {
		p.pfadd("h", textElems("e", added, n-added), 1000)
		added = n
		got := hllCount(t, p.bothStr("PFCOUNT", "h"))
		if n == total {
			// Three standard errors (1.04/sqrt(16384) = 0.81%).
			if rel := math.Abs(float64(got-total)) / total; rel > 3*0.0081 {
				t.Errorf("PFCOUNT of %d distinct elements = %d, off by %.2f%%", total, got, rel*100)
			}
		}
	}
	p.bothStr("GET", "h")
}

func TestHLLStringsMoveBetweenServers(t *testing.T) {
	p := newHLLPair(t)
	for _, n := range []int{5, 500, 20000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			p.t = t
			key := "src" + strconv.Itoa(n)
			elems := binaryElems(uint64(n), n)
			for from, to := range map[*respConn]*respConn{p.redis: p.ember, p.ember: p.redis} {
				from.mustDo(t, "DEL", key)
				for _, chunk := range splitElems(elems, 1000) {
					from.mustDo(t, append([]string{"PFADD", key}, bytesToStrings(chunk)...)...)
				}
				raw := from.mustDo(t, "GET", key) // the cached count is stale
				val := bulkBody(t, raw)
				want := from.mustDo(t, "PFCOUNT", key)
				if got := to.mustDo(t, "SET", "moved", val); got != "+OK\r\n" {
					t.Fatalf("SET: %q", got)
				}
				if got := to.mustDo(t, "PFCOUNT", "moved"); got != want {
					t.Errorf("PFCOUNT of a moved HLL of %d: %q, where it was made %q", n, got, want)
				}
				// Both cache the count the same way.
				if got, want := to.mustDo(t, "GET", "moved"), from.mustDo(t, "GET", key); got != want {
					t.Errorf("a moved HLL of %d cached its count differently", n)
				}
			}
		})
	}
}

func TestHLLMergeMatchesRedis(t *testing.T) {
	p := newHLLPair(t)
	p.pfadd("s1", textElems("x", 0, 200), 50)
	p.pfadd("s2", textElems("x", 100, 300), 50)
	p.pfadd("s3", textElems("y", 0, 1500), 50) // sparse, near the limit
	p.pfadd("d1", textElems("z", 0, 50000), 1000)
	p.pfadd("d2", textElems("x", 0, 30000), 1000)
	if got := p.bothStr("PFDEBUG", "ENCODING", "s3"); got != "+sparse\r\n" {
		t.Fatalf("s3 is %q", got)
	}
	tests := []struct {
		name     string
		args     []string
		encoding string
	}{
		{"sparse into new", []string{"m1", "s1", "s2"}, "sparse"},
		{"sparse grows dense", []string{"m2", "s1", "s3", "s2"}, "dense"},
		{"dense and sparse", []string{"m3", "s1", "d1"}, "dense"},
		{"into an existing sparse", []string{"s1", "s2"}, "sparse"},
		{"into an existing dense", []string{"d2", "s3", "d1"}, "dense"},
		{"missing sources", []string{"m4", "nosuch", "s2", "other"}, "sparse"},
		{"nothing", []string{"m5"}, "sparse"},
		{"itself", []string{"s2", "s2"}, "sparse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.t = t
			p.bothStr(append([]string{"PFMERGE"}, tt.args...)...)
			p.bothStr("GET", tt.args[0])
			if got := p.bothStr("PFDEBUG", "ENCODING", tt.args[0]); got != "+"+tt.encoding+"\r\n" {
				t.Errorf("the result is %q, want %s", got, tt.encoding)
			}
			p.bothStr("PFCOUNT", tt.args[0])
			p.bothStr(append([]string{"PFCOUNT"}, tt.args...)...)
			p.bothStr("GET", tt.args[0])
		})
	}
}

func splitElems(elems [][]byte, n int) [][][]byte {
	var out [][][]byte
	for len(elems) > 0 {
		k := min(n, len(elems))
		out = append(out, elems[:k])
		elems = elems[k:]
	}
	return out
}

func bytesToStrings(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}

// bulkBody returns the payload of a raw bulk reply.
func bulkBody(t *testing.T, raw string) string {
	t.Helper()
	i := bytes.IndexByte([]byte(raw), '\n')
	if raw[0] != '$' || i < 0 {
		t.Fatalf("not a bulk reply: %q", short(raw))
	}
	return raw[i+1 : len(raw)-2]
}

// TestPFSelfTest runs PFSELFTEST on both servers: ten million elements,
// too slow for a differential script under the race detector.
func TestPFSelfTest(t *testing.T) {
	if testing.Short() || testenv.RaceEnabled {
		t.Skip("ten million elements")
	}
	p := newHLLPair(t)
	if got := p.bothStr("PFSELFTEST"); got != "+OK\r\n" {
		t.Errorf("PFSELFTEST: %q", got)
	}
}
