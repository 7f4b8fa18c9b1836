package luastruct

import (
	"testing"

	"github.com/emberkv/ember/internal/luatest"
)

// Packed bytes and unpacked values are Redis 7.0.15's for the same calls.
func TestStruct(t *testing.T) {
	tests := []luatest.Case{
		{"return struct.pack('>I2', 258)", "\x01\x02"},
		{"return struct.pack('<i4', -2)", "\xfe\xff\xff\xff"},
		{"return struct.pack('bBhH', -1, 255, -2, 65535)", "\xff\xff\xfe\xff\xff\xff"},
		{"return struct.pack('>d', 1.5)", "\x3f\xf8\x00\x00\x00\x00\x00\x00"},
		{"return struct.pack('s', 'zero')", "zero\x00"},
		{"return struct.pack('c3', 'abcdef')", "abc"},
		{"return struct.pack('!4 b i4', 1, 2)", "\x01\x00\x00\x00\x02\x00\x00\x00"},
		{"return table.concat({struct.unpack('<i4', struct.pack('<i4', -123456))}, ',')", "-123456,5"},
		{"return table.concat({struct.unpack('bBhH', struct.pack('bBhH', -1, 255, -2, 65535))}, ',')", "-1,255,-2,65535,7"},
		{"return table.concat({struct.unpack('s', 'ab\\0cd')}, ',')", "ab,4"},
		{"return table.concat({struct.unpack('b c0', '\\3abc')}, ',')", "abc,5"},
		{"return table.concat({struct.size('>I2'), struct.size('bi4'), struct.size('!4 bi4'), struct.size('d')}, ',')", "2,5,8,8"},
	}
	luatest.Run(t, "struct", New, tests, map[string]string{
		"struct.unpack('I4', 'ab')": "bad argument #2 to 'unpack' (data string too short)",
		"struct.size('s')":          "bad argument #1 to 'size' (option 's' has no fixed size)",
		"struct.pack('y', 1)":       "bad argument #1 to 'pack' (invalid format option 'y')",
		"struct.pack('i40', 1)":     "integral size 40 is larger than limit of 32",
		"struct.pack('!3', 1)":      "alignment 3 is not a power of 2",
	})
}
