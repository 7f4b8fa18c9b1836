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
	errCountPositive     = "ERR COUNT must be > 0"
	errLCSKeysTypes      = "ERR The specified keys must contain string values"
	errLCSOptions        = "ERR If you want both the length and indexes, please just use IDX."
	errFreqNoLFU         = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errConfigUnknownGet  = "ERR Unknown option or number of arguments for CONFIG SET - '%s'"
	errSelectInvalid     = "ERR value is not an integer or out of range"
	errShutdownFailed    = "ERR Errors trying to SHUTDOWN. Check logs."
	errTimeout           = "ERR timeout is not an integer or out of range"
	errProtocolPrefix    = "ERR Protocol error: "
)

// Added with the differential tests of connections and transactions.
const (
	errExecAbortBecause = "EXECABORT Transaction discarded because of: %s"
	errIntRange         = "ERR value is out of range, value must between -2147483648 and 2147483647"
	// Redis 7.0's text, without the "<proto>" its source comment suggests.
	errHelloNoAuth = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
)
