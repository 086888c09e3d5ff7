package simlogs

import (
	"context"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"oncall/internal/logview"
	"oncall/sources/loki"
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
