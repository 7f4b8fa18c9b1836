package rdb

import "hash/crc64"

// crcTable is Jones's polynomial, reflected: the CRC-64 of Redis's crc64.c.
var crcTable = crc64.MakeTable(0x95ac9329ac4bc9b5)

// crcUpdate continues a Redis CRC-64 over p. Redis's CRC has neither the
// initial nor the final inversion that hash/crc64 applies, hence the two
// complements: crcUpdate(0, "123456789") is 0xe9c6d914c4b8d9ca, Redis's
// check value.
func crcUpdate(crc uint64, p []byte) uint64 { return ^crc64.Update(^crc, crcTable, p) }
