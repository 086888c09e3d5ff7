package chart

import (
	"math"
	"testing"
	"time"
)

// The value axis starts at 0 for positive values, unless they all sit in
// the upper half of the range: then it spans them with a margin, so a
// ratio of 0.902 against a threshold of 0.9 is not a flat line at the top.
func TestValueAxisZoomsOnAHighNarrowBand(t *testing.T) {
	at := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	line := func(vs ...float64) []Line {
		var ps []Point
		for i, v := range vs {
			ps = append(ps, Point{T: at.Add(time.Duration(i) * time.Minute), V: v})
		}
		return []Line{{Name: "x", Points: ps}}
	}
	id := func(v float64) float64 { return v }
	for _, c := range []struct {
		name   string
		d      Data
		lo, hi float64
	}{
		{"a ratio just over its threshold", Data{Lines: line(0.905, 0.91, 0.915), Threshold: &Threshold{Op: ">", Value: 0.9}}, 0.8985, 0.9165},
		{"a count from 0", Data{Lines: line(0, 6, 15), Threshold: &Threshold{Op: ">", Value: 5}}, 0, 15},
		{"positive but spread", Data{Lines: line(2, 9, 10)}, 0, 10},
		{"constant", Data{Lines: line(3, 3, 3)}, 0, 3},
		{"negative", Data{Lines: line(-2, 1)}, -2, 1},
	} {
		lo, hi := yRange(c.d, id)
		if math.Abs(lo-c.lo) > 1e-9 || math.Abs(hi-c.hi) > 1e-9 {
			t.Errorf("%s: %v..%v, want %v..%v", c.name, lo, hi, c.lo, c.hi)
		}
	}
}
