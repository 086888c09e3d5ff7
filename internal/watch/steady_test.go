package watch

import (
	"testing"
	"time"
)

func TestSteadyLatency(t *testing.T) {
	ms := time.Millisecond
	cases := []struct{ shown, measured, want time.Duration }{
		{0, 7 * ms, 7 * ms},         // first measurement
		{3 * ms, 9 * ms, 3 * ms},    // jitter: tripled but only 6ms apart
		{40 * ms, 70 * ms, 40 * ms}, // within double
		{40 * ms, 90 * ms, 90 * ms}, // more than double and 50ms apart
		{300 * ms, 100 * ms, 100 * ms},
		{300 * ms, 200 * ms, 300 * ms},
		{5 * ms, 2 * time.Second, 2 * time.Second},
	}
	for _, c := range cases {
		if got := steadyLatency(c.shown, c.measured); got != c.want {
			t.Errorf("steadyLatency(%s, %s) = %s, want %s", c.shown, c.measured, got, c.want)
		}
	}
}
