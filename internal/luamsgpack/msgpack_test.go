package luamsgpack

import (
	"testing"

	"github.com/emberkv/ember/internal/luatest"
)

// Packed bytes are Redis 7.0.15's for the same calls.
func TestMsgpack(t *testing.T) {
	tests := []luatest.Case{
		{"return cmsgpack.pack(1, -1, 127, 128, 256)", "\x01\xff\x7f\xcc\x80\xcd\x01\x00"},
		{"return cmsgpack.pack(-33, -129, 65536)", "\xd0\xdf\xd1\xff\x7f\xce\x00\x01\x00\x00"},
		{"return cmsgpack.pack(1.5)", "\xca\x3f\xc0\x00\x00"},
		{"return cmsgpack.pack(0.1)", "\xcb\x3f\xb9\x99\x99\x99\x99\x99\x9a"},
		{"return cmsgpack.pack('abc', true, false, nil)", "\xa3abc\xc3\xc2\xc0"},
		{"return cmsgpack.pack({1, 2}, {})", "\x92\x01\x02\x90"},
		{"return cmsgpack.pack({a = 1})", "\x81\xa1a\x01"},
		{"return cmsgpack.pack(string.rep('x', 40)):sub(1, 2)", "\xd9\x28"},
		{"return table.concat({cmsgpack.unpack(cmsgpack.pack(1, 'two', 3.5))}, ',')", "1,two,3.5"},
		{"return cmsgpack.unpack(cmsgpack.pack({a = 'b'})).a", "b"},
		{"return table.concat({cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}, ',')", "1,1"},
		{"return table.concat({cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5, 2)}, ',')", "-1,3"},
	}
	luatest.Run(t, "cmsgpack", New, tests, map[string]string{
		"cmsgpack.pack()":          "bad argument #0 to 'pack' (MessagePack pack needs input.)",
		"cmsgpack.unpack('\\220')": "Missing bytes in input.",
		"cmsgpack.unpack('\\193')": "Bad data format in input.",
		// A declared length far beyond the input is refused, not allocated.
		"cmsgpack.unpack('\\221\\127\\255\\255\\255')": "Missing bytes in input.",
	})
}
