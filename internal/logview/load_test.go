package logview

import (
	"context"
	"fmt"
	"testing"
	"time"

	"oncall/sources/loki"
	"oncall/sources/loki/lokitest"
)

func TestFetchBatchesBeyondOneQueryLimit(t *testing.T) {
	srv := lokitest.New(lokitest.WithMaxEntries(100))
	defer srv.Close()
	base := time.Now().Add(-30 * time.Minute)
	for i := 0; i < 250; i++ {
		svc := []string{"api", "db"}[i%2]
		srv.Push(map[string]string{"service_name": svc}, base.Add(time.Duration(i)*time.Second), fmt.Sprintf("line %03d", i), nil)
	}
	c, err := loki.New(loki.Config{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	ld := Load{Query: `{service_name=~".+"}`, Start: base.Add(-time.Minute), End: time.Now(), Max: 1000, Batch: 90}
	rows, capped, err := ld.Fetch(context.Background(), c, NewBuilder(nil, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 250 || capped {
		t.Fatalf("got %d rows (capped %v), want 250", len(rows), capped)
	}
	for i, r := range rows {
		if r.Line != fmt.Sprintf("line %03d", i) {
			t.Fatalf("row %d is %q: not oldest first", i, r.Line)
		}
	}
	queries := 0
	for _, rq := range srv.Requests() {
		if rq.Path == "/loki/api/v1/query_range" {
			queries++
		}
	}
	if queries < 3 {
		t.Fatalf("%d requests: the window was not fetched in batches", queries)
	}
	// a cap keeps the newest lines
	ld.Max = 120
	rows, capped, err = ld.Fetch(context.Background(), c, NewBuilder(nil, time.UTC))
	if err != nil || len(rows) != 120 || !capped || rows[0].Line != "line 130" || rows[119].Line != "line 249" {
		t.Fatalf("capped fetch: %d rows, capped %v, err %v", len(rows), capped, err)
	}
}

func TestResolveSelectorAsksLokiForLabelNames(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	now := time.Now()
	srv.Push(map[string]string{"service": "conectcrm-backend", "env": "prod"}, now.Add(-time.Minute), "x", nil)
	c, _ := loki.New(loki.Config{URL: srv.URL()})
	tmpl, _ := ParseSelectorTemplate("")
	got, err := ResolveSelector(context.Background(), c, tmpl, map[string]string{"service": "conectcrm-backend"}, now.Add(-time.Hour), now)
	if err != nil || got != `{service="conectcrm-backend"}` {
		t.Fatalf("%q %v", got, err)
	}
}
