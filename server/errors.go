package server

// Every error text a client can see, byte for byte as Redis 7 writes it.
// Texts with %s take the command name (lower case) or an argument.
const (
	errSyntax            = "ERR syntax error"
	errNotInteger        = "ERR value is not an integer or out of range"
	errNotFloat          = "ERR value is not a valid float"
	errOverflow          = "ERR increment or decrement would overflow"
	errNaNOrInf          = "ERR increment would produce NaN or Infinity"
	errWrongType         = "WRONGTYPE Operation against a key holding the wrong kind of value"
	errNoSuchKey         = "ERR no such key"
	errStringTooLong     = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	errOffsetRange       = "ERR offset is out of range"
	errDBIndex           = "ERR DB index is out of range"
	errInvalidDBIndex    = "ERR invalid first DB index"
	errInvalidDBIndex2   = "ERR invalid second DB index"
	errSameObject        = "ERR source and destination objects are the same"
	errWrongArity        = "ERR wrong number of arguments for '%s' command"
	errUnknownCommand    = "ERR unknown command '%.128s', with args beginning with: %s"
	errUnknownSubcommand = "ERR unknown subcommand '%.128s'. Try %s HELP."
	errInvalidExpire     = "ERR invalid expire time in '%s' command"
	errExpireOptions     = "ERR NX and XX, GT or LT options at the same time are not compatible"
	errGTLTNX            = "ERR GT and LT options at the same time are not compatible"
	errNoAuth            = "NOAUTH Authentication required."
	errWrongPass         = "WRONGPASS invalid username-password pair or user is disabled."
	errAuthNotSet        = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	errNoProto           = "NOPROTO unsupported protocol version"
	errMultiNested       = "ERR MULTI calls can not be nested"
	errExecNoMulti       = "ERR EXEC without MULTI"
	errDiscardNoMulti    = "ERR DISCARD without MULTI"
	errWatchInMulti      = "ERR WATCH inside MULTI is not allowed"
	errExecAbort         = "EXECABORT Transaction discarded because of previous errors."
	errCommandInMulti    = "ERR Command not allowed inside a transaction"
	errInvalidCursor     = "ERR invalid cursor"
	errClientName        = "ERR Client names cannot contain spaces, newlines or special characters."
	errNoSuchClient      = "ERR No such client"
	errLCSKeysTypes      = "ERR The specified keys must contain string values"
	errLCSOptions        = "ERR If you want both the length and indexes, please just use IDX."
	errFreqNoLFU         = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errShutdownFailed    = "ERR Errors trying to SHUTDOWN. Check logs."
	errProtocolPrefix    = "ERR Protocol error: "
)

// Errors of the generic key commands (cmd_keys.go).
const (
	errUnsupportedOption = "ERR Unsupported option %s"
	errIntRange          = "ERR value is out of range, value must between -2147483648 and 2147483647"
)

// Server administration: COMMAND, CLIENT, INFO, SHUTDOWN.
const (
	errGetKeysInvalidCommand = "ERR Invalid command specified"
	errGetKeysNoKeys         = "ERR The command has no key arguments"
	errGetKeysArity          = "ERR Invalid number of arguments specified for command"
	errGetKeysInvalidArgs    = "ERR Invalid arguments specified for command"
	errNoShutdownInProgress  = "ERR No shutdown in progress."
	errClientSetInfoOption   = "ERR Unrecognized option '%s'"
	errClientSetInfoValue    = "ERR %s cannot contain spaces, newlines or special characters."
	errClientUnknownType     = "ERR Unknown client type '%s'"
	errClientInvalidID       = "ERR Invalid client ID"
	errClientKillID          = "ERR client-id should be greater than 0"
	errClientNoSuchUser      = "ERR No such user '%s'"
)

// Configuration: CONFIG replies, and the reasons config files, flags and
// CONFIG SET give for refusing a value (Redis's texts, except the ones
// marked as Ember's own).
const (
	errConfigSetUnknown = "ERR Unknown option or number of arguments for CONFIG SET - '%s'"
	errConfigSetFailed  = "ERR CONFIG SET failed (possibly related to argument '%s') - %s"
	errConfigNoFile     = "ERR The server is running without a config file"
	errConfigRewrite    = "ERR Rewriting config file: %s"
	errProtectedMode    = "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside."

	reasonBadDirective     = "Bad directive or wrong number of arguments"
	reasonArgCount         = "wrong number of arguments"
	reasonUnbalanced       = "Unbalanced quotes in configuration line"
	reasonBool             = "argument must be 'yes' or 'no'"
	reasonInt              = "argument couldn't be parsed into an integer"
	reasonMemory           = "argument must be a memory value"
	reasonMemPercent       = "argument must be a memory or percent value"
	reasonRange            = "argument must be between %d and %d inclusive"
	reasonPercentRange     = "percentage argument must be less or equal to %d"
	reasonEnum             = "argument(s) must be one of the following: %s"
	reasonImmutable        = "can't set immutable config"
	reasonProtected        = "can't set protected config"
	reasonDuplicate        = "duplicate parameter"
	reasonSave             = "Invalid save parameters"
	reasonBufLimitArgs     = "Wrong number of arguments in buffer limit configuration."
	reasonBufLimitClass    = "Invalid client class specified in buffer limit configuration."
	reasonBufLimitValue    = "Error in hard, soft or soft_seconds setting in buffer limit configuration."
	reasonOOMValues        = "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
	reasonPercentiles      = "Invalid latency-tracking-info-percentiles parameters"
	reasonPercentilesRange = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
	reasonKeyspaceEvents   = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
	reasonProcTitle        = "template format is invalid or contains unknown variables"
	reasonShutdownSave     = "shutdown options SAVE and NOSAVE can't be used simultaneously"
	reasonTooManyBind      = "Too many bind addresses specified."
	reasonBindFailed       = "Failed to bind to specified addresses."
	reasonPortFailed       = "Unable to listen on this port. Check server logs."
	reasonMasterPort       = "Invalid master port"
	reasonNotFileName      = "%s can't be a path, just a filename"
	reasonNotDirName       = "appenddirname can't be a path, just a dirname"
	reasonEmptyDirName     = "appenddirname can't be empty"

	// Ember's own: what it cannot do (yet).
	reasonNoBind        = "Ember needs at least one address to bind"
	reasonNoDaemonize   = "Ember does not daemonize: run it in the foreground under a supervisor (systemd, Docker)"
	reasonNoReplication = "replication is not implemented in Ember"
	reasonNoCluster     = "cluster mode is not implemented in Ember"
	reasonNoTLS         = "TLS is not implemented in Ember: tls-port must be 0"
	reasonNoUnixSocket  = "Unix sockets are not supported by Ember: use bind and port"
	reasonNoACLFile     = "ACL files are not supported by Ember: use requirepass"
)

// String commands.
const (
	errDecrementOverflow = "ERR decrement would overflow"
	errLCSTooMuchMemory  = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
)

// Added with the differential tests of connections and transactions.
const (
	errExecAbortBecause = "EXECABORT Transaction discarded because of: %s"
	// Redis 7.0's text, without the "<proto>" its source comment suggests.
	errHelloNoAuth = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
)

// Connections and the server itself.
const (
	errInternal             = "ERR internal error"
	errInternalReader       = "ERR internal error: request read outside Ember's reader"
	errMaxClients           = "ERR max number of clients reached"
	errHelloProtocolVersion = "ERR Protocol version is not an integer or out of range"
	errHelloOption          = "ERR Syntax error in HELLO option '%s'"
)

// Sorted sets (cmd_zset.go).
const (
	errZAddXXNX         = "ERR XX and NX options at the same time are not compatible"
	errZAddGTLTNX       = "ERR GT, LT, and/or NX options at the same time are not compatible"
	errZAddIncrPair     = "ERR INCR option supports a single increment-element pair"
	errZNaNScore        = "ERR resulting score is not a number (NaN)"
	errZMinMaxFloat     = "ERR min or max is not a float"
	errZMinMaxLex       = "ERR min or max not valid string range item"
	errZLimitRank       = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	errZWithScoresLex   = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	errZAtLeastOneKey   = "ERR at least 1 input key is needed for '%s' command"
	errZWeightFloat     = "ERR weight value is not a float"
	errZLimitNegative   = "ERR LIMIT can't be negative"
	errZPositive        = "ERR value is out of range, must be positive"
	errZNumKeysPositive = "ERR numkeys should be greater than 0"
	errZCountPositive   = "ERR count should be greater than 0"
	errZRandRange       = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	errZValueRange      = "ERR value is out of range"
)

// Blocking commands (blocking.go).
const (
	errTimeoutNotFloat  = "ERR timeout is not a float or out of range"
	errTimeoutNegative  = "ERR timeout is negative"
	errUnblocked        = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
	errUnblockReason    = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
	errSubcommandSyntax = "ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP."
)

// List commands.
const (
	errNotPositive        = "ERR value is out of range, must be positive"
	errIndexOutOfRange    = "ERR index out of range"
	errLPosRankZero       = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errLPosCountNegative  = "ERR COUNT can't be negative"
	errLPosMaxLenNegative = "ERR MAXLEN can't be negative"
	errNumKeysPositive    = "ERR numkeys should be greater than 0"
	errCountPositive      = "ERR count should be greater than 0"
)

// The set commands (t_set.c).
const (
	errSRandMemberRange = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	errNumKeysTooMany   = "ERR Number of keys can't be greater than number of args"
	errLimitNegative    = "ERR LIMIT can't be negative"
)

// Hash commands (cmd_hash.go).
const (
	errHashNotInteger  = "ERR hash value is not an integer"
	errHashNotFloat    = "ERR hash value is not a float"
	errInfIncrement    = "ERR value is NaN or Infinity"
	errValueOutOfRange = "ERR value is out of range"
	errHRandFieldRange = errSRandMemberRange // the same bounds, -LONG_MAX..LONG_MAX
)

// HyperLogLog commands (cmd_hll.go).
const (
	errNotHLL       = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errCorruptHLL   = "INVALIDOBJ Corrupted HLL object detected"
	errHLLNoKey     = "ERR The specified key does not exist"
	errHLLNotSparse = "ERR HLL encoding is not sparse"
)

// The bitmap commands (bitops.c).
const (
	errBitOffset        = "ERR bit offset is not an integer or out of range"
	errBitValue         = "ERR bit is not an integer or out of range"
	errBitPosBit        = "ERR The bit argument must be 1 or 0."
	errBitOpNot         = "ERR BITOP NOT must be called with a single source key."
	errBitFieldType     = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	errBitFieldOverflow = "ERR Invalid OVERFLOW type specified"
	errBitFieldRO       = "ERR BITFIELD_RO only supports the GET subcommand"
)

// Pub/Sub and MONITOR (cmd_pubsub.go, monitor.go).
const (
	errPubSubContext       = "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
	errDenyBlocking        = "ERR %s isn't allowed for a DENY BLOCKING client"
	errMonitorDenyBlocking = "ERR MONITOR isn't allowed for DENY BLOCKING client"
)

// SORT and SORT_RO (sort.c).
const (
	errSortNotDouble = "ERR One or more scores can't be converted into double"
)

// Client-side caching and CLIENT PAUSE (tracking.go, pause.go; Redis's
// networking.c clientCommand).
const (
	errTrackingOneRedirect      = "ERR A client can only redirect to a single other client"
	errTrackingNoRedirect       = "ERR The client ID you want redirect to does not exist"
	errTrackingPrefixNeedsBcast = "ERR PREFIX option requires BCAST mode to be enabled"
	errTrackingSwitchBcast      = "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."
	errTrackingOptBcast         = "ERR OPTIN and OPTOUT are not compatible with BCAST"
	errTrackingOptInOut         = "ERR You can't specify both OPTIN mode and OPTOUT mode"
	errTrackingSwitchOpt        = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."
	errCachingNeedsTracking     = "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"
	errCachingYes               = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
	errCachingNo                = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."
	errPauseMode                = "ERR CLIENT PAUSE mode must be WRITE or ALL"
	errPauseTimeoutNotInteger   = "ERR timeout is not an integer or out of range"
)
