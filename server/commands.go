package server

import "sync"

// builtinCommands is the command table, built once: its rows are shared
// by every server in the process (each keeps its own statistics, indexed
// by the rows' ids).
var builtinCommands = sync.OnceValues(func() (commandTable, []*command) {
	return newCommandTable(commandRows())
})

// commandRows is Ember's command table: every command group contributes its
// rows, and newCommandTable checks and indexes them.
func commandRows() []*command {
	var rows []*command
	for _, group := range [][]*command{
		connectionCommands,
		transactionCommands,
		stringCommands,
		listCommands,
		blockingListCommands,
		blockingZSetCommands,
		keyCommands,
		setCommands,
		serverCommands,
		clientCommands,
		commandCommands,
		configCommands,
		zsetCommands,
		hashCommands,
		hllCommands,
		pubsubCommands,
		monitorCommands,
		sortCommands,
		bitmapCommands,
		scriptCommands,
		functionCommands,
		memoryCommands,
		aofCommands,
		persistCommands,
		latencyCommands,
	} {
		rows = append(rows, group...)
	}
	return rows
}

// acl splits a space-separated list of ACL categories.
func acl(s string) []string { return splitFields(s) }
