// Package simslo is the error-budget side of the simulated incident: one
// request/error timeline per service, with closed-form cumulative counters,
// and query handlers on the simulated Prometheus that answer the SLO
// queries (errors, total, their ratio, instant and range) from it. Every
// window is computed from the same timeline, so the burn rates over 5m, 1h,
// 6h or 30d agree with each other the way a real Prometheus' would.
package simslo

import (
	"fmt"
	"io"
	"math"
	"sort"
	"time"
)

// Phase is a stretch of constant error ratio, starting At (relative to the
// timeline's anchor; negative is before it) and lasting until the next one.
type Phase struct {
	At         time.Duration
	ErrorRatio float64
}

// Timeline is the simulated traffic of one service: BaseRPS requests per
// second swinging by ±Diurnal (a fraction) over the day, of which the
// current Phase's ErrorRatio fail. Counters start at zero History before the
// anchor; the first phase also covers everything before its own At.
type Timeline struct {
	Anchor  time.Time
	History time.Duration
	BaseRPS float64
	Diurnal float64
	Phases  []Phase
}

const dayPeriod = 24 * time.Hour

// origin is when the counters start.
func (tl Timeline) origin() time.Time {
	h := tl.History
	if h <= 0 {
		h = 90 * 24 * time.Hour
	}
	return tl.Anchor.Add(-h)
}

// requests is the number of requests from the origin up to t (0 before the
// origin): the integral of BaseRPS·(1 + Diurnal·sin(2πu/day)).
func (tl Timeline) requests(t time.Time) float64 {
	s := t.Sub(tl.origin()).Seconds()
	if s <= 0 {
		return 0
	}
	p := dayPeriod.Seconds()
	return tl.BaseRPS * (s + tl.Diurnal*p/(2*math.Pi)*(1-math.Cos(2*math.Pi*s/p)))
}

// Counts returns the cumulative requests and failed requests at t, as a
// counter pair like http_requests_total{code!~"5.."} + {code=~"5.."} would.
func (tl Timeline) Counts(t time.Time) (total, errors float64) {
	total = tl.requests(t)
	phases := tl.sortedPhases()
	for i, ph := range phases {
		from := tl.origin()
		if i > 0 {
			from = tl.Anchor.Add(ph.At)
		}
		if !t.After(from) {
			break
		}
		to := t
		if i+1 < len(phases) {
			if next := tl.Anchor.Add(phases[i+1].At); next.Before(t) {
				to = next
			}
		}
		errors += ph.ErrorRatio * (tl.requests(to) - tl.requests(from))
	}
	return total, errors
}

func (tl Timeline) sortedPhases() []Phase {
	ps := append([]Phase(nil), tl.Phases...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].At < ps[j].At })
	return ps
}

// Rates returns the per-second rates of errors and requests over window
// ending at t, the way rate() over a perfectly sampled counter would.
func (tl Timeline) Rates(window time.Duration, t time.Time) (errPerSec, totalPerSec float64) {
	if window <= 0 {
		return 0, 0
	}
	t1, e1 := tl.Counts(t)
	t0, e0 := tl.Counts(t.Add(-window))
	return (e1 - e0) / window.Seconds(), (t1 - t0) / window.Seconds()
}

// ErrorRatio is the fraction of requests that failed over window ending at
// t; NaN when there was no traffic.
func (tl Timeline) ErrorRatio(window time.Duration, t time.Time) float64 {
	e, tot := tl.Rates(window, t)
	if tot == 0 {
		return math.NaN()
	}
	return e / tot
}

// WriteOpenMetrics writes the timeline as two counter series of
// http_requests_total (code="200" and code="500", plus the given labels,
// e.g. `job="api"`) sampled every step from `from` to `to`, for
// `promtool tsdb create-blocks-from openmetrics`. Older than fine before
// `to`, samples are taken every coarse step instead, which keeps long
// backfills quick. The caller writes the family's "# TYPE" line once and
// "# EOF" at the end.
func (tl Timeline) WriteOpenMetrics(w io.Writer, labels string, from, to time.Time, fine, step, coarse time.Duration) error {
	if step <= 0 || coarse <= 0 {
		return fmt.Errorf("simslo: steps must be positive, got %s and %s", step, coarse)
	}
	type sample struct {
		t    time.Time
		ok   float64
		errs float64
	}
	var samples []sample
	for t := from; !t.After(to); {
		total, errs := tl.Counts(t)
		samples = append(samples, sample{t, total - errs, errs})
		if to.Sub(t) > fine {
			t = t.Add(coarse)
		} else {
			t = t.Add(step)
		}
	}
	sep := ""
	if labels != "" {
		sep = ","
	}
	for _, code := range []string{"200", "500"} {
		for _, s := range samples {
			v := s.ok
			if code == "500" {
				v = s.errs
			}
			if _, err := fmt.Fprintf(w, "http_requests_total{code=%q%s%s} %.6f %d\n", code, sep, labels, v, s.t.Unix()); err != nil {
				return err
			}
		}
	}
	return nil
}
