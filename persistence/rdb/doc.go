// Package rdb reads and writes Redis's RDB format: the dump files of SAVE
// and BGSAVE, the base of a multi-part AOF, and DUMP/RESTORE payloads.
//
// It writes version 10 (REDIS0010), what Redis 7.0 writes and the newest
// it loads, with every value in the encoding Redis 7.0 gives it (see
// Encoder), and it reads everything Redis 7.x writes and older versions
// still load: integer and LZF strings, ziplists, zipmaps, intsets,
// listpacks, quicklists v1 and v2, Redis 7.2's set listpack, expiries in
// seconds and milliseconds, AUX, FREQ, IDLE and RESIZEDB; function
// libraries and module aux data are skipped with a warning.
//
// The API, in the order of a save and a load:
//
//	sn := rdb.NewSnapshot(st, compression, nil) // the point-in-time cut
//	stats, err := rdb.SaveFile(path, sn, rdb.Options{...})
//
//	stats, err := rdb.LoadFile(path, st, rdb.LoadOptions{...})
//
// Write and Load work on any io.Writer / io.Reader (an AOF's base), and
// AppendDump / DecodeDump on DUMP payloads. Loading never leaves a partial
// keyspace: values go into a store.Staging, installed only once the whole
// file, checksum included, has been read. Every failure is an *Error that
// names the file and the byte offset.
//
// Why not github.com/hdt3213/rdb: its writer says REDIS0011, which Redis
// 7.0 refuses, and its parser decodes every value into Go objects,
// whereas Ember keeps listpacks and intsets as the bytes Redis writes, so
// they pass through as they are; and its errors carry no file offset and
// its allocations follow declared lengths. See docs/persistence.md.
package rdb
