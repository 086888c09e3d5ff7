package budget

import (
	"errors"
	"testing"
	"time"

	"oncall/internal/config"
	"oncall/internal/demo/simslo"
	"oncall/internal/slo"
	"oncall/internal/slo/promslo"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
	"oncall/tui/tuitest/fixture"
)

// fixedNow is the clock of the UI tests.
var fixedNow = fixture.Now()

// newDriver is the standard incident with the budget screen registered, no
// fetching and the fixed clock; edit changes the config first.
func newDriver(t *testing.T, w, h int, dark bool, edit ...func(*config.Config)) (*tuitest.Driver, *screen) {
	t.Helper()
	cfg := tuitest.Config()
	for _, e := range edit {
		e(cfg)
	}
	d := tuitest.New(t, tuitest.Setup{Width: w, Height: h, Dark: dark, Config: cfg, Entries: []kit.Entry{Entry(Options{})}})
	return d, screenOf(t, d)
}

// screenOf is the driven model's budget screen.
func screenOf(t *testing.T, d *tuitest.Driver) *screen {
	t.Helper()
	return tuitest.ScreenAs[*screen](t, d, Name)
}

// defs are the fixture's SLOs: three configured (one failing) and one
// discovered from Sloth.
func defs() []slo.Definition {
	q := func(svc, code string) string {
		return `sum(rate(http_requests_total{service="` + svc + `"` + code + `}[$window]))`
	}
	return []slo.Definition{
		{Name: "gateway-availability", Objective: 99.5, Window: 30 * 24 * time.Hour, Errors: q("api-gateway", `,code=~"5.."`), Total: q("api-gateway", ""),
			Alerts: []string{`service="api-gateway"`}, Source: slo.SourceConfig},
		{Name: "availability", Objective: 99.9, Window: 30 * 24 * time.Hour, Errors: q("conectcrm-backend", `,code=~"5.."`), Total: q("conectcrm-backend", ""),
			Alerts: []string{"APIDown", "HighErrorRate", "ErrorBudgetBurnFast"}, Source: slo.SourceConfig},
		{Name: "search-latency", Objective: 99, Window: 7 * 24 * time.Hour, Ratio: `sum(rate(search_slow_total[$window])) / sum(rate(search_total[$window]))`,
			Source: slo.SourceConfig},
		{Name: "crm-checkout", Objective: 99.95, Window: 28 * 24 * time.Hour, Ratio: `slo:sli_error:ratio_rate$window{sloth_id="crm-checkout"}`,
			Alerts: []string{`sloth_id="crm-checkout"`}, Source: slo.SourceSloth},
	}
}

// results evaluates the fixture with fixed error ratios.
func results() []promslo.Result {
	ds := defs()
	burns := func(budget float64, rates ...float64) map[string]float64 {
		out := map[string]float64{}
		for i, w := range windows() {
			out[w] = rates[i] * budget
		}
		return out
	}
	return []promslo.Result{
		{Def: ds[0], Status: slo.Compute(ds[0], 0.00101, burns(0.005, 2.4, 1.17, 0.7, 0.46, 0.3, 0.22, 0.21))},
		{Def: ds[1], Status: slo.Compute(ds[1], 0.000619, burns(0.001, 372, 164, 84.3, 44.4, 17.7, 4.01, 1.67))},
		{Def: ds[2], Err: errors.New("slo search-latency: no data for ratio over 7d")},
		{Def: ds[3], Status: slo.Compute(ds[3], 0.00021, burns(0.0005, 0.8, 2.1, 3.6, 3.4, 1.9, 3.2, 1.1))},
	}
}

// burnHistory is the availability SLO's burn history over the 24h before
// fixedNow, from a simulated timeline: 0.05% errors, a 25-minute 0.8%
// blip 19h ago and a 37.2% outage in the last 13 minutes.
func burnHistory() map[string][]slo.Point {
	tl := simslo.Timeline{Anchor: fixedNow, BaseRPS: 100, Diurnal: 0.3, Phases: []simslo.Phase{
		{At: -90 * 24 * time.Hour, ErrorRatio: 0.0005},
		{At: -19 * time.Hour, ErrorRatio: 0.008},
		{At: -19*time.Hour + 25*time.Minute, ErrorRatio: 0.0005},
		{At: -13 * time.Minute, ErrorRatio: 0.372},
	}}
	out := map[string][]slo.Point{}
	for _, w := range []time.Duration{5 * time.Minute, time.Hour, 6 * time.Hour} {
		var pts []slo.Point
		for t := fixedNow.Add(-24 * time.Hour); !t.After(fixedNow); t = t.Add(5 * time.Minute) {
			pts = append(pts, slo.Point{Time: t, Value: tl.ErrorRatio(w, t) / 0.001})
		}
		out[slo.WindowLabel(w)] = pts
	}
	return out
}

// feed delivers an evaluation (as the reply to the latest request) and the
// availability SLO's history through the root, as the commands would.
// opened is a session at w×h with the budget opened on APIDown
// (availability selected) and fed the fixture's results.
func opened(t *testing.T, w, h int, dark bool) *tuitest.Driver {
	t.Helper()
	d, s := newDriver(t, w, h, dark)
	d.Press("b")
	feed(d, s, results())
	return d
}

func feed(d *tuitest.Driver, s *screen, res []promslo.Result) {
	d.Send(loadedMsg{seq: s.seq, at: fixedNow.Add(-4 * time.Second), discoverRan: true, results: res})
	h := s.hist["availability"]
	if h == nil {
		h = &history{}
		s.hist["availability"] = h
	}
	d.Send(historyMsg{seq: h.seq, name: "availability", end: fixedNow, series: burnHistory()})
}
