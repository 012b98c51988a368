//go:build race

package paillier

// raceEnabled: the race detector's instrumentation allocates, so allocation
// counts are not checked under -race.
const raceEnabled = true
