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
	low := strings.ToLower(strings.TrimLeft(s, "+-"))
	switch low {
	case "inf", "infinity":
		return new(big.Float).SetInf(s[0] == '-'), true
	case "nan":
		return nil, false
	}
	if strings.ContainsRune(s, '_') {
		return nil, false
	}
	f, _, err := big.ParseFloat(s, 0, extendedPrec, big.ToNearestEven)
	if err != nil {
		return nil, false
	}
	return f, true
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
