package server

var transactionCommands = []*command{
	{name: "multi", arity: 1, flags: parseFlags("noscript loading stale fast allow_busy"), acl: acl("fast transaction"), group: "transactions", since: "1.2.0",
		summary: "Begins queueing commands for EXEC.", handler: cmdMulti},
	{name: "exec", arity: 1, flags: parseFlags("noscript loading stale skip_slowlog"), acl: acl("slow transaction"), group: "transactions", since: "1.2.0",
		summary: "Runs the queued commands as one atomic step.", handler: cmdExec},
	{name: "discard", arity: 1, flags: parseFlags("noscript loading stale fast allow_busy"), acl: acl("fast transaction"), group: "transactions", since: "2.0.0",
		summary: "Drops the queued commands.", handler: cmdDiscard},
	{name: "watch", arity: -2, flags: parseFlags("noscript loading stale fast allow_busy"), acl: acl("fast transaction"), firstKey: 1, lastKey: -1, step: 1, group: "transactions", since: "2.2.0",
		summary: "Makes the next EXEC fail if any of these keys changes first.", handler: cmdWatch},
	{name: "unwatch", arity: 1, flags: parseFlags("noscript loading stale fast allow_busy"), acl: acl("fast transaction"), group: "transactions", since: "2.2.0",
		summary: "Stops watching every key.", handler: cmdUnwatch},
}
