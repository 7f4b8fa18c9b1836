//go:build race

package e2e

// raceEnabled: `go test -race` builds the server with -race too, so the
// end-to-end traffic also hunts for data races in the real binary.
const raceEnabled = true
