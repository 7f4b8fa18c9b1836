package dict

import "unsafe"

// chunkLen is how many items a chunk of a slab holds: 40 KB of them for
// string values.
const (
	chunkShift = 10
	chunkLen   = 1 << chunkShift
)

// firstChunkLen is the size of a new Dict's first chunk: the elements a
// table of minBuckets holds before it grows.
const firstChunkLen = minBuckets

// slab is the dense array of a Dict's items, 0 to n-1, kept in chunks so that
// growing it never copies more than one chunk: a single slice of a million
// items would be copied whole, 40 MB, by the append that outgrows it. Item i
// is chunks[i>>chunkShift][i&(chunkLen-1)]. A slab that fits one chunk grows
// that chunk by doubling, so a small Dict does not hold 40 KB; once there
// are two chunks, every chunk is chunkLen long.
type slab[V any] struct {
	chunks [][]item[V]
	n      int
}

func makeSlab[V any](sizeHint int) slab[V] {
	if sizeHint <= 0 {
		return slab[V]{}
	}
	return slab[V]{chunks: [][]item[V]{make([]item[V], min(sizeHint, chunkLen))}}
}

func (s *slab[V]) at(i int) *item[V] {
	return &s.chunks[i>>chunkShift][i&(chunkLen-1)]
}

// slots is how many items the chunks have room for.
func (s *slab[V]) slots() int {
	if len(s.chunks) == 0 {
		return 0
	}
	return (len(s.chunks)-1)*chunkLen + len(s.chunks[0])
}

// push appends it as item n.
func (s *slab[V]) push(it item[V]) {
	if s.n == s.slots() {
		switch {
		case len(s.chunks) == 0:
			s.chunks = append(s.chunks, make([]item[V], firstChunkLen))
		case len(s.chunks) == 1 && len(s.chunks[0]) < chunkLen:
			c := make([]item[V], min(2*len(s.chunks[0]), chunkLen))
			copy(c, s.chunks[0])
			s.chunks[0] = c
		default:
			s.chunks = append(s.chunks, make([]item[V], chunkLen))
		}
	}
	*s.at(s.n) = it
	s.n++
}

// pop removes the last item. An empty last chunk is freed only once the one
// before it is half empty, so that a Dict whose size hovers at a chunk
// boundary does not make and free a chunk every time.
func (s *slab[V]) pop() {
	s.n--
	*s.at(s.n) = item[V]{} // drop the key and value for the collector
	if k := len(s.chunks); k > 1 && s.n <= (k-1)*chunkLen-chunkLen/2 {
		s.chunks[k-1] = nil
		s.chunks = s.chunks[:k-1]
	}
}

// trim gives back the first chunk's spare room beyond max(n, room) items, when
// the slab is down to one chunk and that chunk is more than twice as long.
func (s *slab[V]) trim(room int) {
	if len(s.chunks) != 1 || len(s.chunks[0]) <= 2*max(s.n, room) {
		return
	}
	c := make([]item[V], max(s.n, room))
	copy(c, s.chunks[0][:s.n])
	s.chunks[0] = c
}

func (s *slab[V]) clone() slab[V] {
	c := slab[V]{n: s.n}
	if s.chunks != nil {
		c.chunks = make([][]item[V], len(s.chunks))
		for i, ch := range s.chunks {
			c.chunks[i] = make([]item[V], len(ch))
			copy(c.chunks[i], ch)
		}
	}
	return c
}

// memSize is the bytes of the chunks and of their directory.
func (s *slab[V]) memSize() int64 {
	var it item[V]
	return int64(s.slots())*int64(unsafe.Sizeof(it)) +
		int64(cap(s.chunks))*int64(unsafe.Sizeof(s.chunks[0:0]))
}
