package redisnum

import "testing"

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"-1", -1, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"-9223372036854775808", -9223372036854775808, true},
		{"9223372036854775808", 0, false},
		{"-9223372036854775809", 0, false},
		{"-0", 0, false},
		{"007", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{"1a", 0, false},
		{"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseInt([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLongDouble(t *testing.T) {
	tests := []struct{ a, b, want string }{
		{"0.1", "0.2", "0.3"},
		{"10.5", "0.1", "10.6"},
		{"3.0", "0", "3"},
		{"5.0e3", "2.0e2", "5200"},
		{"-1", "1", "0"},
		{"1e20", "0", "100000000000000000000"},
	}
	for _, tt := range tests {
		a, ok1 := ParseLongDouble([]byte(tt.a))
		b, ok2 := ParseLongDouble([]byte(tt.b))
		if !ok1 || !ok2 {
			t.Fatalf("parse %q %q failed", tt.a, tt.b)
		}
		if got := FormatLongDouble(AddLongDouble(a, b)); got != tt.want {
			t.Errorf("%s + %s = %s; want %s", tt.a, tt.b, got, tt.want)
		}
	}
	for _, bad := range []string{"", " 1", "1 ", "nan", "abc", "1_0",
		// strtold stops at these; big.ParseFloat would take them.
		"0b1", "0o7", "1p3", "0x", "1e", "1e+", ".", "--inf", "+-1", "0x1p",
		// ERANGE: beyond the long double range, or underflowing to zero.
		"1e5000", "-1e5000", "1e-5000", "1e-4952", "1.19e4932"} {
		if _, ok := ParseLongDouble([]byte(bad)); ok {
			t.Errorf("ParseLongDouble(%q) accepted", bad)
		}
	}
}

func TestParseLongDoubleAccepts(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0x1.8", "1.5"},
		{"0X10", "16"},
		{"0x1p3", "8"},
		{"0x.8", "0.5"},
		{"0x1.", "1"},
		{".5", "0.5"},
		{"5.", "5"},
		{"+5", "5"},
		{"-.5e-3", "-0.0005"},
		{"00012", "12"},
		{"1.5E+3", "1500"},
		{"-Infinity", "-inf"},
		{"inf", "inf"},
		{"1e4000", ""}, // within range; its digits are not the subject
		{"1.189e4932", ""},
		{"3.6e-4951", "0"}, // rounds to the smallest subnormal, not to zero
	}
	for _, tt := range tests {
		f, ok := ParseLongDouble([]byte(tt.in))
		if !ok {
			t.Errorf("ParseLongDouble(%q) refused", tt.in)
			continue
		}
		if got := FormatLongDouble(f); tt.want != "" && got != tt.want {
			t.Errorf("ParseLongDouble(%q) = %s; want %s", tt.in, got, tt.want)
		}
	}
}
