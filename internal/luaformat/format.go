// Package luaformat is Lua 5.1's string.format for gopher-lua, whose own
// hands the format to Go's fmt.Sprintf: there, string.format('%s', nil)
// answers "nil" where Lua raises an error, %q escapes as Go does, %c
// writes UTF-8, %x of a negative number keeps its sign, an unknown
// conversion prints "%!z(...)". Redis's scripts run Lua 5.1's, so this
// one follows lstrlib.c's str_format: the same conversions and argument
// checks, each item formatted as C's sprintf would.
package luaformat

import (
	"fmt"
	"math"
	"strings"

	"github.com/emberkv/ember/internal/luaargs"

	lua "github.com/yuin/gopher-lua"
)

const flags = "-+ #0"

// Format is string.format(fmt, ...).
func Format(L *lua.LState) int {
	format := luaargs.String(L, 1, "format")
	var b strings.Builder
	arg := 1
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			b.WriteByte('%')
			continue
		}
		arg++
		if arg > L.GetTop() {
			luaargs.Error(L, arg, "format", "no value")
		}
		spec, end := scanSpec(L, format, i)
		i = end
		conv := byte(0)
		if i < len(format) {
			conv = format[i]
		}
		switch conv {
		case 'c':
			n := int(luaargs.Number(L, arg, "format"))
			pad(&b, spec, string([]byte{byte(n)}))
		case 'd', 'i':
			f := luaargs.Number(L, arg, "format")
			fmt.Fprintf(&b, spec.goSpec('d', false), int64(f))
		case 'o', 'u', 'x', 'X':
			u := toUnsigned(luaargs.Number(L, arg, "format"))
			verb := conv
			if verb == 'u' {
				verb = 'd'
			}
			if u == 0 && verb != 'o' {
				spec.flags = strings.ReplaceAll(spec.flags, "#", "") // C writes 0, not 0x0
			}
			fmt.Fprintf(&b, spec.goSpec(verb, true), u)
		case 'e', 'E', 'f', 'g', 'G':
			f := luaargs.Number(L, arg, "format")
			if math.IsInf(f, 0) || math.IsNaN(f) {
				pad(&b, spec, nonFinite(f, conv, spec.flags))
				continue
			}
			if !spec.hasPrec && (conv == 'g' || conv == 'G') {
				spec.prec, spec.hasPrec = "6", true // Go's %g is the shortest form
			}
			fmt.Fprintf(&b, spec.goSpec(conv, false), f)
		case 'q':
			quote(&b, luaargs.String(L, arg, "format"))
		case 's':
			s := luaargs.String(L, arg, "format")
			if !spec.hasPrec && len(s) >= 100 {
				b.WriteString(s) // as Lua: kept whole, the width ignored
				continue
			}
			if spec.hasPrec {
				if p := atoi(spec.prec); p < len(s) {
					s = s[:p] // bytes, where Go's precision counts runes
				}
			}
			pad(&b, spec, s)
		case 0:
			// At the end of the format: C's %c of the NUL ends the message.
			L.RaiseError("%s", "invalid option '%' to 'format'")
		default:
			L.RaiseError("invalid option '%%%c' to 'format'", conv)
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// spec is one item's flags, width and precision, as scanformat reads
// them: at most two digits each.
type spec struct {
	flags, width, prec string
	hasPrec            bool
}

func scanSpec(L *lua.LState, f string, i int) (spec, int) {
	var s spec
	start := i
	for i < len(f) && strings.IndexByte(flags, f[i]) >= 0 {
		i++
	}
	if i-start > len(flags) {
		L.RaiseError("invalid format (repeated flags)")
	}
	s.flags = f[start:i]
	w := i
	for n := 0; n < 2 && i < len(f) && isDigit(f[i]); n++ {
		i++
	}
	s.width = f[w:i]
	if i < len(f) && f[i] == '.' {
		i++
		s.hasPrec = true
		p := i
		for n := 0; n < 2 && i < len(f) && isDigit(f[i]); n++ {
			i++
		}
		s.prec = f[p:i]
	}
	if i < len(f) && isDigit(f[i]) {
		L.RaiseError("invalid format (width or precision too long)")
	}
	return s, i
}

// goSpec is the item as a Go verb. unsigned drops '+' and ' ', which C
// ignores for unsigned conversions and Go would write.
func (s spec) goSpec(verb byte, unsigned bool) string {
	fl := s.flags
	if unsigned {
		fl = strings.NewReplacer("+", "", " ", "").Replace(fl)
	}
	out := "%" + fl + s.width
	if s.hasPrec {
		out += "." + s.prec
		if s.prec == "" {
			out += "0"
		}
	}
	return out + string(verb)
}

// pad writes s in the item's width, on the right with '-', else on the
// left, with spaces: what C does for %s and %c (and for inf and nan,
// whatever the '0' flag).
func pad(b *strings.Builder, s spec, str string) {
	w := atoi(s.width)
	if len(str) >= w {
		b.WriteString(str)
		return
	}
	fill := strings.Repeat(" ", w-len(str))
	if strings.IndexByte(s.flags, '-') >= 0 {
		b.WriteString(str)
		b.WriteString(fill)
		return
	}
	b.WriteString(fill)
	b.WriteString(str)
}

// nonFinite is glibc's inf and nan, upper-case for %E and %G, with the
// sign of the value (0/0 is a negative nan on x86) or the '+'/' ' flag.
func nonFinite(f float64, conv byte, fl string) string {
	word := "inf"
	if math.IsNaN(f) {
		word = "nan"
	}
	if conv == 'E' || conv == 'G' {
		word = strings.ToUpper(word)
	}
	switch {
	case math.Signbit(f):
		return "-" + word
	case strings.IndexByte(fl, '+') >= 0:
		return "+" + word
	case strings.IndexByte(fl, ' ') >= 0:
		return " " + word
	}
	return word
}

// toUnsigned is C's (unsigned long) of a double on x86-64: a negative
// value wraps as its two's complement.
func toUnsigned(f float64) uint64 {
	if f < 0 {
		return uint64(int64(f))
	}
	return uint64(f)
}

// quote is %q: the string in double quotes, with '"', '\\' and newline
// escaped by a backslash, '\r' as \r and NUL as \000 (lstrlib's
// addquoted).
func quote(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '\n':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r':
			b.WriteString(`\r`)
		case 0:
			b.WriteString(`\000`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
