package rdb

import (
	"encoding/binary"
	"hash/crc64"
)

// crcTable is Jones's polynomial, reflected: the CRC-64 of Redis's crc64.c.
var crcTable = crc64.MakeTable(0x95ac9329ac4bc9b5)

// crcSlices extends crcTable for slicing-by-8, eight bytes a step, as
// Redis's crcspeed does. hash/crc64 slices only its own two polynomials:
// for any other table it compares the table's 2 KB against theirs on
// every call of 64 bytes or more, and rebuilds the 16 KB of slices on
// every call of 2 KB or more.
var crcSlices = func() *[8][256]uint64 {
	var t [8][256]uint64
	t[0] = *crcTable
	for i := range 256 {
		crc := t[0][i]
		for j := 1; j < 8; j++ {
			crc = t[0][crc&0xff] ^ crc>>8
			t[j][i] = crc
		}
	}
	return &t
}()

// crcUpdate continues a Redis CRC-64 over p. Redis's CRC has neither the
// initial nor the final inversion of hash/crc64: crcUpdate(0,
// "123456789") is 0xe9c6d914c4b8d9ca, Redis's check value.
func crcUpdate(crc uint64, p []byte) uint64 {
	t := crcSlices
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = t[7][crc&0xff] ^ t[6][crc>>8&0xff] ^ t[5][crc>>16&0xff] ^ t[4][crc>>24&0xff] ^
			t[3][crc>>32&0xff] ^ t[2][crc>>40&0xff] ^ t[1][crc>>48&0xff] ^ t[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = t[0][byte(crc)^b] ^ crc>>8
	}
	return crc
}
