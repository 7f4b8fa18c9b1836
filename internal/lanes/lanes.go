// Package lanes runs batches of work on a fixed set of goroutines, one a
// lane, each running its lane's batches in the order they were handed
// over: the loaders' way of using every core while keeping, per shard,
// the order of the input (a lane owns a fixed set of shards).
package lanes

import "sync"

// Lanes is n goroutines running batches of type B.
type Lanes[B any] struct {
	work     []chan B
	free     chan B
	inFlight sync.WaitGroup // batches sent and not yet run
	done     sync.WaitGroup // the goroutines
}

// queued is how many batches may wait for a lane beyond the one it runs.
const queued = 2

// Start starts n lanes; run is called with a lane's number and each of
// its batches, on that lane's goroutine.
func Start[B any](n int, run func(lane int, b B)) *Lanes[B] {
	l := &Lanes[B]{work: make([]chan B, n), free: make(chan B, (queued+2)*n)}
	for i := range l.work {
		l.work[i] = make(chan B, queued)
		l.done.Add(1)
		go func() {
			defer l.done.Done()
			for b := range l.work[i] {
				run(i, b)
				l.inFlight.Done()
				select {
				case l.free <- b:
				default:
				}
			}
		}()
	}
	return l
}

// Send hands b to lane; it waits while the lane has queued batches.
func (l *Lanes[B]) Send(lane int, b B) {
	l.inFlight.Add(1)
	l.work[lane] <- b
}

// Spare returns a batch a lane has run, to be reused, if there is one.
func (l *Lanes[B]) Spare() (b B, ok bool) {
	select {
	case b = <-l.free:
		return b, true
	default:
		return b, false
	}
}

// Wait returns once every batch sent has run.
func (l *Lanes[B]) Wait() { l.inFlight.Wait() }

// Close waits for every batch sent and stops the lanes.
func (l *Lanes[B]) Close() {
	for _, ch := range l.work {
		close(ch)
	}
	l.done.Wait()
}
