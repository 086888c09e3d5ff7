package slo

import "time"

// Point is one sample of a time series, e.g. a burn rate for a chart.
type Point struct {
	Time  time.Time
	Value float64
}
