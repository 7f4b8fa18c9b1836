package luabit

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// The values are Redis 7.0.15's for the same expressions.
func TestBit(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"bit.band(0xff, 0x0f, 7)", "7"},
		{"bit.bor(1, 2, 4)", "7"},
		{"bit.bxor(5, 3)", "6"},
		{"bit.bnot(0)", "-1"},
		{"bit.lshift(1, 31)", "-2147483648"},
		{"bit.rshift(-1, 28)", "15"},
		{"bit.arshift(-256, 4)", "-16"},
		{"bit.rol(1, 33)", "2"},
		{"bit.ror(1, 1)", "-2147483648"},
		{"bit.tobit(2^32 + 5)", "5"},
		{"bit.tobit(1.5)", "2"},
		{"bit.tobit(2.5)", "2"},
		{"bit.bswap(0x12345678)", "2018915346"},
		{"bit.tohex(255)", "000000ff"},
		{"bit.tohex(-1)", "ffffffff"},
		{"bit.tohex(255, -4)", "00FF"},
		{"bit.tohex(0x12345678, 12)", "12345678"},
	}
	L := lua.NewState()
	defer L.Close()
	L.SetGlobal("bit", New(L))
	for _, tc := range tests {
		if err := L.DoString("r = tostring(" + tc.expr + ")"); err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := L.GetGlobal("r").String(); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.expr, got, tc.want)
		}
	}
	err := L.DoString("bit.band()")
	if err == nil || !contains(err.Error(), "bad argument #1 to 'band' (number expected, got no value)") {
		t.Errorf("bit.band(): %v", err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
