package promslo

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/slo"
	"oncall/internal/testkit/testenv"
)

// fixture is a real Prometheus holding genTraffic's counters, testSloths'
// recording-rule series and pyrraRules.
type fixture struct {
	api v1.API
	tr  traffic
	at  time.Time // query instant: 30s after the last sample
}

func startFixture(t *testing.T) fixture {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real Prometheus")
	}
	testenv.Require(t, "prometheus")
	testenv.Require(t, "promtool")
	tr := genTraffic(time.Now())
	var om strings.Builder
	tr.openMetrics(&om)
	slothOpenMetrics(&om, tr.last, testSloths())
	dataDir := filepath.Join(t.TempDir(), "data")
	testenv.Backfill(t, dataDir, om.String())
	prom := testenv.StartPrometheus(t, testenv.PrometheusOptions{
		DataDir:   dataDir,
		Rules:     pyrraRules(),
		Retention: "90d",
	})
	client, err := api.NewClient(api.Config{Address: prom.URL})
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{api: v1.NewAPI(client), tr: tr, at: tr.last.Add(30 * time.Second)}
	// Backfilled blocks are loaded before /-/ready; make sure they answer.
	testenv.WaitFor(t, 30*time.Second, "backfilled counters are queryable", func() bool {
		v, err := f.instant(t, `count(http_requests_total)`)
		return err == nil && v == 2
	})
	return f
}

// instant runs a scalar-valued PromQL query at f.at.
func (f fixture) instant(t *testing.T, q string) (float64, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	val, _, _, err := f.api.Query(ctx, q, f.at)
	if err != nil {
		return 0, err
	}
	vec, ok := val.(model.Vector)
	if !ok || len(vec) != 1 {
		return math.NaN(), nil
	}
	return float64(vec[0].Value), nil
}

func configDef() slo.Definition {
	return slo.Definition{
		Name:      "api-availability",
		Objective: 99.9,
		Window:    30 * 24 * time.Hour,
		Errors:    `sum(rate(http_requests_total{job="api",code=~"5.."}[$window]))`,
		Total:     `sum(rate(http_requests_total{job="api"}[$window]))`,
		Source:    slo.SourceConfig,
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestAgainstPrometheus(t *testing.T) {
	f := startFixture(t)
	t.Run("Evaluate", f.testEvaluate)
	t.Run("EvaluateNoData", f.testEvaluateNoData)
	t.Run("BurnHistory", f.testBurnHistory)
	t.Run("ConsumedBetween", f.testConsumedBetween)
	t.Run("DiscoverSloth", f.testDiscoverSloth)
	t.Run("DiscoverPyrra", f.testDiscoverPyrra)
}

func (f fixture) testEvaluate(t *testing.T) {
	def := configDef()
	st, err := Evaluate(ctxT(t), f.api, def, f.at)
	if err != nil {
		t.Fatal(err)
	}
	const budget = 0.001

	// Independently from the generated samples.
	ratio30d := f.tr.errorRatio(def.Window, f.at)
	assertRel(t, "SLI", st.SLI, 1-ratio30d)
	assertRel(t, "budget consumed", st.BudgetConsumed, ratio30d/budget)
	assertRel(t, "budget remaining", st.BudgetRemaining, 1-ratio30d/budget)
	assertRel(t, "budget remaining seconds", st.BudgetRemainingTime.Seconds(), (1-ratio30d/budget)*2592)
	want := map[string]float64{}
	for _, w := range slo.BurnWindows() {
		label := slo.WindowLabel(w)
		want[label] = f.tr.errorRatio(w, f.at) / budget
		got, ok := st.BurnRates[label]
		if !ok {
			t.Errorf("burn rate %s missing", label)
			continue
		}
		assertRel(t, "burn "+label, got, want[label])
	}
	// The scenario: 2% errors for the last hour → page, burning 20x.
	assertRel(t, "burn 1h is the burst rate", st.BurnRates["1h"], float64(burstErrPerMin)/reqPerMin/budget)
	if st.State != slo.StatePage || slo.Classify(want) != slo.StatePage {
		t.Errorf("state %s (independent %s), want page", st.State, slo.Classify(want))
	}
	if st.Exhaustion == nil {
		t.Fatal("no exhaustion time while burning")
	}
	wantExhaust := (1 - ratio30d/budget) * def.Window.Seconds() / want["1h"]
	assertRel(t, "exhaustion seconds", st.Exhaustion.Seconds(), wantExhaust)

	// The same figures straight from PromQL, written differently.
	for _, w := range []string{"5m", "1h", "6h", "1d", "3d", "30d"} {
		q := `sum(increase(http_requests_total{code="500"}[` + w + `])) / sum(increase(http_requests_total[` + w + `])) / 0.001`
		v, err := f.instant(t, q)
		if err != nil {
			t.Fatal(err)
		}
		got := st.BurnRates[w]
		if w == "30d" {
			got = st.BudgetConsumed
		}
		assertRel(t, "PromQL "+w, got, v)
	}
	if !strings.HasPrefix(st.Sentence(), "Burning 20.0× faster than sustainable") {
		t.Errorf("sentence %q", st.Sentence())
	}
}

func (f fixture) testEvaluateNoData(t *testing.T) {
	def := configDef()
	def.Total = `sum(rate(no_such_metric_total[$window]))`
	_, err := Evaluate(ctxT(t), f.api, def, f.at)
	if err == nil || err.Error() != "slo api-availability: no data for total over 30d" {
		t.Errorf("error %v, want no data for total", err)
	}

	// Errors without data count as zero when total has data.
	def = configDef()
	def.Errors = `sum(rate(http_requests_total{job="api",code="418"}[$window]))`
	st, err := Evaluate(ctxT(t), f.api, def, f.at)
	if err != nil {
		t.Fatal(err)
	}
	if st.ErrorRatio != 0 || st.BurnRates["5m"] != 0 || len(st.BurnRates) != 7 || st.State != slo.StateOK || st.Exhaustion != nil {
		t.Errorf("no errors: ratio %g burns %v state %s", st.ErrorRatio, st.BurnRates, st.State)
	}

	// A ratio template returning several series is refused.
	def = configDef()
	def.Errors, def.Total = "", ""
	def.Ratio = `sum by (code) (rate(http_requests_total[$window]))`
	if _, err := Evaluate(ctxT(t), f.api, def, f.at); err == nil || !strings.Contains(err.Error(), "returned 2 series") {
		t.Errorf("error %v, want a series-count error", err)
	}

	// A PromQL syntax error names the SLO and is one line.
	def = configDef()
	def.Total = `sum(rate(http_requests_total[$window])`
	if _, err := Evaluate(ctxT(t), f.api, def, f.at); err == nil || !strings.HasPrefix(err.Error(), "slo api-availability: query over") || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %v", err)
	}
}

func (f fixture) testBurnHistory(t *testing.T) {
	def := configDef()
	hist, err := BurnHistory(ctxT(t), f.api, def, f.at, 3*time.Hour, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"5m", "1h", "6h"} {
		pts := hist[w]
		if len(pts) != 37 {
			t.Fatalf("%s: %d points, want 37 (3h every 5m, both ends)", w, len(pts))
		}
		if !pts[0].Time.Equal(f.at.Add(-3*time.Hour)) || !pts[36].Time.Equal(f.at) {
			t.Errorf("%s: points span %s..%s", w, pts[0].Time, pts[36].Time)
		}
		for _, i := range []int{0, 12, 24, 36} {
			at := pts[i].Time
			d, _ := slo.ParseWindow(w)
			assertRel(t, w+" burn at "+at.Format(time.Kitchen), pts[i].Value, f.tr.errorRatio(d, at)/0.001)
		}
	}
	// Before the burst the 5m burn rate is the baseline 0.5.
	assertRel(t, "baseline 5m burn", hist["5m"][12].Value, 0.5)

	if _, err := BurnHistory(ctxT(t), f.api, def, f.at, 24*time.Hour, time.Second); err == nil || !strings.Contains(err.Error(), "use a larger step") {
		t.Errorf("too many points: %v", err)
	}
}

func (f fixture) testConsumedBetween(t *testing.T) {
	def := configDef()
	budgetSecs := def.Window.Seconds() * 0.001
	for _, span := range []time.Duration{time.Hour, 8 * time.Hour} {
		got, err := ConsumedBetween(ctxT(t), f.api, def, f.at.Add(-span), f.at)
		if err != nil {
			t.Fatal(err)
		}
		want := f.tr.errorRatio(span, f.at) * span.Seconds() / budgetSecs
		assertRel(t, "consumed over "+span.String(), got, want)
	}
	// The last hour alone: 2% errors for 1h of a 43.2-minute budget.
	got, _ := ConsumedBetween(ctxT(t), f.api, def, f.at.Add(-time.Hour), f.at)
	assertRel(t, "consumed by the burst hour", got, 0.02*3600/2592)

	if _, err := ConsumedBetween(ctxT(t), f.api, def, f.at, f.at.Add(-time.Hour)); err == nil {
		t.Error("reversed interval accepted")
	}
}

func (f fixture) testDiscoverSloth(t *testing.T) {
	defs, err := Discover(ctxT(t), f.api, f.at)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]slo.Definition{}
	for _, d := range defs {
		if d.Source == slo.SourceSloth {
			byName[d.Name] = d
		}
	}
	if len(byName) != 2 {
		t.Fatalf("found %d Sloth SLOs (%v), want 2", len(byName), defs)
	}
	for _, want := range testSloths() {
		def, ok := byName[want.id()]
		if !ok {
			t.Fatalf("Sloth SLO %s not found", want.id())
		}
		if def.Objective != want.objective*100 || def.Window != time.Duration(want.days)*24*time.Hour {
			t.Errorf("%s: objective %g window %s", def.Name, def.Objective, def.Window)
		}
		if len(def.Alerts) != 1 || def.Alerts[0] != `sloth_id="`+want.id()+`"` {
			t.Errorf("%s: alerts %v", def.Name, def.Alerts)
		}
		st, err := Evaluate(ctxT(t), f.api, def, f.at)
		if err != nil {
			t.Fatal(err)
		}
		budget := 1 - want.objective
		for _, w := range slo.BurnWindows() {
			label := slo.WindowLabel(w)
			ratio, has := want.ratios[label]
			got, ok := st.BurnRates[label]
			if ok != has {
				t.Errorf("%s: burn %s present=%v, want %v", def.Name, label, ok, has)
				continue
			}
			if has {
				assertRel(t, def.Name+" burn "+label, got, ratio/budget)
			}
		}
		period := want.ratios[slo.FormatWindow(def.Window)]
		assertRel(t, def.Name+" remaining", st.BudgetRemaining, 1-period/budget)
	}
	api := byName["api-availability"]
	st, _ := Evaluate(ctxT(t), f.api, api, f.at)
	if st.State != slo.StatePage { // 1h 16x and 5m 20x > 14.4
		t.Errorf("api-availability state %s, want page", st.State)
	}
	// No 1h-long Sloth series exists, so this uses the 5m ratio's average.
	got, err := ConsumedBetween(ctxT(t), f.api, api, f.at.Add(-time.Hour), f.at)
	if err != nil {
		t.Fatal(err)
	}
	assertRel(t, "Sloth consumed over 1h", got, 0.02*3600/(30*86400*0.001))
}

func (f fixture) testDiscoverPyrra(t *testing.T) {
	defs, err := Discover(ctxT(t), f.api, f.at)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]slo.Definition{}
	for _, d := range defs {
		if d.Source == slo.SourcePyrra {
			byName[d.Name] = d
		}
	}
	if _, ok := byName["api-errors-by-code"]; ok || len(byName) != 2 {
		t.Fatalf("Pyrra SLOs %v, want api-errors and api-errors-generic only", byName)
	}
	cases := []struct {
		name      string
		objective float64
		window    time.Duration
	}{
		{"api-errors", 99.9, 28 * 24 * time.Hour},
		{"api-errors-generic", 99.5, 30 * 24 * time.Hour},
	}
	for _, c := range cases {
		def := byName[c.name]
		if def.Objective != c.objective || def.Window != c.window || !def.UsesRatio() {
			t.Fatalf("%s: %+v", c.name, def)
		}
		if def.Alerts[0] != `slo="`+c.name+`"` {
			t.Errorf("%s: alerts %v", c.name, def.Alerts)
		}
		st, err := Evaluate(ctxT(t), f.api, def, f.at)
		if err != nil {
			t.Fatal(err)
		}
		budget := 1 - c.objective/100
		assertRel(t, c.name+" remaining", st.BudgetRemaining, 1-f.tr.errorRatio(c.window, f.at)/budget)
		for _, w := range slo.BurnWindows() {
			label := slo.WindowLabel(w)
			assertRel(t, c.name+" burn "+label, st.BurnRates[label], f.tr.errorRatio(w, f.at)/budget)
		}
	}
}
