package rdb

// The RDB format's constants, as Redis 7.0's rdb.h names them.
const (
	// Version is the RDB version Ember writes: Redis 7.0's, the newest
	// Redis 7.0 loads.
	Version = 10
	// MaxVersion is the newest version Ember reads: 11 is Redis 7.2's,
	// whose only new value type (the set listpack, 20) Ember reads.
	MaxVersion = 11

	typeString          = 0
	typeList            = 1
	typeSet             = 2
	typeZSet            = 3
	typeHash            = 4
	typeZSet2           = 5
	typeModule          = 6
	typeModule2         = 7
	typeHashZipmap      = 9
	typeListZiplist     = 10
	typeSetIntset       = 11
	typeZSetZiplist     = 12
	typeHashZiplist     = 13
	typeListQuicklist   = 14
	typeStreamListpacks = 15
	typeHashListpack    = 16
	typeZSetListpack    = 17
	typeListQuicklist2  = 18
	typeStreamListpack2 = 19
	typeSetListpack     = 20 // Redis 7.2
	typeStreamListpack3 = 21 // Redis 7.2

	opFunction2  = 245
	opFunction   = 246
	opModuleAux  = 247
	opIdle       = 248
	opFreq       = 249
	opAux        = 250
	opResizeDB   = 251
	opExpireMs   = 252
	opExpireSec  = 253
	opSelectDB   = 254
	opEOF        = 255
	len6Bit      = 0
	len14Bit     = 1
	len32Bit     = 0x80
	len64Bit     = 0x81
	lenEncVal    = 3
	encInt8      = 0
	encInt16     = 1
	encInt32     = 2
	encLZF       = 3
	nodePlain    = 1 // QUICKLIST_NODE_CONTAINER_PLAIN
	nodePacked   = 2 // QUICKLIST_NODE_CONTAINER_PACKED
	moduleOpEOF  = 0
	moduleOpSInt = 1
	moduleOpUInt = 2
	moduleOpFlt  = 3
	moduleOpDbl  = 4
	moduleOpStr  = 5
)
