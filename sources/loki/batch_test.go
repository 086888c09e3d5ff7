package loki

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"oncall/sources/loki/lokitest"
)

// pushBatchData stores 2,500 lines over two streams: 1,200 spread over
// distinct nanoseconds, then 1,300 sharing one nanosecond (650 per stream,
// more than a batch), then none after. It returns the lines in forward order
// as Loki sorts them (time, then stream labels, then push order).
func pushBatchData(s *lokitest.Server) []string {
	a := map[string]string{"app": "api", "pod": "a"}
	b := map[string]string{"app": "api", "pod": "b"}
	var forward []string
	for i := 0; i < 1200; i++ {
		lbl := a
		if i%2 == 1 {
			lbl = b
		}
		line := fmt.Sprintf("spread %04d", i)
		s.Push(lbl, t0.Add(time.Duration(i)*time.Millisecond), line, nil)
		forward = append(forward, line)
	}
	crowded := t0.Add(1500 * time.Millisecond)
	var la, lb []string
	for i := 0; i < 650; i++ {
		x, y := fmt.Sprintf("crowded a %03d", i), fmt.Sprintf("crowded b %03d", i)
		s.Push(a, crowded, x, nil)
		s.Push(b, crowded, y, nil)
		la, lb = append(la, x), append(lb, y)
	}
	return append(append(forward, la...), lb...)
}

func TestQueryRangeBatchedForward(t *testing.T) {
	s, c := newPair(t, Config{})
	want := pushBatchData(s)
	start, end := window()
	got, err := c.QueryRangeBatched(context.Background(), Query{Query: `{app="api"}`, Start: start, End: end, Direction: Forward}, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkBatch(t, got, want, true)
	if n := len(s.Requests()); n < 3 || n > 5 {
		t.Errorf("%d requests for 2,500 lines in batches of 1,000", n)
	}
	for _, r := range s.Requests() {
		if l, _ := strconv.Atoi(r.Query.Get("limit")); l > 2000 {
			t.Errorf("request limit %d grew past batch+seen", l)
		}
	}
}

func TestQueryRangeBatchedBackward(t *testing.T) {
	s, c := newPair(t, Config{})
	want := pushBatchData(s)
	start, end := window()
	got, err := c.QueryRangeBatched(context.Background(), Query{Query: `{app="api"}`, Start: start, End: end}, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkBatch(t, got, want, false)
}

// checkBatch verifies that got holds exactly the lines of want, once each,
// ordered by time in the direction (lines of one nanosecond in any order).
func checkBatch(t *testing.T, got []Entry, want []string, forward bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d", len(got), len(want))
	}
	seen := map[string]bool{}
	for i, e := range got {
		if seen[e.Line] {
			t.Fatalf("line %q returned twice", e.Line)
		}
		seen[e.Line] = true
		if i > 0 {
			prev, cur := got[i-1].Time, e.Time
			if forward && cur.Before(prev) || !forward && cur.After(prev) {
				t.Fatalf("out of order at %d: %v then %v", i, prev, cur)
			}
		}
	}
	for _, w := range want {
		if !seen[w] {
			t.Fatalf("line %q missing", w)
		}
	}
	// Lines with distinct timestamps must be in exact order.
	spread := []string{}
	for _, e := range got {
		if strings.HasPrefix(e.Line, "spread") {
			spread = append(spread, e.Line)
		}
	}
	for i := range spread {
		j := i
		if !forward {
			j = len(spread) - 1 - i
		}
		if spread[i] != want[j] {
			t.Fatalf("spread line %d = %q, want %q", i, spread[i], want[j])
		}
	}
}

func TestQueryRangeBatchedMax(t *testing.T) {
	s, c := newPair(t, Config{})
	want := pushBatchData(s)
	start, end := window()
	got, err := c.QueryRangeBatched(context.Background(), Query{Query: `{app="api"}`, Start: start, End: end, Direction: Forward}, 500, 1234)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1234 {
		t.Fatalf("got %d lines, want max 1234", len(got))
	}
	for i := 0; i < 1200; i++ {
		if got[i].Line != want[i] {
			t.Fatalf("line %d = %q, want %q", i, got[i].Line, want[i])
		}
	}
}

func TestQueryRangeBatchedAllInOneNanosecond(t *testing.T) {
	s, c := newPair(t, Config{})
	lbl := map[string]string{"app": "api"}
	for i := 0; i < 2500; i++ {
		s.Push(lbl, t0, fmt.Sprintf("same ns %04d", i), nil)
	}
	for _, dir := range []Direction{Forward, Backward} {
		got, err := c.QueryRangeBatched(context.Background(), Query{Query: `{app="api"}`, Start: t0, End: t0.Add(time.Second), Direction: dir}, 1000, 0)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		uniq := map[string]bool{}
		for _, e := range got {
			uniq[e.Line] = true
		}
		if len(got) != 2500 || len(uniq) != 2500 {
			t.Fatalf("%s: got %d lines (%d unique), want 2500", dir, len(got), len(uniq))
		}
	}
}

func TestQueryRangeBatchedStopsWithoutProgress(t *testing.T) {
	s, c := newPair(t, Config{})
	// A broken server that ignores the window and always answers the same
	// two lines must not make the client loop.
	s.Inject(lokitest.Fault{Status: 200, ContentType: "application/json", Body: `{"status":"success","data":{"resultType":"streams","result":[
		{"stream":{"app":"api"},"values":[["1700000000000000001","one"],["1700000000000000000","two"]]}]}}`})
	got, err := c.QueryRangeBatched(context.Background(), Query{Query: `{app="api"}`, Start: t0, End: t0.Add(time.Second)}, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Line != "one" || got[1].Line != "two" {
		t.Fatalf("got %+v", got)
	}
	if n := len(s.Requests()); n > 3 {
		t.Errorf("%d requests to a server making no progress", n)
	}
}

func TestQueryRangeBatchedRejectsMetricQuery(t *testing.T) {
	s, c := newPair(t, Config{})
	s.Inject(lokitest.Fault{Status: 200, Body: `{"status":"success","data":{"resultType":"matrix","result":[]}}`})
	if _, err := c.QueryRangeBatched(context.Background(), Query{Query: `rate({app="api"}[1m])`}, 10, 0); err == nil || !strings.Contains(err.Error(), "matrix") {
		t.Fatalf("error = %v", err)
	}
	if _, err := c.QueryRangeBatched(context.Background(), Query{Query: `{app="api"}`}, 0, 0); err == nil {
		t.Fatal("batch 0 accepted")
	}
}
