package promslo

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/slo"
)

// fakeAPI answers Query from a function and records what it was asked.
// Methods it does not override panic through the nil embedded interface.
type fakeAPI struct {
	v1.API
	mu      sync.Mutex
	queries []string
	opts    int
	answer  func(ctx context.Context, q string) (model.Value, error)
	rules   v1.RulesResult
}

func (f *fakeAPI) Query(ctx context.Context, q string, _ time.Time, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.opts += len(opts)
	f.mu.Unlock()
	v, err := f.answer(ctx, q)
	return v, nil, nil, err
}

func (f *fakeAPI) Rules(context.Context, []string) (v1.RulesResult, error) { return f.rules, nil }

func one(v float64) model.Value { return model.Vector{{Value: model.SampleValue(v)}} }

func TestEvaluateQueriesEveryWindowInParallel(t *testing.T) {
	var inFlight, peak int
	var mu sync.Mutex
	fake := &fakeAPI{answer: func(ctx context.Context, q string) (model.Value, error) {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		if strings.Contains(q, "[2h]") {
			return model.Vector{}, nil // 2h has no data → absent, not an error
		}
		return one(0.0005), nil
	}}
	def := slo.Definition{Name: "x", Objective: 99.9, Ratio: `r{w="$window"}[$window]`}
	st, err := Evaluate(context.Background(), fake, def, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(fake.queries) != 8 || peak < 2 {
		t.Errorf("%d queries, peak concurrency %d; want 8 queries run in parallel", len(fake.queries), peak)
	}
	if fake.opts != 8 {
		t.Errorf("%d queries carried a server timeout, want all 8", fake.opts)
	}
	if _, ok := st.BurnRates["2h"]; ok || len(st.BurnRates) != 6 {
		t.Errorf("burn rates %v, want six windows without 2h", st.BurnRates)
	}
	var sawPeriod bool
	for _, q := range fake.queries {
		sawPeriod = sawPeriod || q == `r{w="30d"}[30d]`
	}
	if !sawPeriod {
		t.Errorf("no 30d query among %v", fake.queries)
	}
}

func TestEvaluateHonoursDeadline(t *testing.T) {
	fake := &fakeAPI{answer: func(ctx context.Context, q string) (model.Value, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Evaluate(ctx, fake, slo.Definition{Name: "x", Objective: 99, Ratio: "r[$window]"}, time.Now())
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("err %v after %s, want a prompt deadline error", err, time.Since(start))
	}
	if !strings.HasPrefix(err.Error(), "slo x: query over") {
		t.Errorf("error does not name the SLO: %v", err)
	}
}

func TestEvaluateRejectsBadInput(t *testing.T) {
	if _, err := Evaluate(context.Background(), nil, slo.Definition{}, time.Now()); err == nil {
		t.Error("nil API accepted")
	}
	fake := &fakeAPI{answer: func(context.Context, string) (model.Value, error) { return one(0), nil }}
	if _, err := Evaluate(context.Background(), fake, slo.Definition{Name: "x", Objective: 100, Ratio: "r[$window]"}, time.Now()); err == nil ||
		!strings.Contains(err.Error(), "objective") {
		t.Errorf("invalid objective: %v", err)
	}
	if len(fake.queries) != 0 {
		t.Errorf("invalid definition still queried Prometheus: %v", fake.queries)
	}
}

func TestRatioExpr(t *testing.T) {
	def := slo.Definition{Name: "x", Objective: 99.9, Errors: `e[$window]`, Total: `t[$window]`}
	if got, want := ratioExpr(def, "1h"), `(sum(e[1h]) or vector(0)) / sum(t[1h])`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	def = slo.Definition{Name: "x", Objective: 99.9, Ratio: `slo:sli_error:ratio_rate$window{sloth_id="a"}`}
	if got, want := ratioExpr(def, "3d"), `slo:sli_error:ratio_rate3d{sloth_id="a"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	for expr, want := range map[string]bool{
		`slo:sli_error:ratio_rate5m{sloth_id="a"}`: true,
		`up`:               true,
		`sum(rate(x[5m]))`: false,
		`a / b`:            false,
	} {
		if isSelector(expr) != want {
			t.Errorf("isSelector(%q) = %v", expr, !want)
		}
	}
	if got := seconds(8*time.Hour + 400*time.Millisecond); got != "28800s" {
		t.Errorf("seconds = %s", got)
	}
}

func TestQueryOptions(t *testing.T) {
	if opts := queryOptions(context.Background()); opts != nil {
		t.Error("options without a deadline")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if opts := queryOptions(ctx); opts != nil {
		t.Error("sub-second server timeout would be sent; Prometheus rejects fractional durations")
	}
}

func TestPyrraDefinition(t *testing.T) {
	q := func(w string) string {
		return `sum(rate(http_requests_total{code=~"5..",job="api"}[` + w + `])) / sum(rate(http_requests_total{job="api"}[` + w + `]))`
	}
	p := &pyrraSLO{target: 0.995, burnrates: map[time.Duration]string{}}
	for _, w := range []string{"5m", "32m", "1h4m", "2h9m", "6h26m", "1d1h43m", "4d6h51m"} {
		d, err := slo.ParseWindow(w)
		if err != nil {
			t.Fatal(err)
		}
		p.burnrates[d] = q(w)
	}
	def, ok := p.definition("a")
	if !ok {
		t.Fatal("no definition")
	}
	// Pyrra's windows for a 30d SLO: the longest is 30d/7 rounded to 1m.
	if def.Window != 30*24*time.Hour || def.Objective != 99.5 || def.Ratio != q("$window") || def.Source != slo.SourcePyrra {
		t.Errorf("%+v", def)
	}

	p.increase = 28 * 24 * time.Hour
	if def, _ := p.definition("a"); def.Window != p.increase {
		t.Errorf("increase rule window ignored: %s", def.Window)
	}
	p.window = 7 * 24 * time.Hour
	if def, _ := p.definition("a"); def.Window != p.window {
		t.Errorf("pyrra_window ignored: %s", def.Window)
	}

	if _, ok := (&pyrraSLO{burnrates: p.burnrates}).definition("a"); ok {
		t.Error("definition without an objective")
	}
	grouped := &pyrraSLO{target: 0.99, burnrates: map[time.Duration]string{5 * time.Minute: `sum by (code) (rate(x[5m]))`}}
	if _, ok := grouped.definition("a"); ok {
		t.Error("grouped SLO accepted")
	}
	odd := &pyrraSLO{target: 0.99, burnrates: map[time.Duration]string{5 * time.Minute: `sum(rate(x[10m]))`}}
	if _, ok := odd.definition("a"); ok {
		t.Error("rule whose range does not match its name accepted")
	}
}

func TestDiscoverPyrraFromAlert(t *testing.T) {
	fake := &fakeAPI{
		answer: func(context.Context, string) (model.Value, error) { return model.Vector{}, nil },
		rules: v1.RulesResult{Groups: []v1.RuleGroup{{Rules: v1.Rules{
			v1.RecordingRule{Name: "http_requests:burnrate5m", Query: `sum(rate(e[5m])) / sum(rate(t[5m]))`, Labels: model.LabelSet{"slo": "web"}},
			v1.RecordingRule{Name: "http_requests:burnrate4d", Query: `sum(rate(e[4d])) / sum(rate(t[4d]))`, Labels: model.LabelSet{"slo": "web"}},
			v1.AlertingRule{Name: "ErrorBudgetBurn", Query: `http_requests:burnrate5m{slo="web"} > (14 * (1 - 0.999)) and http_requests:burnrate1h{slo="web"} > (14 * (1 - 0.999))`, Labels: model.LabelSet{"slo": "web"}},
			v1.RecordingRule{Name: "unrelated:burnrate5m", Query: `x[5m]`},
		}}}},
	}
	defs, err := Discover(context.Background(), fake, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) != 1 || defs[0].Name != "web" || defs[0].Objective != 99.9 || defs[0].Window != 28*24*time.Hour ||
		defs[0].Ratio != `sum(rate(e[$window])) / sum(rate(t[$window]))` {
		t.Errorf("%+v", defs)
	}
}
