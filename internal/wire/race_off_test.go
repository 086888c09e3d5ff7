//go:build !race

package wire_test

const raceOn = false
