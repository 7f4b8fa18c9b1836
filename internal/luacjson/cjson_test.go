package luacjson

import (
	"testing"

	"github.com/emberkv/ember/internal/luatest"
)

// Encodings and errors are Redis 7.0.15's for the same calls.
func TestCJSON(t *testing.T) {
	tests := []luatest.Case{
		{"return cjson.encode({1, 2, 3})", "[1,2,3]"},
		{"return cjson.encode({a = 'x'})", `{"a":"x"}`},
		{"return cjson.encode({})", "{}"},
		{"return cjson.encode('s\"/\\n\\1')", `"s\"\/\n\u0001"`},
		{"return cjson.encode(3.14159265358979)", "3.1415926535898"},
		{"return cjson.encode(1e20)", "1e+20"},
		{"return cjson.encode({1, nil, 3})", "[1,null,3]"},
		{"return cjson.encode(cjson.null)", "null"},
		{"return cjson.encode({[2]='b'})", `[null,"b"]`},
		{"return cjson.decode('[1,2,3]')[3]", "3"},
		{"return cjson.decode('{\"a\":{\"b\":[1,2]}}').a.b[2]", "2"},
		{"return cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\"')", "é😀"},
		{"return tostring(cjson.decode('null') == cjson.null)", "true"},
		{"return cjson.decode('[1.5e2, -0.25]')[1]", "150"},
		{"return cjson.encode(cjson.decode('{\"k\":[1,\"two\",null,true,false]}'))", `{"k":[1,"two",null,true,false]}`},
	}
	luatest.Run(t, "cjson", New, tests, map[string]string{
		"cjson.encode({[1]=1, [20]=2})": "Cannot serialise table: excessively sparse array",
		"cjson.encode(function() end)":  "Cannot serialise function: type not supported",
		"cjson.encode(1/0)":             "Cannot serialise number: must not be NaN or Inf",
		"cjson.encode()":                "bad argument #1 to 'encode' (expected 1 argument)",
		"cjson.decode('[1,2')":          "Expected comma or array end but found T_END at character 5",
		"cjson.decode('{1:2}')":         "Expected object key string but found T_NUMBER at character 2",
		"cjson.decode('\"abc')":         "Expected value but found unexpected end of string at character 5",
		"cjson.decode('@')":             "Expected value but found invalid token at character 1",
	})
}
