// Package luacjson is the "cjson" library Redis bundles for its Lua
// scripts (Lua CJSON 2.1): cjson.encode and cjson.decode with Redis's
// defaults, for gopher-lua.
//
// As Lua CJSON: numbers are written with 14 significant digits; '/' is
// escaped; a table is an array when every key is a positive integer
// (excessively sparse ones are an error), else an object; JSON null
// decodes to cjson.null, a light userdata that encodes back to null.
// Lua's table order is gopher-lua's, so an object with several keys may
// list them in another order than Redis.
package luacjson

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emberkv/ember/internal/luaargs"
	lua "github.com/yuin/gopher-lua"
)

type config struct {
	sparseConvert  bool
	sparseRatio    int
	sparseSafe     int
	encodeDepth    int
	decodeDepth    int
	encodeInvalid  int // 0 off, 1 on, 2 null
	decodeInvalid  bool
	keepBuffer     bool
	numberPrecison int
	null           *lua.LUserData
}

// New returns a cjson table for L, with its own configuration.
func New(L *lua.LState) *lua.LTable {
	cfg := &config{sparseRatio: 2, sparseSafe: 10, encodeDepth: 1000, decodeDepth: 1000,
		decodeInvalid: true, keepBuffer: true, numberPrecison: 14}
	cfg.null = L.NewUserData()
	t := L.NewTable()
	fns := map[string]lua.LGFunction{
		"encode":                  cfg.encode,
		"decode":                  cfg.decode,
		"encode_sparse_array":     cfg.cfgSparse,
		"encode_max_depth":        intOption(&cfg.encodeDepth, 1, math.MaxInt32),
		"decode_max_depth":        intOption(&cfg.decodeDepth, 1, math.MaxInt32),
		"encode_number_precision": intOption(&cfg.numberPrecison, 1, 14),
		"encode_keep_buffer":      boolOption(&cfg.keepBuffer),
		"decode_invalid_numbers":  boolOption(&cfg.decodeInvalid),
		"encode_invalid_numbers":  cfg.cfgEncodeInvalid,
		"new":                     func(L *lua.LState) int { L.Push(New(L)); return 1 },
	}
	for name, f := range fns {
		t.RawSetString(name, L.NewFunction(f))
	}
	t.RawSetString("null", cfg.null)
	t.RawSetString("_NAME", lua.LString("cjson"))
	t.RawSetString("_VERSION", lua.LString("2.1.0"))
	return t
}

func intOption(p *int, min, max int) lua.LGFunction {
	return func(L *lua.LState) int {
		if L.GetTop() >= 1 && L.Get(1) != lua.LNil {
			n := L.CheckInt(1)
			if n < min || n > max {
				L.ArgError(1, "expected integer between "+strconv.Itoa(min)+" and "+strconv.Itoa(max))
			}
			*p = n
		}
		L.Push(lua.LNumber(*p))
		return 1
	}
}

func boolOption(p *bool) lua.LGFunction {
	return func(L *lua.LState) int {
		if L.GetTop() >= 1 && L.Get(1) != lua.LNil {
			switch v := L.Get(1).(type) {
			case lua.LBool:
				*p = bool(v)
			case lua.LString:
				switch string(v) {
				case "on":
					*p = true
				case "off":
					*p = false
				default:
					L.ArgError(1, "invalid option '"+string(v)+"'")
				}
			default:
				L.ArgError(1, "boolean expected")
			}
		}
		L.Push(lua.LBool(*p))
		return 1
	}
}

func (cfg *config) cfgSparse(L *lua.LState) int {
	if L.GetTop() >= 1 && L.Get(1) != lua.LNil {
		cfg.sparseConvert = lua.LVAsBool(L.Get(1))
	}
	if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
		cfg.sparseRatio = L.CheckInt(2)
	}
	if L.GetTop() >= 3 && L.Get(3) != lua.LNil {
		cfg.sparseSafe = L.CheckInt(3)
	}
	L.Push(lua.LBool(cfg.sparseConvert))
	L.Push(lua.LNumber(cfg.sparseRatio))
	L.Push(lua.LNumber(cfg.sparseSafe))
	return 3
}

func (cfg *config) cfgEncodeInvalid(L *lua.LState) int {
	names := []string{"off", "on", "null"}
	if L.GetTop() >= 1 && L.Get(1) != lua.LNil {
		switch v := L.Get(1).(type) {
		case lua.LBool:
			cfg.encodeInvalid = 0
			if v {
				cfg.encodeInvalid = 1
			}
		case lua.LString:
			found := false
			for i, n := range names {
				if n == string(v) {
					cfg.encodeInvalid, found = i, true
				}
			}
			if !found {
				L.ArgError(1, "invalid option '"+string(v)+"'")
			}
		}
	}
	if cfg.encodeInvalid == 2 {
		L.Push(lua.LString("null"))
	} else {
		L.Push(lua.LBool(cfg.encodeInvalid == 1))
	}
	return 1
}

// ---- encoding ----

func (cfg *config) encode(L *lua.LState) int {
	if L.GetTop() != 1 {
		luaargs.Error(L, 1, "encode", "expected 1 argument")
	}
	var b []byte
	b = cfg.appendValue(L, b, L.Get(1), 0)
	L.Push(lua.LString(b))
	return 1
}

func typeName(v lua.LValue) string {
	if _, ok := v.(*lua.LUserData); ok {
		return "userdata"
	}
	return v.Type().String()
}

func (cfg *config) fail(L *lua.LState, v lua.LValue, reason string) {
	L.RaiseError("Cannot serialise %s: %s", typeName(v), reason)
}

func (cfg *config) appendValue(L *lua.LState, b []byte, v lua.LValue, depth int) []byte {
	switch v := v.(type) {
	case lua.LString:
		return appendString(b, string(v))
	case lua.LNumber:
		return cfg.appendNumber(L, b, v)
	case lua.LBool:
		if v {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case *lua.LNilType:
		return append(b, "null"...)
	case *lua.LUserData:
		if v == cfg.null {
			return append(b, "null"...)
		}
	case *lua.LTable:
		depth++
		if depth > cfg.encodeDepth {
			L.RaiseError("Cannot serialise, excessive nesting (%d)", depth)
		}
		n := cfg.arrayLength(L, v)
		if n > 0 {
			b = append(b, '[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					b = append(b, ',')
				}
				b = cfg.appendValue(L, b, v.RawGetInt(i), depth)
			}
			return append(b, ']')
		}
		b = append(b, '{')
		first := true
		v.ForEach(func(k, val lua.LValue) {
			if !first {
				b = append(b, ',')
			}
			first = false
			switch k := k.(type) {
			case lua.LNumber:
				b = append(b, '"')
				b = cfg.appendNumber(L, b, k)
				b = append(b, '"', ':')
			case lua.LString:
				b = appendString(b, string(k))
				b = append(b, ':')
			default:
				cfg.fail(L, k, "table key must be a number or string")
			}
			b = cfg.appendValue(L, b, val, depth)
		})
		return append(b, '}')
	}
	cfg.fail(L, v, "type not supported")
	return b
}

// arrayLength is the length of t as an array, or -1 when it is an object.
func (cfg *config) arrayLength(L *lua.LState, t *lua.LTable) int {
	max, items := 0, 0
	array := true
	t.ForEach(func(k, _ lua.LValue) {
		if !array {
			return
		}
		if n, ok := k.(lua.LNumber); ok {
			f := float64(n)
			if f != 0 && math.Floor(f) == f && f >= 1 {
				if int(f) > max {
					max = int(f)
				}
				items++
				return
			}
		}
		array = false
	})
	if !array {
		return -1
	}
	if cfg.sparseRatio > 0 && max > items*cfg.sparseRatio && max > cfg.sparseSafe {
		if !cfg.sparseConvert {
			cfg.fail(L, t, "excessively sparse array")
		}
		return -1
	}
	return max
}

func (cfg *config) appendNumber(L *lua.LState, b []byte, n lua.LNumber) []byte {
	f := float64(n)
	switch cfg.encodeInvalid {
	case 0:
		if math.IsInf(f, 0) || math.IsNaN(f) {
			cfg.fail(L, n, "must not be NaN or Inf")
		}
	case 1:
		if math.IsNaN(f) {
			return append(b, "nan"...)
		}
	default:
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return append(b, "null"...)
		}
	}
	return append(b, FormatG(f, cfg.numberPrecison)...)
}

// FormatG is C's "%.<prec>g".
func FormatG(f float64, prec int) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', prec, 64)
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		exp := s[i+1:]
		if len(exp) == 2 {
			s = s[:i+2] + "0" + exp[1:]
		}
	}
	return s
}

var escapes = func() [256]string {
	var e [256]string
	for i := 0; i < 0x20; i++ {
		e[i] = "\\u00" + string("0123456789abcdef"[i>>4]) + string("0123456789abcdef"[i&15])
	}
	e['\b'], e['\t'], e['\n'], e['\f'], e['\r'] = "\\b", "\\t", "\\n", "\\f", "\\r"
	e['"'], e['/'], e['\\'], e[0x7f] = "\\\"", "\\/", "\\\\", "\\u007f"
	return e
}()

func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if esc := escapes[s[i]]; esc != "" {
			b = append(b, esc...)
		} else {
			b = append(b, s[i])
		}
	}
	return append(b, '"')
}

// ---- decoding ----

type tokenType int

const (
	tObjBegin tokenType = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tWhitespace
	tError
	tUnknown
)

var tokenNames = []string{"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING", "T_NUMBER",
	"T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR", "T_UNKNOWN"}

type token struct {
	typ   tokenType
	index int
	str   string
	num   float64
	b     bool
	err   string
}

type parser struct {
	L     *lua.LState
	cfg   *config
	data  string
	pos   int
	depth int
}

func (cfg *config) decode(L *lua.LState) int {
	if L.GetTop() != 1 {
		luaargs.Error(L, 1, "decode", "expected 1 argument")
	}
	data := luaargs.String(L, 1, "decode")
	if len(data) >= 2 && (data[0] == 0 || data[1] == 0) {
		L.RaiseError("JSON parser does not support UTF-16 or UTF-32")
	}
	p := &parser{L: L, cfg: cfg, data: data}
	tok := p.next()
	v := p.value(tok)
	if tok := p.next(); tok.typ != tEnd {
		p.fail("the end", tok)
	}
	L.Push(v)
	return 1
}

func (p *parser) fail(exp string, t token) {
	found := tokenNames[t.typ]
	if t.typ == tError {
		found = t.err
	}
	p.L.RaiseError("Expected %s but found %s at character %d", exp, found, t.index+1)
}

func (p *parser) descend() {
	p.depth++
	if p.depth > p.cfg.decodeDepth {
		p.L.RaiseError("Found too many nested data structures (%d) at character %d", p.depth, p.pos)
	}
}

func (p *parser) value(t token) lua.LValue {
	switch t.typ {
	case tString:
		return lua.LString(t.str)
	case tNumber:
		return lua.LNumber(t.num)
	case tBoolean:
		return lua.LBool(t.b)
	case tNull:
		return p.cfg.null
	case tObjBegin:
		p.descend()
		obj := p.L.NewTable()
		t = p.next()
		if t.typ == tObjEnd {
			p.depth--
			return obj
		}
		for {
			if t.typ != tString {
				p.fail("object key string", t)
			}
			key := t.str
			if t = p.next(); t.typ != tColon {
				p.fail("colon", t)
			}
			obj.RawSetString(key, p.value(p.next()))
			t = p.next()
			if t.typ == tObjEnd {
				p.depth--
				return obj
			}
			if t.typ != tComma {
				p.fail("comma or object end", t)
			}
			t = p.next()
		}
	case tArrBegin:
		p.descend()
		arr := p.L.NewTable()
		t = p.next()
		if t.typ == tArrEnd {
			p.depth--
			return arr
		}
		for i := 1; ; i++ {
			arr.RawSetInt(i, p.value(t))
			t = p.next()
			if t.typ == tArrEnd {
				p.depth--
				return arr
			}
			if t.typ != tComma {
				p.fail("comma or array end", t)
			}
			t = p.next()
		}
	}
	p.fail("value", t)
	return lua.LNil
}

func (p *parser) next() token {
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			break
		}
		p.pos++
	}
	t := token{index: p.pos}
	if p.pos >= len(p.data) || p.data[p.pos] == 0 {
		t.typ = tEnd
		return t
	}
	c := p.data[p.pos]
	simple := map[byte]tokenType{'{': tObjBegin, '}': tObjEnd, '[': tArrBegin, ']': tArrEnd, ':': tColon, ',': tComma}
	if typ, ok := simple[c]; ok {
		p.pos++
		t.typ = typ
		return t
	}
	rest := p.data[p.pos:]
	switch {
	case c == '"':
		return p.stringToken(t)
	case c == '-' || (c >= '0' && c <= '9'):
		if !p.cfg.decodeInvalid && p.invalidNumber() {
			return p.errToken(t, "invalid number")
		}
		return p.numberToken(t)
	case strings.HasPrefix(rest, "true"):
		p.pos += 4
		t.typ, t.b = tBoolean, true
		return t
	case strings.HasPrefix(rest, "false"):
		p.pos += 5
		t.typ = tBoolean
		return t
	case strings.HasPrefix(rest, "null"):
		p.pos += 4
		t.typ = tNull
		return t
	case p.cfg.decodeInvalid && p.invalidNumber():
		return p.numberToken(t)
	}
	return p.errToken(t, "invalid token")
}

// errToken fails the token; the error points where the lexer stopped, as
// Redis's json_set_token_error.
func (p *parser) errToken(t token, msg string) token {
	t.typ, t.err, t.index = tError, msg, p.pos
	return t
}

func (p *parser) invalidNumber() bool {
	s := p.data[p.pos:]
	if strings.HasPrefix(s, "+") {
		return true
	}
	s = strings.TrimPrefix(s, "-")
	if strings.HasPrefix(s, "0") && len(s) > 1 {
		c := s[1]
		return c|0x20 == 'x' || (c >= '0' && c <= '9')
	}
	if len(s) > 0 && s[0] <= '9' {
		return false
	}
	ls := strings.ToLower(s)
	return strings.HasPrefix(ls, "inf") || strings.HasPrefix(ls, "nan")
}

// numberToken reads a number as C's strtod: the longest prefix that is
// one, hexadecimal, inf and nan included.
func (p *parser) numberToken(t token) token {
	f, n := strtod(p.data[p.pos:])
	if n == 0 {
		return p.errToken(t, "invalid number")
	}
	p.pos += n
	t.typ, t.num = tNumber, f
	return t
}

func strtod(s string) (float64, int) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	ls := strings.ToLower(s[i:])
	switch {
	case strings.HasPrefix(ls, "infinity"):
		return sign(math.Inf(1)), i + 8
	case strings.HasPrefix(ls, "inf"):
		return sign(math.Inf(1)), i + 3
	case strings.HasPrefix(ls, "nan"):
		return math.NaN(), i + 3
	case strings.HasPrefix(ls, "0x"):
		j := i + 2
		for j < len(s) && isHex(s[j]) {
			j++
		}
		if j == i+2 {
			return 0, i + 1 // just the 0
		}
		u, _ := strconv.ParseUint(s[i+2:j], 16, 64)
		return sign(float64(u)), j
	}
	j := i
	digits := 0
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && s[k] >= '0' && s[k] <= '9' {
			for k < len(s) && s[k] >= '0' && s[k] <= '9' {
				k++
			}
			j = k
		}
	}
	f, err := strconv.ParseFloat(s[:j], 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, 0
		}
	}
	return f, j
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

func (p *parser) stringToken(t token) token {
	p.pos++ // the quote
	var b []byte
	for {
		if p.pos >= len(p.data) || p.data[p.pos] == 0 {
			return p.errToken(t, "unexpected end of string")
		}
		c := p.data[p.pos]
		if c == '"' {
			p.pos++
			break
		}
		if c != '\\' {
			b = append(b, c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.data) {
			return p.errToken(t, "unexpected end of string")
		}
		esc := p.data[p.pos+1]
		switch esc {
		case '"', '\\', '/':
			b = append(b, esc)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, n := p.unicodeEscape(p.pos)
			if n == 0 {
				return p.errToken(t, "invalid unicode escape code")
			}
			b = utf8.AppendRune(b, r)
			p.pos += n
			continue
		default:
			return p.errToken(t, "invalid escape code")
		}
		p.pos += 2
	}
	t.typ, t.str = tString, string(b)
	return t
}

// unicodeEscape reads \uXXXX (and a following low surrogate) at i.
func (p *parser) unicodeEscape(i int) (rune, int) {
	hex4 := func(j int) (rune, bool) {
		if j+6 > len(p.data) || p.data[j] != '\\' || p.data[j+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(p.data[j+2:j+6], 16, 32)
		return rune(v), err == nil
	}
	r, ok := hex4(i)
	if !ok {
		return 0, 0
	}
	if r >= 0xDC00 && r <= 0xDFFF {
		return 0, 0
	}
	if r >= 0xD800 && r <= 0xDBFF {
		lo, ok := hex4(i + 6)
		if !ok || lo < 0xDC00 || lo > 0xDFFF {
			return 0, 0
		}
		return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), 12
	}
	return r, 6
}
