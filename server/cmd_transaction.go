package server

var transactionCommands = []*command{
	{name: "multi", arity: 1, flags: parseFlags("noscript loading stale fast allow_busy"), acl: acl("fast transaction"), group: "transactions", since: "1.2.0",
		summary: "Starts a transaction.", handler: cmdMulti},
	{name: "exec", arity: 1, flags: parseFlags("noscript loading stale skip_slowlog"), acl: acl("slow transaction"), group: "transactions", since: "1.2.0",
		summary: "Executes all commands in a transaction.", handler: cmdExec},
	{name: "discard", arity: 1, flags: parseFlags("noscript loading stale fast allow_busy"), acl: acl("fast transaction"), group: "transactions", since: "2.0.0",
		summary: "Discards a transaction.", handler: cmdDiscard},
	{name: "watch", arity: -2, flags: parseFlags("noscript loading stale fast allow_busy"), acl: acl("fast transaction"), firstKey: 1, lastKey: -1, step: 1, group: "transactions", since: "2.2.0",
		summary: "Monitors changes to keys to determine the execution of a transaction.", handler: cmdWatch},
	{name: "unwatch", arity: 1, flags: parseFlags("noscript loading stale fast allow_busy"), acl: acl("fast transaction"), group: "transactions", since: "2.2.0",
		summary: "Forgets about watched keys of a transaction.", handler: cmdUnwatch},
}
