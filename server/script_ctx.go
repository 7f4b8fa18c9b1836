package server

import (
	"context"
	"sync/atomic"

	lua "github.com/yuin/gopher-lua"
)

// runContext is the context gopher-lua checks between the instructions
// of a running script, so that SCRIPT KILL, FUNCTION KILL and SHUTDOWN
// NOSAVE can stop the script wherever it loops.
//
// gopher-lua asks for Done before every instruction. A plain cancelCtx
// answers through an atomic.Value, and a receive from the open channel
// costs as much again: together about a twentieth of the instructions of
// a small script (callgrind). This one answers nil, which a select skips
// at once, until the run is stopped.
//
// Scripts run one at a time, so the runs share one runContext until a
// kill spends it (startRun makes a new one then). Every coroutine runs
// under it too (runUnder): gopher-lua would give a coroutine a context
// of its own, a child of the one current when it was made, which a later
// run could not stop, and which would never be linked to this one anyway
// (the context package links a child only to a parent whose Done is not
// nil).
type runContext struct {
	context.Context // the cancelCtx behind it: Err, Value, Deadline
	cancel          context.CancelFunc
	stopped         atomic.Bool
}

func newRunContext() *runContext {
	ctx, cancel := context.WithCancel(backgroundCtx)
	return &runContext{Context: ctx, cancel: cancel}
}

func (c *runContext) Done() <-chan struct{} {
	if c.stopped.Load() {
		return c.Context.Done()
	}
	return nil
}

// stop cancels the context: the script raises "context canceled" at its
// next instruction, in a coroutine too.
func (c *runContext) stop() {
	c.cancel() // first, so that the channel Done answers is closed
	c.stopped.Store(true)
}

// runUnder makes coroutine.create, resume and wrap run their coroutines
// under the current run's context: one made by an earlier run (a
// function library may keep one in an upvalue, or make one while it
// loads) is resumed under this run's, as in Redis, where a coroutine
// shares its script's kill hook.
func (vm *luaVM) runUnder(co *lua.LTable) {
	L := vm.L
	create := co.RawGetString("create").(*lua.LFunction).GFunction
	resume := co.RawGetString("resume").(*lua.LFunction).GFunction
	wrap := co.RawGetString("wrap").(*lua.LFunction).GFunction
	adopt := func(th *lua.LState) {
		if vm.run_ != nil && th != nil && th.Context() != context.Context(vm.e.run) {
			th.SetContext(vm.e.run)
		}
	}
	co.RawSetString("create", L.NewFunction(func(L *lua.LState) int {
		n := create(L)
		adopt(L.ToThread(-1))
		return n
	}))
	co.RawSetString("resume", L.NewFunction(func(L *lua.LState) int {
		th := L.ToThread(1)
		if th != nil && th.Dead {
			// Lua 5.1's words (gopher-lua's: "can not resume a dead
			// thread").
			L.Push(lua.LFalse)
			L.Push(lua.LString("cannot resume dead coroutine"))
			return 2
		}
		adopt(th)
		return resume(L)
	}))
	// gopher-lua's wrap returns a Go closure over the thread that resumes
	// it directly; this one adopts the thread first, then resumes it as
	// that closure does (the thread keeps wrap's way of raising errors).
	co.RawSetString("wrap", L.NewFunction(func(L *lua.LState) int {
		wrap(L)
		th := L.Get(-1).(*lua.LFunction).Upvalues[0].Value()
		L.Pop(1)
		L.Push(L.NewClosure(func(L *lua.LState) int {
			th := L.ToThread(lua.UpvalueIndex(1))
			if th.Dead {
				L.RaiseError("cannot resume dead coroutine")
			}
			adopt(th)
			L.Insert(th, 1)
			return resume(L)
		}, th))
		return 1
	}))
}
