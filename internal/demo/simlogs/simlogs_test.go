package simlogs

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"oncall/internal/logql"
	"oncall/internal/logql/seedrules"
	"oncall/internal/logview"
	"oncall/sources/loki"
	"oncall/sources/loki/lokitest"
)

var anchor = time.Date(2026, 11, 26, 3, 30, 0, 0, time.UTC)

func TestRequestsAreDeterministic(t *testing.T) {
	a, b := Requests(), Requests()
	if !reflect.DeepEqual(a, b) || len(a) != NumRequests {
		t.Fatal("Requests differ between calls")
	}
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	hex16 := regexp.MustCompile(`^[0-9a-f]{16}$`)
	seen := map[string]bool{}
	for i, r := range a {
		if !hex32.MatchString(r.TraceID) || seen[r.TraceID] {
			t.Fatalf("request %d: bad or repeated trace id %q", i, r.TraceID)
		}
		seen[r.TraceID] = true
		if r.Start >= 0 || r.Start < -12*time.Minute || (i > 0 && r.Start <= a[i-1].Start) {
			t.Fatalf("request %d starts at %s", i, r.Start)
		}
		if got := strings.Join(r.Services(), ","); got != "api-gateway,conectcrm-backend,postgres" {
			t.Fatalf("services %s", got)
		}
		for j, h := range r.Hops {
			if !hex16.MatchString(h.SpanID) || (j == 0) != (h.ParentID == "") || (j > 0 && h.ParentID != r.Hops[j-1].SpanID) {
				t.Fatalf("request %d hop %d: span %q parent %q", i, j, h.SpanID, h.ParentID)
			}
			if h.Offset+h.Duration > r.Duration {
				t.Fatalf("request %d hop %d ends after the request", i, j)
			}
		}
	}
	if ids := TraceIDs(); len(ids) != NumRequests || ids[0] != a[0].TraceID || ids[19] != a[19].TraceID {
		t.Fatal("TraceIDs does not follow Requests")
	}
}

func TestHistoryTellsTheIncident(t *testing.T) {
	h := History(anchor)
	if len(h) < 3000 {
		t.Fatalf("%d lines, want several thousand", len(h))
	}
	if !reflect.DeepEqual(h, History(anchor)) {
		t.Fatal("History is not deterministic")
	}
	perService := map[string]int{}
	for i, l := range h {
		if i > 0 && l.Time.Before(h[i-1].Time) {
			t.Fatal("not in time order")
		}
		if l.Time.Before(anchor.Add(-time.Hour)) || !l.Time.Before(anchor) {
			t.Fatalf("line at %s is outside the hour", l.Time)
		}
		if l.Labels["env"] != "prod" || l.Labels["level"] == "" {
			t.Fatalf("labels %v", l.Labels)
		}
		perService[l.Labels["service_name"]]++
		if strings.HasPrefix(l.Text, "{") && !json.Valid([]byte(l.Text)) {
			t.Fatalf("invalid JSON: %s", l.Text)
		}
	}
	for _, s := range []string{ServiceGateway, ServiceBackend, ServicePostgres} {
		if perService[s] < 100 {
			t.Fatalf("%s has %d lines", s, perService[s])
		}
	}
	// every failing request is logged, with its ids, by each service
	b := logview.NewBuilder(nil, time.UTC)
	for _, r := range Requests() {
		found := map[string]string{}
		for _, l := range h {
			if strings.Contains(l.Text, r.TraceID) {
				row := b.Build(loki.Entry{Time: l.Time, Line: l.Text, Labels: l.Labels})
				if row.TraceID != r.TraceID || row.Level != logview.LevelError {
					t.Fatalf("line %s: trace %q level %v", l.Text, row.TraceID, row.Level)
				}
				found[l.Labels["service_name"]] = row.SpanID
			}
		}
		for i, hop := range r.Hops {
			if found[hop.Service] != hop.SpanID {
				t.Fatalf("trace %s: %s logged span %q, want %q (hop %d)", r.TraceID, hop.Service, found[hop.Service], hop.SpanID, i)
			}
		}
	}
}

func TestServerServesHistoryAndLogsLive(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := Start(ctx, Options{LiveEvery: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c, err := loki.New(loki.Config{URL: s.URL()})
	if err != nil {
		t.Fatal(err)
	}
	id := TraceIDs()[3]
	res, err := c.QueryRange(ctx, loki.Query{Query: `{env="prod"} |= "` + id + `"`, Start: s.Anchor.Add(-time.Hour), End: s.Anchor, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 3 {
		t.Fatalf("trace %s has %d lines, want 3 (one per service)", id, len(res.Entries))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err = c.QueryRange(ctx, loki.Query{Query: `{env="prod"}`, Start: s.Anchor.Add(time.Nanosecond), End: time.Now().Add(time.Second), Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Entries) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no live lines after the anchor")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	deadline = time.Now().Add(5 * time.Second)
	for c.Ready(context.Background()) == nil {
		if time.Now().After(deadline) {
			t.Fatal("server still answers after ctx ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Close() // idempotent
}

// The lines the log-based alerts' rules count cross each rule's threshold
// when the alert pends (as internal/demo/sim states it: DatabaseTooManyClients
// 5m, BackendPoolTimeouts on backend-2 9m and BackendSlowQueries 3m before
// the anchor) and stay over it while the demo runs: History, then Live
// ticking every 700ms for half an hour.
func TestRuleLinesCrossTheThresholds(t *testing.T) {
	s := lokitest.New()
	defer s.Close()
	for _, l := range History(anchor) {
		s.Push(l.Labels, l.Time, l.Text, nil)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	end := anchor.Add(30 * time.Minute)
	for last, now := anchor, anchor.Add(700*time.Millisecond); !now.After(end); last, now = now, now.Add(700*time.Millisecond) {
		for _, l := range Live(rng, anchor, last, now) {
			if !l.Time.After(last) || l.Time.After(now.Add(3*time.Millisecond)) {
				t.Fatalf("live line at %s, outside (%s, %s]", l.Time.Sub(anchor), last.Sub(anchor), now.Sub(anchor))
			}
			s.Push(l.Labels, l.Time, l.Text, nil)
		}
	}
	c, err := loki.New(loki.Config{URL: s.URL()})
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]string{}
	for _, g := range seedrules.Groups() {
		for _, r := range g.Rules {
			rules[r.Alert] = r.Expr
		}
	}
	for _, tc := range []struct {
		alert    string
		activeAt time.Duration
		series   map[string]string
	}{
		{"DatabaseTooManyClients", -5 * time.Minute, map[string]string{"service_name": ServiceBackend}},
		{"BackendPoolTimeouts", -9 * time.Minute, map[string]string{"service_name": ServiceBackend, "instance": "backend-2:3001"}},
		{"BackendSlowQueries", -3 * time.Minute, map[string]string{"service_name": ServiceBackend}},
	} {
		m, err := logql.Extract(rules[tc.alert])
		if err != nil || m.Comparison == nil || m.Comparison.Op != ">" {
			t.Fatalf("%s: %v %+v", tc.alert, err, m)
		}
		mx, err := c.MetricRange(context.Background(), m.Comparison.Expr, anchor.Add(-time.Hour), end, time.Minute)
		if err != nil {
			t.Fatalf("%s: %v", tc.alert, err)
		}
		values := map[time.Duration]float64{}
		for _, ss := range mx {
			own := true
			for k, v := range tc.series {
				own = own && string(ss.Metric[model.LabelName(k)]) == v
			}
			for _, p := range ss.Values {
				if own {
					values[p.Timestamp.Time().Sub(anchor)] = float64(p.Value)
				}
			}
		}
		thr := m.Comparison.Threshold
		for off := -time.Hour; off <= end.Sub(anchor); off += time.Minute {
			v, over := values[off], values[off] > thr
			if off < tc.activeAt && over || off >= tc.activeAt && !over {
				t.Errorf("%s: %g at %s (threshold > %g, pending from %s)", tc.alert, v, off, thr, tc.activeAt)
			}
		}
	}
}
