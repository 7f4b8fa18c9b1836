package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/emberkv/ember/persistence/aof"
)

func TestCheckAOF(t *testing.T) {
	set := aof.AppendCommand(nil, []byte("SET"), []byte("a"), []byte("1"))
	tx := append(append(aof.AppendCommand(nil, []byte("MULTI")), set...), aof.AppendCommand(nil, []byte("EXEC"))...)
	tests := []struct {
		name     string
		incr     []byte
		args     []string
		stdin    string
		code     int
		out      string
		sizeWant int // the incr file's size afterwards
	}{
		{name: "valid", incr: append(append([]byte{}, set...), tx...), code: 0, out: "All AOF files are valid", sizeWant: len(set) + len(tx)},
		{name: "torn", incr: append(append([]byte{}, set...), set[:7]...), code: 1, out: "Use the --fix option", sizeWant: len(set) + 7},
		{name: "torn multi fixed", incr: append(append([]byte{}, set...), tx[:len(tx)-3]...), args: []string{"--fix", "-y"}, code: 0,
			out: "Successfully truncated", sizeWant: len(set)},
		{name: "fix asks", incr: append(append([]byte{}, set...), set[:7]...), args: []string{"--fix"}, stdin: "n\n", code: 1, out: "Aborting", sizeWant: len(set) + 7},
		{name: "garbage not fixable", incr: append(append([]byte{}, set...), []byte("junk\r\n")...), args: []string{"--fix", "-y"}, code: 1,
			out: "format error at offset " + strconv.Itoa(len(set)), sizeWant: len(set) + 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			m := &aof.Manifest{}
			m.NewBase("appendonly.aof", false)
			m.NewIncr("appendonly.aof")
			os.WriteFile(filepath.Join(dir, "appendonly.aof.1.base.aof"), aof.AppendCommand(nil, []byte("SET"), []byte("b"), []byte("2")), 0o644)
			incr := filepath.Join(dir, "appendonly.aof.1.incr.aof")
			os.WriteFile(incr, tt.incr, 0o644)
			if err := aof.WriteManifest(dir, "appendonly.aof.manifest", m); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			code := run(append(tt.args, filepath.Join(dir, "appendonly.aof.manifest")), strings.NewReader(tt.stdin), &out, &errOut)
			if code != tt.code || !strings.Contains(out.String(), tt.out) {
				t.Fatalf("exit %d, output:\n%s%s\nwant exit %d and %q", code, out.String(), errOut.String(), tt.code, tt.out)
			}
			fi, _ := os.Stat(incr)
			if int(fi.Size()) != tt.sizeWant {
				t.Fatalf("incr is %d bytes, want %d", fi.Size(), tt.sizeWant)
			}
		})
	}
}
