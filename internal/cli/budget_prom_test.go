package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/demo/simslo"
	"oncall/internal/testkit/testenv"
)

// budgetProm is a real Prometheus holding 30 days of synthetic traffic of
// job "api" (0.05% errors, a 1h 1% blip two days ago, 3% errors for the
// last 70 minutes) and the recording-rule series of one Sloth SLO.
type budgetProm struct {
	url string
	api v1.API
	at  time.Time // query instant: 30s after the last sample
}

// The Sloth SLO backfilled next to the counters: shop-checkout, 99%/30d,
// burning 20× over 5m and 16× over 1h (page).
var budgetSloth = map[string]float64{
	"5m": 0.2, "30m": 0.15, "1h": 0.16, "2h": 0.1, "6h": 0.04, "1d": 0.013, "3d": 0.008, "30d": 0.004,
}

func startBudgetProm(t *testing.T) budgetProm {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real Prometheus")
	}
	testenv.Require(t, "prometheus")
	testenv.Require(t, "promtool")
	last := time.Now().Truncate(time.Minute).Add(-time.Minute)
	tl := simslo.Timeline{Anchor: last, BaseRPS: 50, Diurnal: 0.3, Phases: []simslo.Phase{
		{At: -90 * 24 * time.Hour, ErrorRatio: 0.0005},
		{At: -48 * time.Hour, ErrorRatio: 0.01},
		{At: -47 * time.Hour, ErrorRatio: 0.0005},
		{At: -70 * time.Minute, ErrorRatio: 0.03},
	}}
	var om strings.Builder
	om.WriteString("# TYPE http_requests counter\n")
	if err := tl.WriteOpenMetrics(&om, `job="api"`, last.Add(-30*24*time.Hour-3*time.Hour), last, 4*time.Hour, time.Minute, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	gauge := func(name string, v float64, extra string) {
		fmt.Fprintf(&om, "# TYPE %s gauge\n", name)
		for ts := last.Add(-2 * time.Hour); !ts.After(last); ts = ts.Add(time.Minute) {
			fmt.Fprintf(&om, "%s{sloth_id=\"shop-checkout\",sloth_service=\"shop\",sloth_slo=\"checkout\"%s} %g %d\n", name, extra, v, ts.Unix())
		}
	}
	windows := make([]string, 0, len(budgetSloth))
	for w := range budgetSloth {
		windows = append(windows, w)
	}
	sort.Strings(windows)
	for _, w := range windows {
		gauge("slo:sli_error:ratio_rate"+w, budgetSloth[w], fmt.Sprintf(",sloth_window=%q", w))
	}
	gauge("slo:objective:ratio", 0.99, "")
	gauge("slo:time_period:days", 30, "")
	dataDir := filepath.Join(t.TempDir(), "data")
	testenv.Backfill(t, dataDir, om.String())
	prom := testenv.StartPrometheus(t, testenv.PrometheusOptions{DataDir: dataDir, Retention: "90d"})
	client, err := promapi.NewClient(promapi.Config{Address: prom.URL})
	if err != nil {
		t.Fatal(err)
	}
	p := budgetProm{url: prom.URL, api: v1.NewAPI(client), at: last.Add(30 * time.Second)}
	testenv.WaitFor(t, 30*time.Second, "backfilled series are queryable", func() bool {
		v, ok := p.scalar(t, `count(http_requests_total{job="api"})`)
		return ok && v == 2
	})
	return p
}

// scalar runs a one-sample PromQL query at p.at; ok is false when it
// returned no sample.
func (p budgetProm) scalar(t *testing.T, q string) (float64, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	val, _, _, err := p.api.Query(ctx, q, p.at)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	vec, ok := val.(model.Vector)
	if !ok || len(vec) == 0 {
		return 0, false
	}
	if len(vec) > 1 {
		t.Fatalf("%s: %d samples", q, len(vec))
	}
	return float64(vec[0].Value), true
}

func (p budgetProm) must(t *testing.T, q string) float64 {
	t.Helper()
	v, ok := p.scalar(t, q)
	if !ok {
		t.Fatalf("%s: no data", q)
	}
	return v
}

// budgetReport is the JSON shape `oncall budget -o json` promises.
type budgetReport struct {
	Name                   string             `json:"name"`
	Objective              float64            `json:"objective"`
	Window                 string             `json:"window"`
	SLI                    float64            `json:"sli"`
	BudgetRemaining        float64            `json:"budgetRemaining"`
	BudgetRemainingSeconds float64            `json:"budgetRemainingSeconds"`
	BurnRates              map[string]float64 `json:"burnRates"`
	State                  string             `json:"state"`
	ExhaustionSeconds      *float64           `json:"exhaustionSeconds"`
	Sentence               string             `json:"sentence"`
	Source                 string             `json:"source"`
}

func budgetJSON(t *testing.T, stdout string) map[string]budgetReport {
	t.Helper()
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, stdout)
	}
	var reports []budgetReport
	if err := json.Unmarshal([]byte(stdout), &reports); err != nil {
		t.Fatal(err)
	}
	want := []string{"budgetRemaining", "budgetRemainingSeconds", "burnRates", "exhaustionSeconds", "name", "objective", "sentence", "sli", "source", "state", "window"}
	out := map[string]budgetReport{}
	for i, obj := range raw {
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if strings.Join(keys, ",") != strings.Join(want, ",") {
			t.Errorf("object %d keys %v, want %v", i, keys, want)
		}
		out[reports[i].Name] = reports[i]
	}
	return out
}

func budgetRel(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 0.001*math.Abs(want) || (want == 0 && got != 0) {
		t.Errorf("%s = %.9g, PromQL says %.9g (want within 0.1%%)", what, got, want)
	}
}

const budgetAPIConfig = `[[contexts.t.slo]]
name = "api-availability"
objective = 99.9
window = "30d"
errors = 'sum(rate(http_requests_total{job="api",code=~"5.."}[$window]))'
total = 'sum(rate(http_requests_total{job="api"}[$window]))'
alerts = ["APIDown"]

[[contexts.t.slo]]
name = "api-teapots"
objective = 99.9
window = "30d"
errors = 'sum(rate(http_requests_total{job="api",code="418"}[$window]))'
total = 'sum(rate(http_requests_total{job="api"}[$window]))'
`

func TestBudgetAgainstPrometheus(t *testing.T) {
	p := startBudgetProm(t)
	t.Run("Configured", p.testConfigured)
	t.Run("DiscoveredWithoutConfig", p.testDiscovered)
}

func (p budgetProm) testConfigured(t *testing.T) {
	at := strconv.FormatInt(p.at.Unix(), 10) + ".000"
	cfg := writeConfig(t, "current_context = \"t\"\n[contexts.t.prometheus]\nurl = \""+p.url+"\"\n\n"+budgetAPIConfig)

	code, stdout, stderr := run(t, nil, "--config", cfg, "budget", "-o", "json", "--at", at)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := budgetJSON(t, stdout)
	if len(got) != 3 {
		t.Fatalf("%d SLOs (%v), want the 2 configured and the Sloth one", len(got), stdout)
	}

	// Every figure of api-availability, straight from PromQL written
	// differently (increase instead of rate, no "or vector(0)").
	r := got["api-availability"]
	ratio := func(w string) string {
		return `(sum(increase(http_requests_total{job="api",code="500"}[` + w + `])) / sum(increase(http_requests_total{job="api"}[` + w + `])))`
	}
	if r.Objective != 99.9 || r.Window != "30d" || r.Source != "config" {
		t.Errorf("api-availability: objective %g window %s source %s", r.Objective, r.Window, r.Source)
	}
	for _, w := range []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d"} {
		budgetRel(t, "burn "+w, r.BurnRates[w], p.must(t, ratio(w)+" / 0.001"))
	}
	if len(r.BurnRates) != 7 {
		t.Errorf("burn windows %v, want 7", r.BurnRates)
	}
	budgetRel(t, "sli", r.SLI, p.must(t, "1 - "+ratio("30d")))
	budgetRel(t, "budgetRemaining", r.BudgetRemaining, p.must(t, "1 - "+ratio("30d")+" / 0.001"))
	budgetRel(t, "budgetRemainingSeconds", r.BudgetRemainingSeconds, p.must(t, "(1 - "+ratio("30d")+" / 0.001) * 2592000 * 0.001"))
	if r.ExhaustionSeconds == nil {
		t.Fatal("exhaustionSeconds is null while burning")
	}
	budgetRel(t, "exhaustionSeconds", *r.ExhaustionSeconds, p.must(t, "(1 - "+ratio("30d")+" / 0.001) * 2592000 / ("+ratio("1h")+" / 0.001)"))
	state := "ok"
	if _, ok := p.scalar(t, `(`+ratio("3d")+` > 0.001 and `+ratio("6h")+` > 0.001) or (`+ratio("1d")+` > 0.003 and `+ratio("2h")+` > 0.003)`); ok {
		state = "ticket"
	}
	if _, ok := p.scalar(t, `(`+ratio("1h")+` > 0.0144 and `+ratio("5m")+` > 0.0144) or (`+ratio("6h")+` > 0.006 and `+ratio("30m")+` > 0.006)`); ok {
		state = "page"
	}
	if r.State != state || state != "page" {
		t.Errorf("state %s, PromQL says %s (the scenario pages)", r.State, state)
	}
	if !strings.HasPrefix(r.Sentence, "Burning 30.0× faster than sustainable") {
		t.Errorf("sentence %q", r.Sentence)
	}

	// No errors at all: not burning, so no exhaustion time.
	if q := got["api-teapots"]; q.ExhaustionSeconds != nil || q.State != "ok" || q.BudgetRemaining != 1 || q.BurnRates["1h"] != 0 {
		t.Errorf("api-teapots: %+v", q)
	}

	// The Sloth SLO is discovered next to the configured ones.
	budgetCheckSloth(t, got["shop-checkout"])

	// The table: one row per SLO, then the sentences.
	code, stdout, stderr = run(t, nil, "--config", cfg, "budget", "--at", at)
	if code != 0 {
		t.Fatalf("table: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 1+3+1+3 || !strings.HasPrefix(lines[0], "SLO ") || !strings.Contains(lines[0], "STATE") {
		t.Fatalf("table:\n%s", stdout)
	}
	if !strings.HasPrefix(lines[1], "api-availability ") || !strings.Contains(lines[1], " page ") || !strings.Contains(lines[3], "shop-checkout") {
		t.Errorf("rows:\n%s", stdout)
	}
	if !strings.HasPrefix(lines[5], "api-availability: Burning 30.0× faster than sustainable") {
		t.Errorf("sentence line %q", lines[5])
	}

	// --slo picks one; an unknown name lists the known ones.
	code, stdout, _ = run(t, nil, "--config", cfg, "budget", "--slo", "api-teapots", "-o", "json", "--at", at)
	if one := budgetJSON(t, stdout); code != 0 || len(one) != 1 || one["api-teapots"].Name == "" {
		t.Errorf("--slo: exit %d, %s", code, stdout)
	}
	code, _, stderr = run(t, nil, "--config", cfg, "budget", "--slo", "nope")
	if code != 1 || stderr != "oncall: no SLO named \"nope\" in context \"t\" (known: api-availability, api-teapots, shop-checkout)\n" {
		t.Errorf("unknown --slo: exit %d, %q", code, stderr)
	}
}

func (p budgetProm) testDiscovered(t *testing.T) {
	at := strconv.FormatInt(p.at.Unix(), 10)
	code, stdout, stderr := run(t, map[string]string{"ONCALL_PROMETHEUS_URL": p.url}, "budget", "-o", "json", "--at", at)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := budgetJSON(t, stdout)
	if len(got) != 1 {
		t.Fatalf("SLOs %v, want only the Sloth one", stdout)
	}
	budgetCheckSloth(t, got["shop-checkout"])
}

// budgetCheckSloth checks the discovered Sloth SLO against the backfilled
// recording-rule values and against PromQL.
func budgetCheckSloth(t *testing.T, r budgetReport) {
	t.Helper()
	if r.Name != "shop-checkout" || r.Source != "sloth" || r.Objective != 99 || r.Window != "30d" {
		t.Fatalf("Sloth SLO: %+v", r)
	}
	for w, ratio := range budgetSloth {
		if w == "30d" {
			continue
		}
		budgetRel(t, "sloth burn "+w, r.BurnRates[w], ratio/0.01)
	}
	budgetRel(t, "sloth sli", r.SLI, 1-budgetSloth["30d"])
	budgetRel(t, "sloth budgetRemaining", r.BudgetRemaining, 1-budgetSloth["30d"]/0.01)
	if r.State != "page" || r.ExhaustionSeconds == nil {
		t.Errorf("Sloth SLO state %s exhaustion %v, want page (1h 16×, 5m 20×)", r.State, r.ExhaustionSeconds)
	}
}
