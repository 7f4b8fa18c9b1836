// Package memsize tells what the Go allocator really hands out for a
// request: the size class a small object is rounded up to, or whole
// pages for a large one. The store's accounting (used_memory, what
// eviction counts) uses it so that a 9-byte key counts the 16 bytes it
// takes, not 9.
package memsize

// classes are the Go 1.26 runtime's small-object size classes
// (runtime/sizeclasses.go), in bytes.
var classes = [...]uint16{
	8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256,
	288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280,
	1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528,
	6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432,
	19072, 20480, 21760, 24576, 27264, 28672, 32768,
}

const (
	pageSize  = 8192
	smallMax  = 1024 // up to here, classes are looked up by 8-byte steps
	largeStep = 128  // beyond, by 128-byte steps, as the runtime does
	maxSmall  = 32768
)

// bySmall and byLarge map a size, in steps of 8 and of 128 bytes, to its
// class: a table lookup instead of a search, since every write the store
// accounts for asks several times (the runtime's size_to_class8 and
// size_to_class128 do the same).
var bySmall, byLarge = func() (small [smallMax/8 + 1]uint16, large [(maxSmall-smallMax)/largeStep + 1]uint16) {
	first := func(n int) uint16 { // the first class >= n
		for _, c := range classes {
			if int(c) >= n {
				return c
			}
		}
		panic("memsize: no class")
	}
	for i := range small {
		small[i] = first(i * 8)
	}
	for i := range large {
		large[i] = first(smallMax + i*largeStep)
	}
	return small, large
}()

// Alloc is the bytes an allocation of n bytes occupies: 0 for 0, its size
// class up to 32 KiB, whole 8 KiB pages beyond.
func Alloc(n int) int {
	switch {
	case n <= 0:
		return 0
	case n <= smallMax:
		return int(bySmall[(n+7)/8])
	case n <= maxSmall:
		return int(byLarge[(n-smallMax+largeStep-1)/largeStep])
	}
	return (n + pageSize - 1) / pageSize * pageSize
}
