package handoff

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oncall/internal/testkit/testenv"
	"oncall/sources/prometheus"
)

// startHistory starts a real Prometheus holding the fixture's ALERTS
// history (kept: the data is older than the default retention).
func startHistory(t *testing.T) *prometheus.Client {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real Prometheus")
	}
	testenv.Require(t, "prometheus")
	testenv.Require(t, "promtool")
	dataDir := filepath.Join(t.TempDir(), "data")
	testenv.Backfill(t, dataDir, alertsOpenMetrics(fixtureEpisodes()))
	prom := testenv.StartPrometheus(t, testenv.PrometheusOptions{DataDir: dataDir, Retention: "100y"})
	c, err := prometheus.New(prometheus.Config{URL: prom.URL})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 30*time.Second, "backfilled ALERTS are queryable", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		v, err := c.Query(ctx, `count(ALERTS)`, fixedNow.Add(-time.Minute))
		return err == nil && v.String() != ""
	})
	return c
}

func TestGoldenAgainstRealPrometheus(t *testing.T) {
	prom := startHistory(t)
	budgets := &fakeBudgets{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Collect(ctx, Sources{Alertmanager: amFixture(), Prometheus: prom, Journal: journalFixture(t), Budgets: budgets},
		Options{Context: "prod", User: "alice@bastion", Shift: shift, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.SourceErrors) != 0 {
		t.Fatalf("source errors: %v", s.SourceErrors)
	}
	// The budget source was asked for the shift: 20:00 → 07:45 local.
	if !budgets.from.Equal(local(14, 20, 0)) || !budgets.to.Equal(fixedNow) {
		t.Errorf("budgets asked for %s → %s", budgets.from, budgets.to)
	}
	// The episodes, exactly, from the real Prometheus.
	want := map[string][]string{
		"HighErrorRate":  {"21:10:00-21:38:00", "02:05:00-02:20:00", "07:20:00-ongoing"},
		"APIDown":        {"07:33:00-ongoing"},
		"HighLatencyP95": {"23:50:00-00:10:00"},
		"DiskSpaceLow":   {"before 20:00:00-20:40:00"},
	}
	if len(s.Fired) != len(want) {
		t.Fatalf("fired = %+v, want %d alerts", s.Fired, len(want))
	}
	if s.Fired[0].Alertname != "HighErrorRate" || s.Fired[0].Count != 3 {
		t.Errorf("noisiest first: got %s with %d episodes", s.Fired[0].Alertname, s.Fired[0].Count)
	}
	for _, h := range s.Fired {
		var got []string
		for _, e := range h.Episodes {
			x := e.Start.Format("15:04:05") + "-"
			if e.StartedBefore {
				x = "before " + x
			}
			if e.End == nil {
				x += "ongoing"
			} else {
				x += e.End.Format("15:04:05")
			}
			got = append(got, x)
		}
		if strings.Join(got, " ") != strings.Join(want[h.Alertname], " ") {
			t.Errorf("%s episodes = %v, want %v", h.Alertname, got, want[h.Alertname])
		}
	}
	md := Markdown(s)
	js, err := JSON(s)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "handoff.md.golden", []byte(md))
	golden(t, "handoff.json.golden", js)
}
