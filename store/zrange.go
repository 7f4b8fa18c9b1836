package store

import (
	"strconv"
	"strings"

	"github.com/emberkv/ember/internal/redisnum"
)

// ScoreRange is a range of scores, as ZRANGEBYSCORE's min and max: each
// bound inclusive unless its Ex is set ("(1.5").
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool
}

// LexBound is one bound of a lex range: "-" (Inf -1, below everything),
// "+" (Inf 1, above everything), "[v" (inclusive) or "(v" (exclusive).
type LexBound struct {
	Value string
	Ex    bool
	Inf   int8
}

// LexRange is a range of members, as ZRANGEBYLEX's min and max. It is
// meaningful on a sorted set whose scores are all equal, as in Redis.
type LexRange struct {
	Min, Max LexBound
}

// ParseScoreRange parses min and max as zslParseRange does: strtod's
// syntax (leading spaces, "inf", "-inf", an empty string reads as 0), a
// leading '(' for an exclusive bound, NaN refused.
func ParseScoreRange(min, max []byte) (ScoreRange, bool) {
	var r ScoreRange
	var ok bool
	if r.Min, r.MinEx, ok = parseScoreBound(min); !ok {
		return r, false
	}
	r.Max, r.MaxEx, ok = parseScoreBound(max)
	return r, ok
}

func parseScoreBound(b []byte) (float64, bool, bool) {
	ex := len(b) > 0 && b[0] == '('
	if ex {
		b = b[1:]
	}
	f, ok := strtodWhole(string(b))
	return f, ex, ok
}

// strtodWhole is C's strtod on a whole string: leading white space is
// skipped, nothing may follow the number, an empty string is 0 (strtod
// converts nothing and leaves the end at the terminator), NaN is refused.
func strtodWhole(s string) (float64, bool) {
	if s == "" {
		return 0, true
	}
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	if s == "" || strings.ContainsRune(s, '_') {
		return 0, false
	}
	if h, ok := hexWithoutExponent(s); ok {
		s = h
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// strtod overflows to ±HUGE_VAL and underflows towards 0, and
		// zslParseRange takes either.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, f == f
}

// ParseScore parses a score or weight as Redis's getDoubleFromObject
// (string2d): strtod's syntax over the whole string, hexadecimal included
// ("0x10" is 16), no leading or trailing space, NaN and overflow refused.
func ParseScore(b []byte) (float64, bool) {
	if f, ok := redisnum.ParseFloat(b); ok {
		return f, true
	}
	if h, ok := hexWithoutExponent(string(b)); ok {
		return redisnum.ParseFloat([]byte(h))
	}
	return 0, false
}

// hexWithoutExponent adds the binary exponent Go's ParseFloat wants to a
// hexadecimal number strtod takes without one ("0x1A" → "0x1Ap0").
func hexWithoutExponent(s string) (string, bool) {
	t := strings.TrimLeft(s, "+-")
	if len(s)-len(t) > 1 || len(t) < 3 || t[0] != '0' || (t[1] != 'x' && t[1] != 'X') || strings.ContainsAny(t, "pP") {
		return "", false
	}
	return s + "p0", true
}

// ParseLexRange parses min and max as zslParseLexRange: each must be "-",
// "+", or start with '[' or '('.
func ParseLexRange(min, max []byte) (LexRange, bool) {
	var r LexRange
	var ok bool
	if r.Min, ok = parseLexBound(min); !ok {
		return r, false
	}
	r.Max, ok = parseLexBound(max)
	return r, ok
}

func parseLexBound(b []byte) (LexBound, bool) {
	if len(b) == 0 {
		return LexBound{}, false
	}
	switch b[0] {
	case '+', '-':
		if len(b) != 1 {
			return LexBound{}, false
		}
		if b[0] == '+' {
			return LexBound{Inf: 1, Ex: true}, true
		}
		return LexBound{Inf: -1, Ex: true}, true
	case '(', '[':
		return LexBound{Value: string(b[1:]), Ex: b[0] == '('}, true
	}
	return LexBound{}, false
}

// ZRangeBy is what a range counts in.
type ZRangeBy uint8

const (
	ZByRank  ZRangeBy = iota // Start and Stop are ranks; negative counts from the end
	ZByScore                 // Score
	ZByLex                   // Lex
)

// ZRangeSpec is one range of a sorted set, as ZRANGE's unified syntax.
type ZRangeSpec struct {
	By          ZRangeBy
	Start, Stop int64      // ZByRank
	Score       ScoreRange // ZByScore; with Rev still min and max
	Lex         LexRange   // ZByLex
	Rev         bool       // from the highest element down
	// Offset and Count are LIMIT's (ZByScore, ZByLex): skip Offset
	// elements of the range in its order, then take Count, all when
	// Count < 0. A negative Offset gives an empty range, as Redis (its
	// skip loop runs off the end).
	Offset, Count int64
}

// ranks returns the range as ascending ranks [lo, hi], before LIMIT; hi <
// lo when it is empty.
func (z *zset) ranks(spec *ZRangeSpec) (lo, hi int) {
	n := z.length()
	switch spec.By {
	case ZByRank:
		start, stop := spec.Start, spec.Stop
		ln := int64(n)
		if start < 0 {
			start += ln
		}
		if stop < 0 {
			stop += ln
		}
		start = max(start, 0)
		if start > stop || start >= ln {
			return 0, -1
		}
		stop = min(stop, ln-1)
		if spec.Rev {
			return int(ln - 1 - stop), int(ln - 1 - start)
		}
		return int(start), int(stop)
	case ZByScore:
		r := &spec.Score
		return z.scoreRank(r.Min, r.MinEx), z.scoreRank(r.Max, !r.MaxEx) - 1
	default:
		r := &spec.Lex
		switch r.Min.Inf {
		case -1:
			lo = 0
		case 1:
			lo = n
		default:
			lo = z.lexRank(bytesView(r.Min.Value), r.Min.Ex)
		}
		switch r.Max.Inf {
		case 1:
			hi = n - 1
		case -1:
			hi = -1
		default:
			hi = z.lexRank(bytesView(r.Max.Value), !r.Max.Ex) - 1
		}
		return lo, hi
	}
}

// walkRange calls begin with the length of the range after LIMIT, then fn
// for its elements in order.
func (z *zset) walkRange(spec *ZRangeSpec, begin func(n int), fn func(member []byte, score float64)) {
	lo, hi := z.ranks(spec)
	n := max(0, hi-lo+1)
	if spec.By != ZByRank {
		switch {
		case spec.Offset < 0:
			n = 0
		case spec.Offset >= int64(n):
			n = 0
		default:
			n -= int(spec.Offset)
			if spec.Count >= 0 && spec.Count < int64(n) {
				n = int(spec.Count)
			}
			if spec.Rev {
				hi -= int(spec.Offset)
			} else {
				lo += int(spec.Offset)
			}
		}
	}
	begin(n)
	if n == 0 {
		return
	}
	left := n
	each := func(m []byte, s float64) bool {
		fn(m, s)
		left--
		return left > 0
	}
	if spec.Rev {
		z.descend(hi, each)
	} else {
		z.ascend(lo, each)
	}
}
