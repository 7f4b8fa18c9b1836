package rdb

import (
	"encoding/binary"
	"errors"

	"github.com/emberkv/ember/store"
)

// DUMP's payload is one value in RDB encoding (its type byte first), then
// a footer: the RDB version as 2 bytes little-endian, and a CRC-64 of all
// that precedes it, 8 bytes little-endian (cluster.c createDumpPayload).

var (
	// ErrPayloadVersion: a RESTORE payload too short, from a newer RDB
	// version, or whose checksum does not match (Redis's "DUMP payload
	// version or checksum are wrong").
	ErrPayloadVersion = errors.New("DUMP payload version or checksum are wrong")
	// ErrPayloadData: a payload that passes its checks but does not
	// decode to a value (Redis's "Bad data format").
	ErrPayloadData = errors.New("Bad data format")
)

// AppendDump appends v's DUMP payload.
func AppendDump(dst []byte, v *store.EntryView, compression bool) []byte {
	start := len(dst)
	enc := Encoder{Compression: compression}
	dst = enc.AppendValue(dst, v)
	dst = binary.LittleEndian.AppendUint16(dst, Version)
	return binary.LittleEndian.AppendUint64(dst, crcUpdate(0, dst[start:]))
}

// DecodeDump checks a RESTORE payload (verifyDumpPayload) and decodes its
// value with s's encoding limits. skipChecksum skips the CRC (a payload
// whose CRC is zero is not special, as in Redis).
func DecodeDump(s *store.Store, payload []byte) (*store.Value, error) {
	if len(payload) < 10 {
		return nil, ErrPayloadVersion
	}
	footer := payload[len(payload)-10:]
	if binary.LittleEndian.Uint16(footer) > Version {
		return nil, ErrPayloadVersion
	}
	if crcUpdate(0, payload[:len(payload)-8]) != binary.LittleEndian.Uint64(footer[2:]) {
		return nil, ErrPayloadVersion
	}
	body := payload[:len(payload)-10]
	r := newBytesReader(body, "DUMP payload")
	t, err := r.byte()
	if err != nil {
		return nil, ErrPayloadData
	}
	v, err := readValue(r, s, t, 0)
	// As Redis's restoreCommand, bytes after the value are not looked at.
	if err != nil || v.Len() == 0 && v.Kind() != store.KindString {
		return nil, ErrPayloadData
	}
	return v, nil
}
