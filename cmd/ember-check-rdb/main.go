// Command ember-check-rdb checks an RDB file, as redis-check-rdb does: it
// reads the whole file with Ember's loader (every value decoded and
// validated, the checksum verified) and reports what it found, or the
// problem and the byte offset where it lies, with a non-zero exit status.
//
//	ember-check-rdb dump.rdb
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/emberkv/ember/persistence/rdb"
	"github.com/emberkv/ember/store"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout)) }

func run(args []string, out io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(out, "Usage: ember-check-rdb <rdb-file-name>")
		return 1
	}
	path := args[0]
	fmt.Fprintf(out, "[offset 0] Checking RDB file %s\n", path)
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(out, "Cannot open the RDB file %s: %v\n", path, err)
		return 1
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	// Databases enough for any file Redis writes (a SELECTDB beyond them
	// is still reported).
	s := store.New(store.Options{Databases: 16, SweepInterval: -1})
	defer s.Close()
	var warnings []string
	stats, err := rdb.Load(f, s.NewStaging(), s, rdb.LoadOptions{
		Name:        path,
		Size:        size,
		NowMs:       time.Now().UnixMilli(),
		KeepExpired: true,
		Warn:        func(msg string) { warnings = append(warnings, msg) },
	})
	keys := make([]string, 0, len(stats.Aux))
	for k := range stats.Aux {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(out, "[info] AUX FIELD %s = '%s'\n", k, stats.Aux[k])
	}
	for _, w := range warnings {
		fmt.Fprintf(out, "[warning] %s\n", w)
	}
	if err != nil {
		fmt.Fprintln(out, "--- RDB ERROR DETECTED ---")
		var re *rdb.Error
		if errors.As(err, &re) {
			fmt.Fprintf(out, "[offset %d] %s\n", re.Offset, re.Kind)
			if re.Detail != "" {
				fmt.Fprintf(out, "[additional info] %s\n", re.Detail)
			}
		} else {
			fmt.Fprintf(out, "[error] %v\n", err)
		}
		fmt.Fprintf(out, "[additional info] While doing: read-object-value\n[additional info] Reading key count: %d\n", stats.Keys)
		return 1
	}
	if stats.Version > 0 {
		fmt.Fprintf(out, "[info] RDB version %d\n", stats.Version)
	}
	fmt.Fprintf(out, "[offset %d] Checksum OK\n", stats.Bytes)
	fmt.Fprintf(out, "[offset %d] \\o/ RDB looks OK! \\o/\n", stats.Bytes)
	fmt.Fprintf(out, "[info] %d keys read\n", stats.Keys)
	return 0
}
