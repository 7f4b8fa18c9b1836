package server

// BGREWRITEAOF.
var aofCommands = []*command{
	{name: "bgrewriteaof", arity: 1, flags: parseFlags("admin noscript no_async_loading"), acl: acl("admin slow dangerous"), group: "server", since: "1.0.0",
		summary: "Rewrites the append-only file from the current data, in the background.", handler: cmdBgRewriteAOF},
}

// cmdBgRewriteAOF is Redis's bgrewriteaofCommand: one rewrite at a time;
// inside MULTI it is scheduled for the cron to start.
func cmdBgRewriteAOF(c *client, args [][]byte) {
	a := &c.srv.aof
	switch {
	case a.rewriting.Load():
		c.w.error(errRewriteInProgress)
	case c.inExec != nil:
		a.scheduled.Store(true)
		c.w.simple(msgRewriteScheduled)
	case !a.on.Load():
		// As Redis with appendonly no: a base of the current data, named
		// by the manifest, for a later appendonly yes or for a copy.
		go c.srv.aofRewriteOff()
		c.w.simple(msgRewriteStarted)
	case a.rewriting.CompareAndSwap(false, true):
		go c.srv.aofRewriteClaimed()
		c.w.simple(msgRewriteStarted)
	default:
		c.w.error(errRewriteInProgress)
	}
}
