package listpack

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// valueSource draws values near the encodings' edges: integers that cross
// them, strings that look like integers but are not, and strings around the
// length limits.
type valueSource struct{ r *rand.Rand }

var edgeInts = []int64{0, 1, 127, 128, -1, -4096, -4097, 4095, 4096, 32767, 32768, -32768, -32769,
	8388607, 8388608, -8388608, -8388609, 2147483647, 2147483648, -2147483648, -2147483649,
	9223372036854775807, -9223372036854775808}

var oddStrings = []string{"", "-0", "007", " 1", "+1", "1 ", "-", "9223372036854775808",
	"-9223372036854775809", "1.5", "a\x00b", "\xff\xfe"}

func (s valueSource) value() string {
	r := s.r
	switch r.IntN(6) {
	case 0:
		return strconv.FormatInt(edgeInts[r.IntN(len(edgeInts))]+int64(r.IntN(3))-1, 10)
	case 1:
		return strconv.FormatInt(r.Int64()>>r.IntN(64), 10)
	case 2:
		return oddStrings[r.IntN(len(oddStrings))]
	case 3:
		lengths := []int{62, 63, 64, 65, 125, 126, 127, 4094, 4095, 4096, 16380}
		return strings.Repeat(string(rune('a'+r.IntN(26))), lengths[r.IntN(len(lengths))]+r.IntN(3)-1)
	default:
		b := make([]byte, r.IntN(20))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return string(b)
	}
}

// applyOp performs one random operation, chosen by op and steered by
// choose (a source of small numbers), on both lp and the model.
func applyOp(lp []byte, model []string, op int, choose func(n int) int, value func() string) ([]byte, []string) {
	pick := func() int { return choose(len(model)) }
	switch op % 8 {
	case 0:
		v := value()
		return Append(lp, []byte(v)), append(model, v)
	case 1:
		v := value()
		return Prepend(lp, []byte(v)), append([]string{v}, model...)
	case 2:
		i := choose(len(model) + 1)
		v := value()
		off := Terminator(lp)
		if i < len(model) {
			off = Seek(lp, i)
		}
		m := append(model[:i:i], v)
		return Insert(lp, off, []byte(v)), append(m, model[i:]...)
	case 3:
		n := int64(choose(1<<16)) - 1<<15
		if choose(2) == 0 {
			n = edgeInts[choose(len(edgeInts))]
		}
		return AppendInt(lp, n), append(model, strconv.FormatInt(n, 10))
	case 4:
		if len(model) == 0 {
			return lp, model
		}
		i := pick()
		v := value()
		model[i] = v
		return Replace(lp, Seek(lp, i), []byte(v)), model
	case 5:
		if len(model) == 0 {
			return lp, model
		}
		i := pick()
		return Delete(lp, Seek(lp, i-len(model))), append(model[:i:i], model[i+1:]...)
	case 6:
		if len(model) == 0 {
			return lp, model
		}
		i, n := pick(), choose(5)
		end := min(i+n, len(model))
		return DeleteRange(lp, Seek(lp, i), n), append(model[:i:i], model[end:]...)
	default:
		// Replace an entry with a copy of another, read from lp itself.
		if len(model) == 0 {
			return lp, model
		}
		i, j := pick(), pick()
		s, n, isInt := Get(lp, Seek(lp, j))
		if isInt {
			s = strconv.AppendInt(nil, n, 10)
		}
		model[i] = model[j]
		return Replace(lp, Seek(lp, i), s), model
	}
}

// checkModel is check plus: the bytes are exactly those of a listpack built
// by appending the model's values, and Seek and Find agree with the model.
func checkModel(t *testing.T, lp []byte, model []string, choose func(int) int) {
	t.Helper()
	check(t, lp, model)
	if string(lp) != string(build(model...)) {
		t.Fatalf("bytes differ from a listpack built by appending %q", short(model))
	}
	if len(model) > 0 {
		i := choose(len(model))
		v := model[i]
		first := len(model)
		for k, m := range model {
			if m == v {
				first = k
				break
			}
		}
		if got := Find(lp, First(lp), []byte(v), 0); got != Seek(lp, first) {
			t.Fatalf("Find(%q) = %d, want index %d", short([]string{v}), got, first)
		}
		if !Equal(lp, Seek(lp, i-len(model)), []byte(v)) {
			t.Fatalf("Equal at %d false", i)
		}
	}
}

func TestModelRandom(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		src := valueSource{r}
		lp, model := New(0), []string(nil)
		for step := range 400 {
			lp, model = applyOp(lp, model, r.IntN(8), r.IntN, src.value)
			if t.Failed() {
				t.Fatalf("seed %d step %d", seed, step)
			}
			checkModel(t, lp, model, r.IntN)
		}
	}
}

// FuzzListpack checks two things on each input: Validate never panics on
// it as raw bytes (and what it accepts can be walked both ways), and, read
// as a sequence of operations, the listpack stays equal to a model.
func FuzzListpack(f *testing.F) {
	f.Add([]byte{})
	f.Add(build("a", "1", "300"))
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 0xF0, 0xFF, 3, 9, 200})
	f.Fuzz(func(t *testing.T, data []byte) {
		walkArbitrary(t, data)

		pos := 0
		next := func() int {
			if pos >= len(data) {
				return 0
			}
			pos++
			return int(data[pos-1])
		}
		choose := func(n int) int {
			if n <= 0 {
				return 0
			}
			return (next()<<8 | next()) % n
		}
		value := func() string {
			k := next()
			switch {
			case k < 64:
				return strconv.FormatInt(edgeInts[k%len(edgeInts)]+int64(k%3)-1, 10)
			case k < 64+len(oddStrings):
				return oddStrings[k-64]
			case k < 66+len(oddStrings):
				return strings.Repeat("q", 4090+next()%12)
			}
			n := min(next()%80, len(data)-pos)
			v := string(data[pos : pos+n])
			pos += n
			return v
		}
		lp, model := New(0), []string(nil)
		for ops := 0; pos < len(data) && ops < 200; ops++ {
			lp, model = applyOp(lp, model, next(), choose, value)
			checkModel(t, lp, model, choose)
		}
	})
}

// walkArbitrary runs Validate on data and, if it passes, reads every entry
// both ways: none of it may panic.
func walkArbitrary(t *testing.T, data []byte) {
	Validate(data, false)
	if !Validate(data, true) {
		return
	}
	var forward []string
	for off := First(data); off >= 0; off = Next(data, off) {
		forward = append(forward, string(AppendValue(nil, data, off)))
	}
	if Count(data) != len(forward) {
		t.Fatalf("Count %d, walked %d", Count(data), len(forward))
	}
	back := valuesBackward(data)
	if !equalStrings(forward, back) {
		t.Fatalf("forward %q, backward %q", short(forward), short(back))
	}
	for i := range forward {
		if Seek(data, i) < 0 || Seek(data, -1-i) < 0 {
			t.Fatalf("Seek(%d) failed", i)
		}
		Find(data, First(data), []byte(forward[i]), i%2)
	}
}

func FuzzValidate(f *testing.F) {
	f.Add(build("a", "1", "300", strings.Repeat("x", 100)))
	f.Add([]byte{7, 0, 0, 0, 0, 0, 0xFF})
	f.Fuzz(walkArbitrary)
}
