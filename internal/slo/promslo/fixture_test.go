package promslo

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"oncall/internal/slo"
)

// Synthetic traffic for the integration tests: a steady 10000 requests a
// minute for 30 days and 3 hours, 5 of them failing (0.05%, burn rate 0.5
// against 99.9%), then 200 failing a minute (2%, burn rate 20) during the
// last hour. One sample a minute for the last 4 hours and every 5 minutes
// before, the last one a minute before the test starts; queries are made 30s
// after the last sample so no sample sits on a window boundary. Both series
// share timestamps, so Prometheus extrapolates them alike and the error ratio
// is exactly the ratio of the raw increases.
const (
	reqPerMin      = 10000
	baseErrPerMin  = 5
	burstErrPerMin = 200
	dataSpan       = 30*24*time.Hour + 3*time.Hour
	burstSpan      = time.Hour
	fineSpan       = 4 * time.Hour
	startOK        = 5_000_000 // large counter starts keep Prometheus from
	startErr       = 1_000_000 // limiting extrapolation at zero
)

// counter is one generated counter series.
type counter struct {
	ts []int64 // unix seconds
	v  []float64
}

// increase is last-first over the samples in [from, to], which is what
// rate()/increase() see before extrapolation.
func (c counter) increase(from, to int64) float64 {
	first, last := -1, -1
	for i, t := range c.ts {
		if t >= from && t <= to {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return 0
	}
	return c.v[last] - c.v[first]
}

// traffic holds the generated data and renders it as OpenMetrics text.
type traffic struct {
	ok, errs counter
	last     time.Time // time of the last sample
}

func genTraffic(now time.Time) traffic {
	last := now.Truncate(time.Minute).Add(-time.Minute)
	first := last.Add(-dataSpan)
	burstFrom := last.Add(-burstSpan)
	var tr traffic
	tr.last = last
	okV, errV := float64(startOK), float64(startErr)
	for t := first; !t.After(last); t = t.Add(time.Minute) {
		if t.After(first) {
			e := baseErrPerMin
			if t.After(burstFrom) {
				e = burstErrPerMin
			}
			okV += float64(reqPerMin - e)
			errV += float64(e)
		}
		if last.Sub(t) > fineSpan && last.Sub(t)%(5*time.Minute) != 0 {
			continue // coarser samples for older data keep the backfill quick
		}
		tr.ok.ts = append(tr.ok.ts, t.Unix())
		tr.ok.v = append(tr.ok.v, okV)
		tr.errs.ts = append(tr.errs.ts, t.Unix())
		tr.errs.v = append(tr.errs.v, errV)
	}
	return tr
}

// errorRatio is the error ratio over window ending at at, computed from the
// generated samples alone.
func (tr traffic) errorRatio(window time.Duration, at time.Time) float64 {
	from, to := at.Add(-window).Unix(), at.Unix()
	e := tr.errs.increase(from, to)
	return e / (e + tr.ok.increase(from, to))
}

func (tr traffic) openMetrics(b *strings.Builder) {
	b.WriteString("# TYPE http_requests counter\n")
	for _, s := range []struct {
		code string
		c    counter
	}{{"200", tr.ok}, {"500", tr.errs}} {
		for i := range s.c.ts {
			fmt.Fprintf(b, "http_requests_total{code=%q,job=\"api\"} %.0f %d\n", s.code, s.c.v[i], s.c.ts[i])
		}
	}
}

// slothSLO is a set of Sloth recording-rule values to backfill.
type slothSLO struct {
	service, slo string
	objective    float64 // ratio
	days         float64
	ratios       map[string]float64 // window label → error ratio; a missing label is not written
}

func (s slothSLO) id() string { return s.service + "-" + s.slo }

// slothOpenMetrics writes Sloth-style series (constant values, one sample a
// minute for the two hours up to last) grouped by metric family.
func slothOpenMetrics(b *strings.Builder, last time.Time, slos []slothSLO) {
	gauge := func(name string, value func(slothSLO) (float64, bool), extra func(slothSLO) string) {
		fmt.Fprintf(b, "# TYPE %s gauge\n", name)
		for _, s := range slos {
			v, ok := value(s)
			if !ok {
				continue
			}
			labels := fmt.Sprintf(`sloth_id=%q,sloth_service=%q,sloth_slo=%q%s`, s.id(), s.service, s.slo, extra(s))
			for t := last.Add(-2 * time.Hour); !t.After(last); t = t.Add(time.Minute) {
				fmt.Fprintf(b, "%s{%s} %g %d\n", name, labels, v, t.Unix())
			}
		}
	}
	none := func(slothSLO) string { return "" }
	windows := []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d", "4w"}
	for _, w := range windows {
		gauge("slo:sli_error:ratio_rate"+w,
			func(s slothSLO) (float64, bool) { v, ok := s.ratios[w]; return v, ok },
			func(slothSLO) string { return fmt.Sprintf(",sloth_window=%q", w) })
	}
	gauge("slo:objective:ratio", func(s slothSLO) (float64, bool) { return s.objective, true }, none)
	gauge("slo:time_period:days", func(s slothSLO) (float64, bool) { return s.days, true }, none)
	gauge("slo:period_error_budget_remaining:ratio", func(s slothSLO) (float64, bool) {
		return 1 - s.ratios[slo.FormatWindow(time.Duration(s.days)*24*time.Hour)]/(1-s.objective), true
	}, none)
}

func testSloths() []slothSLO {
	return []slothSLO{{
		service: "api", slo: "availability", objective: 0.999, days: 30,
		// no 2h series: that window must simply be absent
		ratios: map[string]float64{"5m": 0.02, "30m": 0.015, "1h": 0.016, "6h": 0.004, "1d": 0.0013, "3d": 0.0008, "30d": 0.0005},
	}, {
		service: "checkout", slo: "latency", objective: 0.99, days: 28,
		ratios: map[string]float64{"5m": 0.001, "30m": 0.001, "1h": 0.002, "2h": 0.002, "6h": 0.003, "1d": 0.003, "3d": 0.004, "4w": 0.0025},
	}}
}

// pyrraRules mimics the rules Pyrra generates (slo/rules.go) for three SLOs
// over the synthetic counters: "api-errors" (4w window, objective only in its
// alert), "api-errors-generic" (with pyrra_objective/pyrra_window generic
// rules) and "api-errors-by-code" (grouped, which discovery must skip).
func pyrraRules() string {
	var b strings.Builder
	b.WriteString("groups:\n")
	burnrates := func(slo, by string) {
		fmt.Fprintf(&b, "  - name: %s\n    interval: 30s\n    rules:\n", slo)
		for _, w := range []string{"5m", "30m", "1h", "2h", "6h", "1d", "4d"} {
			fmt.Fprintf(&b, "      - record: http_requests:burnrate%s\n", w)
			fmt.Fprintf(&b, "        expr: sum%s(rate(http_requests_total{code=~\"5..\",job=\"api\"}[%s])) / sum%s(rate(http_requests_total{job=\"api\"}[%s]))\n", by, w, by, w)
			fmt.Fprintf(&b, "        labels:\n          job: api\n          slo: %s\n", slo)
		}
	}
	burnrates("api-errors", "")
	b.WriteString(`      - alert: ErrorBudgetBurn
        expr: http_requests:burnrate5m{job="api",slo="api-errors"} > (14 * (1-0.999)) and http_requests:burnrate1h{job="api",slo="api-errors"} > (14 * (1-0.999))
        for: 2m
        labels: {exhaustion: 2d, long: 1h, severity: critical, short: 5m, slo: api-errors, job: api}
  - name: api-errors-increase
    interval: 2m30s
    rules:
      - record: http_requests:increase4w
        expr: sum by (code) (increase(http_requests_total{job="api"}[4w]))
        labels: {job: api, slo: api-errors}
`)
	burnrates("api-errors-generic", "")
	b.WriteString(`  - name: api-errors-generic-generic
    interval: 30s
    rules:
      - record: pyrra_objective
        expr: "0.995"
        labels: {slo: api-errors-generic}
      - record: pyrra_window
        expr: "2592000"
        labels: {slo: api-errors-generic}
`)
	burnrates("api-errors-by-code", " by (code) ")
	b.WriteString(`  - name: api-errors-by-code-generic
    interval: 30s
    rules:
      - record: pyrra_objective
        expr: "0.99"
        labels: {slo: api-errors-by-code}
`)
	return b.String()
}

// relClose reports whether got is within rel (relative) of want, or both are
// within 1e-12 of zero.
func relClose(got, want, rel float64) bool {
	d := got - want
	if d < 0 {
		d = -d
	}
	if want == 0 {
		return d < 1e-12
	}
	if want < 0 {
		want = -want
	}
	return d <= rel*want
}

func assertRel(t *testing.T, what string, got, want float64) {
	t.Helper()
	if !relClose(got, want, 0.001) {
		t.Errorf("%s = %.9g, want %.9g (±0.1%%)", what, got, want)
	}
}
