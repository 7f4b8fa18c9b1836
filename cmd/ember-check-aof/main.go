// Command ember-check-aof checks an append-only file, as redis-check-aof:
// given a manifest (appendonlydir/appendonly.aof.manifest) it checks every
// file the manifest names, base first; given one .aof file, that file. It
// reports the first problem with the file and the byte offset, and with
// --fix truncates a torn tail (a command cut short by a crash) at the
// last complete command, after asking.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/emberkv/ember/persistence/aof"
	"github.com/emberkv/ember/persistence/rdb"
	"github.com/emberkv/ember/store"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ember-check-aof", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fix := fs.Bool("fix", false, "truncate a torn tail at the last complete command")
	yes := fs.Bool("y", false, "with --fix, do not ask")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "Usage: ember-check-aof [--fix [-y]] <file.manifest|file.aof>")
		return 1
	}
	path := fs.Arg(0)
	files := []string{path}
	if strings.HasSuffix(path, aof.ManifestSuffix) {
		m, err := aof.ReadManifest(path)
		if err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			return 1
		}
		files = nil
		for _, fi := range m.Files() {
			files = append(files, filepath.Join(filepath.Dir(path), fi.Name))
		}
		fmt.Fprintf(stdout, "Start checking Multi Part AOF\n")
	}
	for i, f := range files {
		last := i == len(files)-1
		ok, fixable, valid := check(f, stdout)
		if ok {
			continue
		}
		if !*fix || !fixable || !last {
			switch {
			case !fixable:
				fmt.Fprintf(stdout, "AOF %s is not valid: the damage is not at the end, so --fix cannot repair it.\n", f)
			case !last:
				fmt.Fprintf(stdout, "AOF %s is not valid: it is torn but is not the last file; only the last file can be fixed.\n", f)
			default:
				fmt.Fprintf(stdout, "AOF %s is not valid. Use the --fix option to try fixing it.\n", f)
			}
			return 1
		}
		if !*yes {
			fmt.Fprintf(stdout, "This will shrink the AOF %s to %d bytes\nContinue? [y/N]: ", f, valid)
			line, _ := bufio.NewReader(stdin).ReadString('\n')
			if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(line)), "y") {
				fmt.Fprintln(stdout, "Aborting...")
				return 1
			}
		}
		if err := os.Truncate(f, valid); err != nil {
			fmt.Fprintf(stdout, "Failed to truncate AOF %s: %v\n", f, err)
			return 1
		}
		fmt.Fprintf(stdout, "Successfully truncated AOF %s\n", f)
		return 0
	}
	fmt.Fprintf(stdout, "All AOF files are valid\n")
	return 0
}

// check reports on one file: whether it is valid, whether the damage is a
// torn tail (which --fix may cut off) and the offset the valid part ends.
func check(path string, out io.Writer) (ok, fixable bool, valid int64) {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(out, "Cannot open file %s: %v\n", path, err)
		return false, false, 0
	}
	defer f.Close()
	st, _ := f.Stat()
	size := st.Size()
	br := bufio.NewReader(f)
	var cmds io.Reader = br
	var start int64 // where the commands start: after an RDB preamble
	if sig, _ := br.Peek(5); string(sig) == "REDIS" {
		s := store.New(store.Options{SweepInterval: -1})
		defer s.Close()
		st, err := rdb.Load(br, s.NewStaging(), s, rdb.LoadOptions{Name: filepath.Base(path), Size: size, KeepExpired: true})
		if err != nil {
			fmt.Fprintf(out, "RDB preamble of AOF file %s is not valid: %v\n", path, err)
			return false, false, 0
		}
		fmt.Fprintf(out, "RDB preamble is OK, proceeding with AOF tail...\n")
		if st.Bytes == size {
			fmt.Fprintf(out, "AOF analyzed: filename=%s, size=%d, ok_up_to=%d, diff=0\nRDB file %s is valid\n", path, size, size, filepath.Base(path))
			return true, false, size
		}
		// Commands after the preamble: an old single-file AOF's tail.
		start = st.Bytes
		cmds = io.MultiReader(bytes.NewReader(st.Rest), br)
	}
	valid, _, err = aof.Verify(cmds)
	valid += start
	fmt.Fprintf(out, "AOF analyzed: filename=%s, size=%d, ok_up_to=%d, diff=%d\n", path, size, valid, size-valid)
	switch {
	case err == nil:
		fmt.Fprintf(out, "AOF %s is valid\n", filepath.Base(path))
		return true, false, valid
	case errors.Is(err, aof.ErrTruncated):
		fmt.Fprintf(out, "AOF %s is torn at offset %d (a command cut short)\n", path, valid)
		return false, true, valid
	default:
		fmt.Fprintf(out, "AOF %s format error at offset %d: %v\n", path, valid, err)
		return false, false, valid
	}
}
