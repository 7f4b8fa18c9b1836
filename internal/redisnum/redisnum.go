// Package redisnum parses and formats numbers exactly as Redis does, so that
// what Ember accepts and prints matches Redis byte for byte.
package redisnum

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// maxIntLen mirrors Redis's LONG_STR_SIZE: longer strings are never integers.
const maxIntLen = 21

// ParseInt parses a 64-bit signed integer with Redis's string2ll rules: no
// sign other than a leading '-', no leading zeros, no spaces, no "-0".
func ParseInt(b []byte) (int64, bool) {
	n := len(b)
	if n == 0 || n >= maxIntLen {
		return 0, false
	}
	if n == 1 && b[0] == '0' {
		return 0, true
	}
	i := 0
	neg := false
	if b[0] == '-' {
		neg = true
		i++
		if i == n {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < n; i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(c-'0') {
			return 0, false
		}
		v += uint64(c - '0')
	}
	if neg {
		if v > uint64(math.MaxInt64)+1 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// ParseIntString is ParseInt for a string.
func ParseIntString(s string) (int64, bool) {
	return ParseInt([]byte(s))
}

// extendedPrec is the mantissa of the x87 long double that Redis uses for
// INCRBYFLOAT, so that 0.1 + 0.2 prints as 0.3 here too.
const extendedPrec = 64

// maxFloatLen mirrors Redis's MAX_LONG_DOUBLE_CHARS.
const maxFloatLen = 5 * 1024

// ParseLongDouble parses a number as Redis's string2ld does (strtold): no
// leading or trailing space, no NaN. Infinity is accepted; callers reject it
// where Redis does.
func ParseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= maxFloatLen || isSpace(b[0]) || isSpace(b[len(b)-1]) {
		return nil, false
	}
	s := string(b)
	unsigned := s
	if s[0] == '+' || s[0] == '-' {
		unsigned = s[1:]
	}
	switch strings.ToLower(unsigned) {
	case "inf", "infinity":
		return new(big.Float).SetInf(s[0] == '-'), true
	}
	// big.ParseFloat also takes 0b and 0o prefixes, underscores and a
	// binary exponent after decimal digits, which strtold stops at.
	if !strtoldSyntax(unsigned) {
		return nil, false
	}
	f, _, err := big.ParseFloat(s, 0, extendedPrec, big.ToNearestEven)
	if err != nil {
		return nil, false
	}
	// As string2ld: strtold's ERANGE, a value beyond the long double range
	// or one that underflows to zero, is not a number.
	if f.Sign() != 0 {
		if exp := f.MantExp(nil); exp > maxLongDoubleExp || exp < minLongDoubleExp {
			return nil, false
		}
	}
	return f, true
}

// The x87 long double range as big.Float.MantExp reports it: the largest
// finite value is below 2^16384; the smallest subnormal is 2^-16445, and
// strtold rounds to zero only what is below half of it.
const (
	maxLongDoubleExp = 16384
	minLongDoubleExp = -16445
)

// strtoldSyntax reports whether s (without its sign) is a whole decimal or
// hexadecimal floating-point number as strtold reads one: digits with an
// optional point, at least one digit, then an optional exponent ("e" for
// decimal, "p" for hexadecimal) with an optional sign and at least one digit.
func strtoldSyntax(s string) bool {
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	digit, expMark := isDigit, byte('e')
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
		digit = func(c byte) bool {
			return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f')
		}
		expMark = 'p'
	}
	i, n := 0, 0
	for i < len(s) && digit(s[i]) {
		i, n = i+1, n+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && digit(s[i]) {
			i, n = i+1, n+1
		}
	}
	if n == 0 {
		return false
	}
	if i == len(s) {
		return true
	}
	if s[i]|0x20 != expMark {
		return false
	}
	i++
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	if i == len(s) {
		return false
	}
	for ; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// FormatLongDouble prints v as Redis's ld2string in human mode: "%.17Lf"
// with trailing zeros (and a trailing dot) removed, and "-0" as "0".
func FormatLongDouble(v *big.Float) string {
	if v.IsInf() {
		if v.Sign() < 0 {
			return "-inf"
		}
		return "inf"
	}
	s := v.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// AddLongDouble returns a+b rounded to long double precision.
func AddLongDouble(a, b *big.Float) *big.Float {
	return new(big.Float).SetPrec(extendedPrec).SetMode(big.ToNearestEven).Add(a, b)
}

// LongDoubleOverflows reports whether v is beyond the range of an x87 long
// double, which Redis would see as infinity.
func LongDoubleOverflows(v *big.Float) bool {
	return v.IsInf() || v.MantExp(nil) > 16384
}

// ParseFloat parses a double as Redis's string2d / getDoubleFromObject do:
// strtod, no spaces around it, no NaN.
func ParseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || isSpace(b[0]) || isSpace(b[len(b)-1]) {
		return 0, false
	}
	s := string(b)
	if strings.ContainsRune(s, '_') {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, false
		}
		return 0, false
	}
	if math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// FormatDouble prints f as Redis's RESP3 double and its "%.17g" replies do.
func FormatDouble(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', 17, 64)
}
