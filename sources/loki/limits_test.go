package loki

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"oncall/sources/loki/lokitest"
)

// pushN stores n lines one second apart from t0, "line 000" first.
func pushN(s *lokitest.Server, n int) {
	for i := 0; i < n; i++ {
		s.Push(map[string]string{"app": "api"}, t0.Add(time.Duration(i)*time.Second), fmt.Sprintf("line %03d", i), nil)
	}
}

func queryLimits(s *lokitest.Server) []string {
	var out []string
	for _, r := range s.Requests() {
		if r.Path == "/loki/api/v1/query_range" {
			out = append(out, r.Query.Get("limit"))
		}
	}
	return out
}

func TestFetchShrinksTheBatchOnceAfterMaxEntries(t *testing.T) {
	s, c := newPair(t, Config{}, lokitest.WithMaxEntries(50))
	pushN(s, 120)
	res, err := c.FetchLogs(context.Background(), Query{Query: `{app="api"}`, Start: t0, End: t0.Add(time.Hour)}, 80, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 120 || res.Entries[0].Line != "line 119" || res.Entries[119].Line != "line 000" {
		t.Fatalf("%d entries", len(res.Entries))
	}
	if res.Limits.ShrunkFrom != 80 || res.Limits.ShrunkTo != 50 {
		t.Fatalf("limits %+v", res.Limits)
	}
	// one refused request, then every request within Loki's limit
	limits := queryLimits(s)
	if limits[0] != "80" || limits[1] != "50" {
		t.Fatalf("request limits %v", limits)
	}
	for _, l := range limits[1:] {
		if n, _ := strconv.Atoi(l); n > 50 || n <= 0 {
			t.Fatalf("a request over the limit after the shrink: %v", limits)
		}
	}
	if res.Requests != len(limits) {
		t.Errorf("Requests %d, server saw %d", res.Requests, len(limits))
	}
	notes := strings.Join(res.Notes(), " | ")
	if !strings.Contains(notes, "Loki allows 50 lines per request (max_entries_limit_per_query): asked for 80, retried with 50") {
		t.Errorf("notes %q", notes)
	}

	// the single-query path shrinks too, and says which end was cut
	r, err := c.QueryRange(context.Background(), Query{Query: `{app="api"}`, Start: t0, End: t0.Add(time.Hour), Limit: 70})
	if err != nil || len(r.Entries) != 50 || r.Limits.ShrunkTo != 50 || r.Cut != CutOldest || r.Entries[0].Line != "line 119" {
		t.Fatalf("QueryRange: %v, %d entries, %+v, cut %v", err, len(r.Entries), r.Limits, r.Cut)
	}
}

func TestShrinkIsTriedOnlyOnce(t *testing.T) {
	s, c := newPair(t, Config{})
	pushN(s, 5)
	// a proxy that keeps refusing whatever limit is asked for
	s.Inject(lokitest.Fault{Path: "/loki/api/v1/query_range", Status: 400, Body: "max entries limit per query exceeded, limit > max_entries_limit_per_query (100 > 10)"})
	_, err := c.QueryRange(context.Background(), Query{Query: `{app="api"}`, Start: t0, End: t0.Add(time.Hour), Limit: 100})
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 400 || len(queryLimits(s)) != 2 {
		t.Fatalf("err %v after %d requests", err, len(queryLimits(s)))
	}
}

func TestFetchSplitsAWindowOverMaxQueryLength(t *testing.T) {
	s, c := newPair(t, Config{}, lokitest.WithMaxQueryLength(time.Hour))
	// one line every 20 minutes over 5 hours
	for i := 0; i < 15; i++ {
		s.Push(map[string]string{"app": "api"}, t0.Add(time.Duration(i)*20*time.Minute), fmt.Sprintf("line %02d", i), nil)
	}
	start, end := t0, t0.Add(5*time.Hour)
	for _, dir := range []Direction{Backward, Forward} {
		s.ResetRequests()
		res, err := c.FetchLogs(context.Background(), Query{Query: `{app="api"}`, Start: start, End: end, Direction: dir}, 4, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Entries) != 15 {
			t.Fatalf("%s: %d entries", dir, len(res.Entries))
		}
		for i, e := range res.Entries {
			want := i
			if dir == Backward {
				want = 14 - i
			}
			if e.Line != fmt.Sprintf("line %02d", want) {
				t.Fatalf("%s: entry %d is %q: not merged in order", dir, i, e.Line)
			}
		}
		if res.Limits.SplitInto != 6 || res.Limits.MaxQueryLength != time.Hour {
			t.Errorf("%s: limits %+v", dir, res.Limits)
		}
		for _, r := range s.Requests()[1:] {
			st, en := r.Query.Get("start"), r.Query.Get("end")
			var a, b int64
			fmt.Sscan(st, &a)
			fmt.Sscan(en, &b)
			if time.Duration(b-a) > time.Hour {
				t.Fatalf("%s: a piece of %s", dir, time.Duration(b-a))
			}
		}
		if n := strings.Join(res.Notes(), " | "); !strings.Contains(n, "window split into 6 queries of at most 1h (Loki's max_query_length)") {
			t.Errorf("notes %q", n)
		}
	}
	// a cap stops early, at the newest lines for backward
	res, err := c.FetchLogs(context.Background(), Query{Query: `{app="api"}`, Start: start, End: end}, 4, 5)
	if err != nil || len(res.Entries) != 5 || !res.Capped || res.Cut != CutOldest || res.Entries[4].Line != "line 10" || !res.Reached.Equal(t0.Add(200*time.Minute)) {
		t.Fatalf("capped: %v %d %+v", err, len(res.Entries), res)
	}
	// single query: split and merged up to its limit
	r, err := c.QueryRange(context.Background(), Query{Query: `{app="api"}`, Start: start, End: end, Limit: 7, Direction: Forward})
	if err != nil || len(r.Entries) != 7 || r.Entries[6].Line != "line 06" || r.Limits.SplitInto != 6 || r.Cut != CutNewest {
		t.Fatalf("QueryRange split: %v %d %+v", err, len(r.Entries), r.Limits)
	}
}

func TestSplitReportsTheLimitWhenItCannotHelp(t *testing.T) {
	s, c := newPair(t, Config{}, lokitest.WithMaxQueryLength(time.Minute))
	pushN(s, 3)
	_, err := c.FetchLogs(context.Background(), Query{Query: `{app="api"}`, Start: t0, End: t0.Add(24 * time.Hour)}, 100, 0)
	if err == nil || err.Error() != "loki: the window is 1d but this Loki allows 1m per query (max_query_length): narrow the window" {
		t.Fatalf("err %v", err)
	}
	s.Inject(lokitest.Fault{Path: "/loki/api/v1/query_range", Status: 400, Body: "the query time range exceeds the limit (query length: 2h0m0s, limit: 1h)"})
	_, err = c.QueryRange(context.Background(), Query{Query: `sum(count_over_time({app="api"}[1m]))`, Start: t0, End: t0.Add(2 * time.Hour), Step: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "limit: 1h); splitting a metric query is not supported: narrow the window to 1h") {
		t.Fatalf("metric: %v", err)
	}
}

func TestDirectionSaysWhichEndWasCut(t *testing.T) {
	s, c := newPair(t, Config{})
	pushN(s, 10)
	q := Query{Query: `{app="api"}`, Start: t0, End: t0.Add(time.Hour), Limit: 4}
	back, err := c.QueryRange(context.Background(), q)
	if err != nil || back.Cut != CutOldest || back.Entries[0].Line != "line 009" {
		t.Fatalf("backward %v %v", err, back.Cut)
	}
	q.Direction = Forward
	fwd, err := c.QueryRange(context.Background(), q)
	if err != nil || fwd.Cut != CutNewest || fwd.Entries[0].Line != "line 000" {
		t.Fatalf("forward %v %v", err, fwd.Cut)
	}
	q.Limit = 20
	all, err := c.QueryRange(context.Background(), q)
	if err != nil || all.Cut != CutNone || len(all.Entries) != 10 {
		t.Fatalf("whole window %v %v", err, all.Cut)
	}
	res, err := c.FetchLogs(context.Background(), Query{Query: `{app="api"}`, Start: t0, End: t0.Add(time.Hour), Direction: Forward}, 3, 5)
	if err != nil || !res.Capped || res.Cut != CutNewest || !res.Reached.Equal(t0.Add(4*time.Second)) {
		t.Fatalf("fetch forward %v %+v", err, res)
	}
	if n := strings.Join(res.Notes(), ""); !strings.Contains(n, "5-line cap reached: lines after") || !strings.Contains(n, "forward keeps the oldest") {
		t.Errorf("notes %q", n)
	}
}

func TestNoOrgIDHints(t *testing.T) {
	_, c := newPair(t, Config{Context: "staging"}, lokitest.WithAuth())
	_, err := c.Labels(context.Background(), time.Time{}, time.Time{})
	if err == nil || !strings.HasSuffix(err.Error(), `no org id; this Loki is multi-tenant: set tenant = "<org id>" in [contexts.staging.loki] (or pass --org-id)`) {
		t.Fatalf("labels: %v", err)
	}
	_, err = c.Tail(context.Background(), `{app="api"}`, time.Time{}, 0, 0)
	var he *HTTPError
	if !errors.As(err, &he) || !he.NoOrgID() || !strings.Contains(err.Error(), "[contexts.staging.loki]") {
		t.Fatalf("tail: %v", err)
	}
	// a tenant was configured but a proxy dropped the header
	s := lokitest.New(lokitest.WithAuth())
	defer s.Close()
	s.Inject(lokitest.Fault{Status: 401, Body: "no org id\n"})
	c2, _ := New(Config{URL: s.URL(), Tenant: "team-a"})
	_, err = c2.Labels(context.Background(), time.Time{}, time.Time{})
	if err == nil || !strings.Contains(err.Error(), `X-Scope-OrgID "team-a" was sent but did not reach Loki`) {
		t.Fatalf("dropped header: %v", err)
	}
}
