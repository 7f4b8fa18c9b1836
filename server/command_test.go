package server

import "testing"

func TestNameIs(t *testing.T) {
	for _, tc := range []struct {
		name, lower string
		want        bool
	}{
		{"GET", "get", true},
		{"get", "get", true},
		{"gEt", "get", true},
		{"GETS", "get", false},
		{"GE", "get", false},
		{"", "get", false},
		{"RESTORE-ASKING", "restore-asking", true},
		{"restore\rasking", "restore-asking", false}, // '\r'|0x20 is '-'
		{"GEORADIUS_RO", "georadius_ro", true},
		{"georadius\x7fro", "georadius_ro", false}, // DEL is '_'|0x20
		{"G\xc5T", "get", false},
	} {
		if got := nameIs([]byte(tc.name), tc.lower); got != tc.want {
			t.Errorf("nameIs(%q, %q) = %v, want %v", tc.name, tc.lower, got, tc.want)
		}
	}
}
