package simslo

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/demo/sim"
	"oncall/internal/slo"
	"oncall/internal/slo/promslo"
)

func epoch() time.Time { return time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC) }

func near(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*math.Abs(want) {
		t.Errorf("%s = %.9g, want %.9g (±%g relative)", what, got, want, rel)
	}
}

func TestCountsIntegrateTheRate(t *testing.T) {
	tl := DemoTimelines(epoch())[sim.ServiceBackend]
	// The counters are the integral of the rate: compare with a numeric sum
	// over one day (covering the diurnal swing and the 19h-ago blip).
	from := epoch().Add(-20 * time.Hour)
	t0, e0 := tl.Counts(from)
	var total, errs float64
	const step = 10 * time.Second
	for u := from; u.Before(from.Add(24 * time.Hour)); u = u.Add(step) {
		mid := u.Add(step / 2)
		rps := tl.BaseRPS * (1 + tl.Diurnal*math.Sin(2*math.Pi*mid.Sub(tl.origin()).Seconds()/dayPeriod.Seconds()))
		ratio := BackendBaseline
		switch rel := mid.Sub(epoch()); {
		case rel >= OutageStart:
			ratio = BackendOutage
		case rel >= -19*time.Hour && rel < -19*time.Hour+25*time.Minute:
			ratio = 0.008
		}
		total += rps * step.Seconds()
		errs += rps * ratio * step.Seconds()
	}
	t1, e1 := tl.Counts(from.Add(24 * time.Hour))
	near(t, "requests over a day", t1-t0, total, 1e-6)
	near(t, "errors over a day", e1-e0, errs, 1e-6)

	// Counters never decrease.
	prevT, prevE := -1.0, -1.0
	for u := epoch().Add(-2 * time.Hour); u.Before(epoch().Add(time.Hour)); u = u.Add(17 * time.Second) {
		tt, ee := tl.Counts(u)
		if tt < prevT || ee < prevE {
			t.Fatalf("counter decreased at %s", u)
		}
		prevT, prevE = tt, ee
	}
}

func TestWindowsAreConsistent(t *testing.T) {
	tl := DemoTimelines(epoch())[sim.ServiceBackend]
	at := epoch()
	// Inside the outage every short window sees exactly the outage ratio.
	near(t, "5m ratio", tl.ErrorRatio(5*time.Minute, at), BackendOutage, 1e-9)
	// A longer window is the traffic-weighted mix of its parts.
	e1, t1 := tl.Rates(30*time.Minute, at)
	e2, t2 := tl.Rates(30*time.Minute, at.Add(-30*time.Minute))
	near(t, "1h ratio from its halves", tl.ErrorRatio(time.Hour, at), (e1+e2)/(t1+t2), 1e-9)
	// 13 minutes of outage in the last hour at roughly constant traffic.
	near(t, "1h ratio", tl.ErrorRatio(time.Hour, at), (13*BackendOutage+47*BackendBaseline)/60, 0.05)
}

func TestQueryShapes(t *testing.T) {
	e := evaluator{services: DemoTimelines(epoch())}
	cases := []struct {
		q    string
		want bool
	}{
		{`sum(rate(http_requests_total{service="conectcrm-backend",code=~"5.."}[5m]))`, true},
		{`sum(rate(http_requests_total{service="conectcrm-backend"}[30d]))`, true},
		{`sum( increase(http_requests_total{service="api-gateway", status=~"5.."}[28800s]) )`, true},
		{`(sum(sum(rate(http_requests_total{service="conectcrm-backend",code=~"5.."}[1h]))) or vector(0)) / sum(sum(rate(http_requests_total{service="conectcrm-backend"}[1h])))`, true},
		{`sum(rate(http_requests_total{service="conectcrm-backend",code=~"5.."}[1h])) / sum(rate(http_requests_total{service="conectcrm-backend"}[1h]))`, true},
		{`slo:availability:error_ratio_rate5m{service="conectcrm-backend"}`, true},
		{`sum(rate(http_requests_total{service="unknown"}[5m]))`, false},
		{`sum(rate(http_requests_total{service="conectcrm-backend",code=~"2.."}[5m]))`, false},
		{`sum(rate(http_requests_total{service="conectcrm-backend",route="/x"}[5m]))`, false},
		{`up{job="conectcrm-backend"}`, false},
	}
	for _, c := range cases {
		if got := e.matches(c.q); got != c.want {
			t.Errorf("matches(%s) = %v, want %v", c.q, got, c.want)
		}
	}
	// increase is rate times the window.
	at := epoch()
	r := e.eval(`sum(rate(http_requests_total{service="api-gateway"}[1h]))`, at).(model.Vector)[0].Value
	i := e.eval(`sum(increase(http_requests_total{service="api-gateway"}[1h]))`, at).(model.Vector)[0].Value
	near(t, "increase/rate", float64(i/r), 3600, 1e-12)
	rec := e.eval(`slo:availability:error_ratio_rate5m`, at).(model.Vector)
	if len(rec) != 2 || rec[0].Metric["service"] != sim.ServiceGateway || rec[1].Metric["service"] != sim.ServiceBackend {
		t.Fatalf("recording rule series: %v", rec)
	}
	near(t, "recording rule 5m", float64(rec[1].Value), BackendOutage, 1e-9)
}

// startDemo is the simulated backend with the demo SLO answers registered.
func startDemo(t *testing.T) (v1.API, *sim.Backend) {
	t.Helper()
	clock := func() time.Time { return epoch() }
	b, err := sim.Start(context.Background(), sim.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	RegisterDemo(b.Prometheus)
	c, err := promapi.NewClient(promapi.Config{Address: b.Prometheus.URL()})
	if err != nil {
		t.Fatal(err)
	}
	return v1.NewAPI(c), b
}

func demoDef(t *testing.T, name string) slo.Definition {
	t.Helper()
	for _, c := range DemoSLOs() {
		if c.Name == name {
			return slo.Definition{Name: c.Name, Objective: c.Objective, Window: c.Window.D(), Errors: c.Errors, Total: c.Total, Alerts: c.Alerts, Source: slo.SourceConfig}
		}
	}
	t.Fatalf("no demo SLO %s", name)
	return slo.Definition{}
}

func TestDemoPagesThroughPromslo(t *testing.T) {
	api, _ := startDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tl := DemoTimelines(epoch())[sim.ServiceBackend]

	def := demoDef(t, "availability")
	st, err := promslo.Evaluate(ctx, api, def, epoch())
	if err != nil {
		t.Fatal(err)
	}
	if st.State != slo.StatePage {
		t.Errorf("state %s, want page (burns %v)", st.State, st.BurnRates)
	}
	for _, w := range slo.BurnWindows() {
		label := slo.WindowLabel(w)
		near(t, "burn "+label, st.BurnRates[label], tl.ErrorRatio(w, epoch())/0.001, 1e-9)
	}
	near(t, "5m burn", st.BurnRates["5m"], BackendOutage/0.001, 1e-9)
	near(t, "budget remaining", st.BudgetRemaining, 1-tl.ErrorRatio(30*24*time.Hour, epoch())/0.001, 1e-9)
	if st.BudgetRemaining < 0.3 || st.BudgetRemaining > 0.45 {
		t.Errorf("budget remaining %.3f, want about 38%%", st.BudgetRemaining)
	}
	if !strings.HasPrefix(st.Sentence(), "Burning ") || st.Exhaustion == nil {
		t.Errorf("sentence %q", st.Sentence())
	}

	gw, err := promslo.Evaluate(ctx, api, demoDef(t, "gateway-availability"), epoch())
	if err != nil {
		t.Fatal(err)
	}
	if gw.State != slo.StateOK || gw.BurnRates["5m"] < 1 {
		t.Errorf("gateway: state %s burns %v, want ok with a short-window burn above 1", gw.State, gw.BurnRates)
	}
}

func TestDemoBurnHistory(t *testing.T) {
	api, _ := startDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	def := demoDef(t, "availability")
	hist, err := promslo.BurnHistory(ctx, api, def, epoch(), 24*time.Hour, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	tl := DemoTimelines(epoch())[sim.ServiceBackend]
	for _, w := range []string{"5m", "1h", "6h"} {
		pts := hist[w]
		if len(pts) != 289 {
			t.Fatalf("%s: %d points, want 289", w, len(pts))
		}
		d, _ := slo.ParseWindow(w)
		for _, i := range []int{0, 60, 288} {
			near(t, w+" point", pts[i].Value, tl.ErrorRatio(d, pts[i].Time)/0.001, 1e-9)
		}
	}
	// The deploy blip 19h ago shows on the 5m line, and the outage at the end.
	blip := 0.0
	for _, p := range hist["5m"] {
		if p.Time.Before(epoch().Add(-18 * time.Hour)) {
			blip = math.Max(blip, p.Value)
		}
	}
	near(t, "blip peak", blip, 8, 1e-6)
	if last := hist["5m"][288].Value; last < 300 {
		t.Errorf("5m burn at the end %.1f, want the outage's 372", last)
	}
}

func TestWriteOpenMetrics(t *testing.T) {
	tl := Timeline{Anchor: epoch(), BaseRPS: 10, Phases: []Phase{{At: -time.Hour, ErrorRatio: 0.25}}}
	var b strings.Builder
	if err := tl.WriteOpenMetrics(&b, `job="api"`, epoch().Add(-10*time.Minute), epoch(), 6*time.Minute, time.Minute, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	// -10m (coarse while more than 6m before the end), then every minute from -5m.
	if len(lines) != 2*7 {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	if !strings.HasPrefix(lines[0], `http_requests_total{code="200",job="api"} `) || !strings.HasPrefix(lines[7], `http_requests_total{code="500",job="api"} `) {
		t.Errorf("lines: %q, %q", lines[0], lines[7])
	}
	var ok0, ok6, err0, err6 float64
	var ts0, ts6 int64
	fmt.Sscanf(strings.Fields(lines[0])[1]+" "+strings.Fields(lines[0])[2], "%f %d", &ok0, &ts0)
	fmt.Sscanf(strings.Fields(lines[6])[1]+" "+strings.Fields(lines[6])[2], "%f %d", &ok6, &ts6)
	fmt.Sscanf(strings.Fields(lines[7])[1], "%f", &err0)
	fmt.Sscanf(strings.Fields(lines[13])[1], "%f", &err6)
	if ts6-ts0 != 600 || ts6 != epoch().Unix() {
		t.Errorf("timestamps %d..%d", ts0, ts6)
	}
	// 10 req/s for 600s, a quarter of them failing.
	near(t, "ok increase", ok6-ok0, 4500, 1e-6)
	near(t, "error increase", err6-err0, 1500, 1e-6)
	if err := tl.WriteOpenMetrics(&b, "", epoch(), epoch(), 0, 0, time.Minute); err == nil {
		t.Error("zero step accepted")
	}
}
