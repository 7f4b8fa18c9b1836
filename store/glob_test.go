package store

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", false}, // as Redis: KEYS and SCAN special-case a lone "*"
		{"*", "abc", true},
		{"a*", "abc", true},
		{"a*c", "abc", true},
		{"a*d", "abc", false},
		{"?", "a", true},
		{"?", "", false},
		{"h?llo", "hello", true},
		{"h[ae]llo", "hallo", true},
		{"h[ae]llo", "hillo", false},
		{"h[^e]llo", "hallo", true},
		{"h[^e]llo", "hello", false},
		{"h[a-b]llo", "hbllo", true},
		{"h[b-a]llo", "hbllo", true},
		{"h[a-b]llo", "hcllo", false},
		{`h\*llo`, "h*llo", true},
		{`h\*llo`, "hello", false},
		{`[\]]`, "]", true},
		{"[abc", "a", true},
		{"[abc", "b", true},
		{"", "", true},
		{"", "a", false},
		{"a**", "a", true},
		{"*a*", "xxaxx", true},
		{"foo*bar", "foobar", true},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.s, false); got != tt.want {
			t.Errorf("Match(%q, %q) = %v; want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
	if !Match("H[A-Z]LLO", "hello", true) {
		t.Error("nocase range did not match")
	}
}
