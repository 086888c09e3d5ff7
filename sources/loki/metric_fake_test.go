package loki

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"oncall/sources/loki/lokitest"
)

// MetricRange against the fake Loki: the client's request and the fake's
// matrix agree, whole or split over max_query_length.
//
// In minute m after base (an hour boundary) api logs m%5 "too many
// clients" lines and one other line; db logs one "too many clients" line
// a minute. count_over_time(…[1m]) at base+m+1 minutes is then m%5 for
// api (no point when 0) and 1 for db.
func TestMetricRangeAgreesWithTheFake(t *testing.T) {
	base := time.Unix(1_699_999_200, 0) // 472222 hours
	const minutes = 180
	push := func(s *lokitest.Server) {
		for m := 0; m < minutes; m++ {
			at := base.Add(time.Duration(m) * time.Minute)
			for i := 0; i < m%5; i++ {
				s.Push(map[string]string{"service_name": "api"}, at.Add(time.Duration(i+1)*time.Second), "pq: sorry, too many clients already", nil)
			}
			s.Push(map[string]string{"service_name": "api"}, at.Add(30*time.Second), "request completed", nil)
			s.Push(map[string]string{"service_name": "db"}, at.Add(40*time.Second), "FATAL: too many clients", nil)
		}
	}
	whole := lokitest.New()
	defer whole.Close()
	push(whole)
	split := lokitest.New(lokitest.WithMaxQueryLength(time.Hour))
	defer split.Close()
	push(split)

	const q = `sum by (service_name) (count_over_time({service_name=~".+"} |= "too many clients" [1m]))`
	start, end := base, base.Add(minutes*time.Minute)
	check := func(name string, mx model.Matrix) {
		t.Helper()
		if len(mx) != 2 || mx[0].Metric["service_name"] != "api" || mx[1].Metric["service_name"] != "db" || len(mx[0].Metric) != 1 {
			t.Fatalf("%s: matrix %v", name, mx)
		}
		api, db := mx[0].Values, mx[1].Values
		if want := minutes - minutes/5; len(api) != want || len(db) != minutes {
			t.Fatalf("%s: %d api points (want %d), %d db points (want %d)", name, len(api), want, len(db), minutes)
		}
		for _, p := range api {
			m := int(p.Timestamp.Time().Sub(base)/time.Minute) - 1
			if p.Timestamp.Time().Sub(base)%time.Minute != 0 || float64(p.Value) != float64(m%5) {
				t.Fatalf("%s: api %v at %s, want %d", name, p.Value, p.Timestamp.Time().Sub(base), m%5)
			}
		}
		for i, p := range db {
			if !p.Timestamp.Time().Equal(base.Add(time.Duration(i+1)*time.Minute)) || p.Value != 1 {
				t.Fatalf("%s: db point %d: %v at %s", name, i, p.Value, p.Timestamp.Time().Sub(base))
			}
		}
	}
	for name, s := range map[string]*lokitest.Server{"whole": whole, "split": split} {
		c, err := New(Config{URL: s.URL()})
		if err != nil {
			t.Fatal(err)
		}
		mx, err := c.MetricRange(context.Background(), q, start, end, time.Minute)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		check(name, mx)
		reqs := 0
		for _, r := range s.Requests() {
			if r.Path == "/loki/api/v1/query_range" {
				reqs++
				if r.Query.Get("step") != "60" || r.Query.Get("query") != q {
					t.Errorf("%s: asked %v", name, r.Query)
				}
			}
		}
		if (name == "whole") != (reqs == 1) {
			t.Errorf("%s: %d requests", name, reqs)
		}
	}

	// Loki's refusals come back as *HTTPError with Loki's text.
	c, _ := New(Config{URL: whole.URL()})
	var he *HTTPError
	_, err := c.MetricRange(context.Background(), `sum by (service_name) count_over_time({service_name="api"}[1m])`, start, end, time.Minute)
	if !errors.As(err, &he) || he.StatusCode != 400 || !strings.Contains(err.Error(), "parse error at line 1, col 23: syntax error: unexpected IDENTIFIER") {
		t.Errorf("bad query: %v", err)
	}
	limited := lokitest.New(lokitest.WithMaxQuerySeries(1))
	defer limited.Close()
	push(limited)
	c, _ = New(Config{URL: limited.URL()})
	_, err = c.MetricRange(context.Background(), q, start, end, time.Minute)
	if !errors.As(err, &he) || he.StatusCode != 400 || !strings.Contains(err.Error(), "maximum number of series (1) reached for a single query") {
		t.Errorf("max_query_series: %v", err)
	}
}
