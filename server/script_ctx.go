package server

import (
	"context"
	"sync/atomic"
)

// runContext is the context gopher-lua checks between the instructions
// of a running script, so that SCRIPT KILL, FUNCTION KILL and SHUTDOWN
// NOSAVE can stop the script wherever it loops.
//
// gopher-lua asks for Done before every instruction. A plain cancelCtx
// answers through an atomic.Value, and a receive from the open channel
// costs as much again: together about a twentieth of the instructions of
// a small script (callgrind). This one answers nil, which a select skips
// at once, until the run is stopped. It also answers the real channel
// once the run has made a coroutine: gopher-lua gives each coroutine a
// child context, and the context package links a child to its parent
// only when the parent's Done is not nil.
//
// Scripts run one at a time, so the runs share one runContext until one
// of them links it (startRun makes a new one then): a stopped one is
// spent, and one with coroutines holds their contexts.
type runContext struct {
	context.Context // the cancelCtx behind it: Err, Value, Deadline
	cancel          context.CancelFunc
	linked          atomic.Bool // Done answers the real channel
}

func newRunContext() *runContext {
	ctx, cancel := context.WithCancel(backgroundCtx)
	return &runContext{Context: ctx, cancel: cancel}
}

func (c *runContext) Done() <-chan struct{} {
	if c.linked.Load() {
		return c.Context.Done()
	}
	return nil
}

// stop cancels the context: the script raises "context canceled" at its
// next instruction, in a coroutine too.
func (c *runContext) stop() {
	c.cancel() // first, so that the channel Done answers is closed
	c.linked.Store(true)
}

// link makes Done answer the real channel from now on, before a
// coroutine is made.
func (c *runContext) link() { c.linked.Store(true) }
