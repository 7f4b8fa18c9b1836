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

const pageSize = 8192

// Alloc is the bytes an allocation of n bytes occupies: 0 for 0, its size
// class up to 32 KiB, whole 8 KiB pages beyond.
func Alloc(n int) int {
	if n <= 0 {
		return 0
	}
	if n > int(classes[len(classes)-1]) {
		return (n + pageSize - 1) / pageSize * pageSize
	}
	lo, hi := 0, len(classes)-1
	for lo < hi { // the first class >= n
		mid := (lo + hi) / 2
		if int(classes[mid]) < n {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return int(classes[lo])
}
