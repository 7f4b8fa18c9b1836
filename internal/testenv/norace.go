//go:build !race

package testenv

// RaceEnabled reports whether the test binary runs under the race
// detector, so that a server it builds can be built with -race too.
const RaceEnabled = false
