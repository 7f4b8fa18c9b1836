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

// A Redis 6 single-file AOF (an RDB preamble, then commands) is checked
// to its end, as redis-check-aof does, and a torn tail is found at the
// same offset redis-check-aof reports (334 for this file cut by 3 bytes).
func TestCheckOldAOFWithPreamble(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "server", "testdata", "aof-upgrade", "preamble.aof"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		file []byte
		code int
		out  string
	}{
		{name: "whole", file: data, code: 0, out: "AOF analyzed: filename=%s, size=357, ok_up_to=357, diff=0"},
		{name: "torn", file: data[:len(data)-3], code: 1, out: "AOF analyzed: filename=%s, size=354, ok_up_to=334, diff=20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "appendonly.aof")
			if err := os.WriteFile(path, tt.file, 0o644); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			code := run([]string{path}, strings.NewReader(""), &out, &errOut)
			want := strings.Replace(tt.out, "%s", path, 1)
			if code != tt.code || !strings.Contains(out.String(), want) {
				t.Fatalf("exit %d, output:\n%s%s\nwant exit %d and %q", code, out.String(), errOut.String(), tt.code, want)
			}
		})
	}
}
