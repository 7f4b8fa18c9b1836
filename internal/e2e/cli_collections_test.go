package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/emberkv/ember/internal/testenv"
)

// cliOutputModes are the ways redis-cli renders replies: raw (its default
// when standard output is not a terminal, as in scripts), formatted (what
// a person sees: "(integer) 1", `1) "a"`), RESP3 (maps, doubles, sets
// rendered as such), CSV and JSON.
var cliOutputModes = []struct {
	name string
	args []string
}{
	{"raw", nil},
	{"formatted", []string{"--no-raw"}},
	{"RESP3 raw", []string{"-3"}},
	{"RESP3 formatted", []string{"-3", "--no-raw"}},
	{"csv", []string{"--csv"}},
	{"json", []string{"--json"}},
}

// TestRedisCLICollections pipes testdata/cli_collections.txt through
// redis-cli to a real redis-server and to the binary under test, in each
// output mode, and compares what redis-cli prints for each command.
func TestRedisCLICollections(t *testing.T) {
	testenv.RequireTool(t, "redis-cli")
	path := filepath.Join(repoRoot, "internal", "e2e", "testdata", "cli_collections.txt")
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	redisAddr := testenv.StartRedis(t)
	ember := startServer(t)
	lines := cliScript(string(text))
	input := markedInput(lines)
	for _, mode := range cliOutputModes {
		t.Run(mode.name, func(t *testing.T) {
			want, _ := cliAt(t, redisAddr, input, mode.args...)
			got, _ := cliAt(t, ember.addr, input, mode.args...)
			wantSteps, gotSteps := splitSteps(want, len(lines)), splitSteps(got, len(lines))
			for i, l := range lines {
				if wantSteps[i] != gotSteps[i] {
					t.Errorf("%s\n  redis: %q\n  ember: %q", l, wantSteps[i], gotSteps[i])
				}
			}
		})
	}

	// What the script left, listed the ways redis-cli lists keys and
	// fields: --scan (SCAN), --bigkeys (SCAN, TYPE, then HLEN, LLEN, SCARD
	// or ZCARD of each key), and HSCAN, SSCAN and ZSCAN as commands.
	scans := [][]string{
		{"--scan"},
		{"--bigkeys"},
		{"--scan", "--pattern", "*z*"},
		{"--no-raw", "HSCAN", "h", "0"},
		{"--no-raw", "SSCAN", "t", "0"},
		{"--no-raw", "ZSCAN", "z1", "0", "MATCH", "*", "COUNT", "100"},
	}
	for _, args := range scans {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			want, _ := cliAt(t, redisAddr, "", args...)
			got, _ := cliAt(t, ember.addr, "", args...)
			switch args[0] {
			case "--scan": // in the keyspace's order, which differs
				want, got = sortedLines(want), sortedLines(got)
			case "--bigkeys": // its progress lines come in that order too
				want, got = bigkeysSummary(want), bigkeysSummary(got)
			}
			if want != got {
				t.Errorf("redis-cli %s\n  redis: %q\n  ember: %q", strings.Join(args, " "), want, got)
			}
		})
	}
}

// cliScript returns the script's commands: no blank lines or comments.
func cliScript(text string) []string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}

// stepMarker is echoed before each command, so that redis-cli's output can
// be cut into one piece per command.
func stepMarker(i int) string { return fmt.Sprintf("@@step-%d@@", i) }

func markedInput(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		fmt.Fprintf(&b, "ECHO %s\n%s\n", stepMarker(i), l)
	}
	return b.String()
}

// cliElapsed is the line redis-cli's formatted output adds after a reply
// that took half a second or more: the client's timing, not the server's
// reply, and on a loaded machine any command may take that long (CI saw
// "(0.57s)" after a FLUSHALL, which saves to disk).
var cliElapsed = regexp.MustCompile(`^\(\d+\.\d\ds\)\n$`)

// splitSteps cuts redis-cli's output at the markers into n pieces,
// leaving out cliElapsed lines; a missing marker leaves its piece as a
// note saying so.
func splitSteps(out string, n int) []string {
	steps := make([]string, n)
	for i := range steps {
		steps[i] = "<no output: the marker did not come back>"
	}
	cur := -1
	var b strings.Builder
	flush := func() {
		if cur >= 0 {
			steps[cur] = b.String()
		}
		b.Reset()
	}
	for _, l := range strings.SplitAfter(out, "\n") {
		if i := markerIn(l, n); i >= 0 {
			flush()
			cur = i
			continue
		}
		if cliElapsed.MatchString(l) {
			continue
		}
		b.WriteString(l)
	}
	flush()
	return steps
}

func markerIn(line string, n int) int {
	var i int
	start := strings.Index(line, "@@step-")
	if start < 0 {
		return -1
	}
	if _, err := fmt.Sscanf(line[start:], "@@step-%d@@", &i); err != nil || i >= n {
		return -1
	}
	return i
}

func sortedLines(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// bigkeysName is the key named in a --bigkeys "Biggest" line: of two keys
// of the same size, the first SCAN finds.
var bigkeysName = regexp.MustCompile(`found '.*' has`)

// bigkeysSummary is the summary that ends redis-cli --bigkeys' output: the
// size of the biggest key of each type, and the counts.
func bigkeysSummary(out string) string {
	_, summary, found := strings.Cut(out, "-------- summary -------")
	if !found {
		return "<no summary>\n" + out
	}
	return bigkeysName.ReplaceAllString(summary, "found <key> has")
}
