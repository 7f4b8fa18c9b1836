package server

import (
	"math"
	"strconv"

	"github.com/emberkv/ember/internal/redisnum"
)

// replyWriter encodes replies for one connection in RESP2 or RESP3 (after
// HELLO 3). redcon writes only RESP2, so Ember encodes every reply itself
// and hands redcon the bytes, one write per pipelined batch.
type replyWriter struct {
	buf     []byte
	resp3   bool
	errors  int // error replies written, for commandstats' failed_calls
	lastErr string
}

func (w *replyWriter) simple(s string) {
	w.buf = append(w.buf, '+')
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

func (w *replyWriter) ok() { w.buf = append(w.buf, "+OK\r\n"...) }

// errorCounted writes an error reply that was counted in INFO
// errorstats already (a script's error that came from redis.call): the
// command still fails, as Redis's ERR_REPLY_FLAG_NO_STATS_UPDATE.
func (w *replyWriter) errorCounted(msg string) {
	w.error(msg)
	w.lastErr = ""
}

// error writes an error reply; msg starts with its code ("ERR ...").
// Newlines would break the protocol, so they become spaces, as in Redis.
func (w *replyWriter) error(msg string) {
	w.errors++
	w.lastErr = msg
	w.buf = append(w.buf, '-')
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		w.buf = append(w.buf, c)
	}
	w.buf = append(w.buf, '\r', '\n')
}

func (w *replyWriter) int(n int64) {
	if n >= 0 && n < 1000 {
		w.buf = appendSmallLine(w.buf, ':', int(n))
		return
	}
	w.buf = append(w.buf, ':')
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.buf = append(w.buf, '\r', '\n')
}

// appendSmallLine appends c, n (0 <= n < 1000) and CRLF, digit by digit:
// nearly every length, count and counter a reply carries is that small,
// and for them strconv.AppendInt (a call, a loop over a scratch buffer,
// a copy) cost a third of encoding a 64-byte bulk string
// (BenchmarkReplyEncode).
func appendSmallLine(b []byte, c byte, n int) []byte {
	switch {
	case n < 10:
		return append(b, c, byte('0'+n), '\r', '\n')
	case n < 100:
		return append(b, c, byte('0'+n/10), byte('0'+n%10), '\r', '\n')
	}
	return append(b, c, byte('0'+n/100), byte('0'+n/10%10), byte('0'+n%10), '\r', '\n')
}

func (w *replyWriter) header(c byte, n int) {
	if n >= 0 && n < 1000 {
		w.buf = appendSmallLine(w.buf, c, n)
		return
	}
	w.buf = append(w.buf, c)
	w.buf = strconv.AppendInt(w.buf, int64(n), 10)
	w.buf = append(w.buf, '\r', '\n')
}

func (w *replyWriter) bulk(b []byte) {
	w.header('$', len(b))
	w.buf = append(w.buf, b...)
	w.buf = append(w.buf, '\r', '\n')
}

func (w *replyWriter) bulkString(s string) {
	w.header('$', len(s))
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// null is a missing value: $-1 in RESP2, _ in RESP3.
func (w *replyWriter) null() {
	if w.resp3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "$-1\r\n"...)
}

// nullArray is a missing aggregate: *-1 in RESP2, _ in RESP3.
func (w *replyWriter) nullArray() {
	if w.resp3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "*-1\r\n"...)
}

func (w *replyWriter) array(n int) { w.header('*', n) }

// mapHeader starts a map of n pairs: % in RESP3, a flat array in RESP2.
func (w *replyWriter) mapHeader(n int) {
	if w.resp3 {
		w.header('%', n)
		return
	}
	w.header('*', 2*n)
}

// setHeader starts a set: ~ in RESP3, an array in RESP2.
func (w *replyWriter) setHeader(n int) {
	if w.resp3 {
		w.header('~', n)
		return
	}
	w.header('*', n)
}

// double writes a float: , in RESP3, a bulk string in RESP2.
func (w *replyWriter) double(f float64) {
	if w.resp3 {
		w.buf = append(w.buf, ',')
		switch {
		case math.IsInf(f, 1):
			w.buf = append(w.buf, "inf"...)
		case math.IsInf(f, -1):
			w.buf = append(w.buf, "-inf"...)
		default:
			w.buf = append(w.buf, redisnum.FormatDouble(f)...)
		}
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.bulkString(redisnum.FormatDouble(f))
}

// verbatim writes text as a RESP3 verbatim string ("txt"), a bulk string
// in RESP2, as Redis does for INFO and CLIENT LIST.
func (w *replyWriter) verbatim(s string) {
	if w.resp3 {
		w.header('=', len(s)+4)
		w.buf = append(w.buf, "txt:"...)
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.bulkString(s)
}

func (w *replyWriter) bulkStrings(ss []string) {
	w.array(len(ss))
	for _, s := range ss {
		w.bulkString(s)
	}
}
