package history

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/testkit/testenv"
	"oncall/sources/prometheus"
)

// flapRules fires HistoryFlap as soon as the scraped value is above 0.
const flapRules = `groups:
  - name: history-test
    interval: 1s
    rules:
      - alert: HistoryFlap
        expr: oncall_history_test_value > 0
        for: 0s
        labels:
          severity: warning
`

// A real Prometheus scrapes a value the test sets every second and
// evaluates a `for: 0s` rule on it every second. The alert fires, resolves
// and fires again: the history has exactly two episodes, in order, the
// first resolved (its end is the last resolved time) and the second still
// firing.
func TestHistoryFromRealPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real Prometheus")
	}
	testenv.Require(t, "prometheus")
	var value atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "# TYPE oncall_history_test_value gauge\noncall_history_test_value %d\n", value.Load())
	}))
	defer target.Close()
	host := strings.TrimPrefix(target.URL, "http://")
	prom := testenv.StartPrometheus(t, testenv.PrometheusOptions{
		Rules:              flapRules,
		ExtraScrapeConfigs: fmt.Sprintf("- job_name: flap\n  scrape_interval: 1s\n  static_configs:\n    - targets: [%q]", host),
	})
	c, err := prometheus.New(prometheus.Config{URL: prom.URL})
	if err != nil {
		t.Fatal(err)
	}
	firingNow := func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		v, err := c.Query(ctx, `ALERTS{alertname="HistoryFlap",alertstate="firing"}`, time.Now())
		vec, ok := v.(model.Vector)
		return err == nil && ok && len(vec) == 1
	}
	start := time.Now()

	value.Store(1)
	testenv.WaitFor(t, 30*time.Second, "HistoryFlap fires", firingNow)
	firstSeen := time.Now()
	time.Sleep(3 * time.Second)
	value.Store(0)
	resolveAsked := time.Now()
	testenv.WaitFor(t, 30*time.Second, "HistoryFlap resolves", func() bool { return !firingNow() })
	resolvedSeen := time.Now()
	time.Sleep(3 * time.Second)
	value.Store(1)
	refireAsked := time.Now()
	testenv.WaitFor(t, 30*time.Second, "HistoryFlap fires again", firingNow)
	time.Sleep(2 * time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := time.Now()
	rec := &recorder{src: c}
	set, err := Fetch(ctx, rec, start.Add(-time.Minute), now)
	if err != nil {
		t.Fatal(err)
	}
	if rec.calls != 1 || set.Range.Step != time.Second {
		t.Fatalf("%d queries at step %s, want one at 1s", rec.calls, set.Range.Step)
	}
	if !rec.sawBuckets {
		t.Error("the count_over_time half of the query returned nothing")
	}
	alert := map[string]string{"alertname": "HistoryFlap", "severity": "warning", "job": "flap", "instance": host, "cluster": "external-label"}
	s := set.For(alert)
	if s == nil || len(s.Episodes) != 2 {
		t.Fatalf("episodes = %s, want 2 (series: %+v)", episodes(s), set.Series)
	}
	first, second := s.Episodes[0], s.Episodes[1]
	t.Logf("episodes: %s", episodes(s))
	if first.Approximate || second.Approximate {
		t.Errorf("at a 1s step no episode is approximate: %s", episodes(s))
	}
	if first.End == nil || first.Ongoing {
		t.Fatalf("the first episode did not resolve: %s", first)
	}
	// Order and bounds: the first fired by the time we saw it and ended
	// after we asked for it to resolve, before we saw it resolved; the
	// second fired after we asked for it, and fires still.
	if first.Start.After(firstSeen) || first.End.Before(resolveAsked.Add(-2*time.Second)) || first.End.After(resolvedSeen) {
		t.Errorf("first episode %s: want it to start by %s and end between %s and %s", first, firstSeen, resolveAsked, resolvedSeen)
	}
	if !second.Start.After(*first.End) || second.Start.Before(refireAsked.Add(-time.Second)) || !second.Ongoing || second.End != nil {
		t.Errorf("second episode %s: want it ongoing, after %s", second, refireAsked)
	}
	sum := set.Summary(alert, 1)
	if sum.Episodes24h != 2 || sum.Episodes7d != 2 || !sum.Firing || !sum.Flapping {
		t.Errorf("summary: %d/%d episodes, firing %v, flapping %v", sum.Episodes24h, sum.Episodes7d, sum.Firing, sum.Flapping)
	}
	if sum.LastResolved == nil || !sum.LastResolved.Equal(*first.End) || !sum.LastFired.Equal(second.Start) {
		t.Errorf("last resolved %v, last fired %v; want %v and %v", sum.LastResolved, sum.LastFired, first.End, second.Start)
	}
	if set.For(map[string]string{"alertname": "HistoryFlap", "severity": "critical", "job": "flap", "instance": host}) != nil {
		t.Error("an alert with another severity got this history")
	}
}

// recorder counts the queries and whether both halves answered.
type recorder struct {
	src        Source
	calls      int
	sawBuckets bool
}

func (r *recorder) QueryRange(ctx context.Context, q string, rg v1.Range) (model.Value, error) {
	r.calls++
	v, err := r.src.QueryRange(ctx, q, rg)
	if m, ok := v.(model.Matrix); ok {
		for _, ss := range m {
			if ss.Metric[bucketLabel] == "1" {
				r.sawBuckets = true
			}
		}
	}
	return v, err
}
