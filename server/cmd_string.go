package server

import (
	"unsafe"
)

var stringCommands = []*command{
	{name: "get", arity: 2, flags: parseFlags("readonly fast"), acl: acl("read string fast"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "1.0.0",
		summary: "Returns the string value of a key.", handler: cmdGet},
	{name: "set", arity: -3, flags: parseFlags("write denyoom"), acl: acl("write string slow"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "1.0.0",
		summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", handler: cmdSet},
}

// keyOf views an argument as a string without copying. The store copies
// any key it keeps, so the view never outlives the command.
func keyOf(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func cmdGet(c *client, args [][]byte) {
	v, ok, err := c.db.Get(keyOf(args[1]))
	switch {
	case err != nil:
		c.storeError(err)
	case !ok:
		c.w.null()
	default:
		c.w.bulk(v)
	}
}

func cmdSet(c *client, args [][]byte) {
	// Placeholder until the full SET lands in this file.
	c.db.Set(keyOf(args[1]), args[2], storeSetAlways)
	c.w.ok()
}
