package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckRDB(t *testing.T) {
	good, err := os.ReadFile("../../../shared/fixtures/rdb/all_types.rdb")
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-3] ^= 0x10
	newer := append([]byte(nil), good...)
	copy(newer, "REDIS0012")
	tests := []struct {
		name string
		file string
		code int
		want []string
	}{
		{"good", write("good.rdb", good), 0, []string{"AUX FIELD redis-ver = '7.0.15'", "Checksum OK", "RDB looks OK", "9 keys read"}},
		{"truncated", write("trunc.rdb", good[:len(good)/2]), 1, []string{"--- RDB ERROR DETECTED ---", "unexpected end of file"}},
		{"bad checksum", write("crc.rdb", flipped), 1, []string{"wrong RDB checksum"}},
		{"newer version", write("v12.rdb", newer), 1, []string{"[offset 5] unsupported RDB version", "can't handle RDB format version 0012"}},
		{"missing", filepath.Join(dir, "nope.rdb"), 1, []string{"Cannot open the RDB file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			if code := run([]string{tt.file}, &out); code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, out.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
