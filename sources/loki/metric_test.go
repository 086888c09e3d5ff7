package loki

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// metricLoki answers metric query_range requests the way Loki does: it
// refuses a window over maxLen (max_query_length) and more than 11,000
// points a series, and evaluates two series at start, start+step, … ≤ end,
// each sample's value its timestamp in seconds. It records every request.
type metricLoki struct {
	maxLen time.Duration
	mu     sync.Mutex
	asked  []metricAsk
}

type metricAsk struct {
	start, end time.Time
	step       time.Duration
	query      string
}

func (m *metricLoki) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/loki/api/v1/query_range" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	ns := func(k string) time.Time { n, _ := strconv.ParseInt(q.Get(k), 10, 64); return time.Unix(0, n) }
	sec, err := strconv.ParseFloat(q.Get("step"), 64)
	if err != nil || sec <= 0 {
		http.Error(w, "zero or negative query resolution step widths are not accepted. Try a positive integer", http.StatusBadRequest)
		return
	}
	ask := metricAsk{start: ns("start"), end: ns("end"), step: time.Duration(sec * float64(time.Second)), query: q.Get("query")}
	m.mu.Lock()
	m.asked = append(m.asked, ask)
	m.mu.Unlock()
	if l := ask.end.Sub(ask.start); m.maxLen > 0 && l > m.maxLen {
		http.Error(w, fmt.Sprintf("the query time range exceeds the limit (query length: %s, limit: %s)", l, model.Duration(m.maxLen)), http.StatusBadRequest)
		return
	}
	if ask.end.Sub(ask.start)/ask.step > maxPoints {
		http.Error(w, "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)", http.StatusBadRequest)
		return
	}
	type series struct {
		Metric map[string]string `json:"metric"`
		Values [][2]any          `json:"values"`
	}
	var out []series
	for _, svc := range []string{"api", "db"} {
		s := series{Metric: map[string]string{"service_name": svc}}
		for t := ask.start; !t.After(ask.end); t = t.Add(ask.step) {
			s.Values = append(s.Values, [2]any{float64(t.UnixMilli()) / 1000, strconv.FormatInt(t.Unix(), 10)})
		}
		out = append(out, s)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": out}})
}

func metricPair(t *testing.T, maxLen time.Duration) (*metricLoki, *Client) {
	t.Helper()
	m := &metricLoki{maxLen: maxLen}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	c, err := New(Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return m, c
}

const countQuery = `sum by (service_name) (count_over_time({service_name=~".+"} |= "too many clients" [1m]))`

// checkSteps asserts a series has exactly the samples of [start, end] at
// step: none missing, none twice, each valued at its time.
func checkSteps(t *testing.T, ss *model.SampleStream, start, end time.Time, step time.Duration) {
	t.Helper()
	want := int(end.Sub(start)/step) + 1
	if len(ss.Values) != want {
		t.Fatalf("%s: %d samples, want %d", ss.Metric, len(ss.Values), want)
	}
	for i, v := range ss.Values {
		at := start.Add(time.Duration(i) * step)
		if !v.Timestamp.Time().Equal(at) || float64(v.Value) != float64(at.Unix()) {
			t.Fatalf("%s sample %d: %v at %v, want %d at %v", ss.Metric, i, v.Value, v.Timestamp.Time(), at.Unix(), at)
		}
	}
}

func TestMetricRangeReturnsTheMatrix(t *testing.T) {
	m, c := metricPair(t, 0)
	start, end := t0, t0.Add(30*time.Minute)
	mx, err := c.MetricRange(context.Background(), countQuery, start, end, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(mx) != 2 || mx[0].Metric["service_name"] != "api" || mx[1].Metric["service_name"] != "db" {
		t.Fatalf("matrix %v", mx)
	}
	for _, ss := range mx {
		checkSteps(t, ss, start, end, time.Minute)
	}
	if len(m.asked) != 1 || m.asked[0].query != countQuery || m.asked[0].step != time.Minute {
		t.Fatalf("requests %+v", m.asked)
	}
}

func TestMetricRangeSplitsAWindowOverMaxQueryLength(t *testing.T) {
	m, c := metricPair(t, time.Hour)
	start, end := t0, t0.Add(5*time.Hour+30*time.Minute)
	mx, err := c.MetricRange(context.Background(), countQuery, start, end, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(mx) != 2 {
		t.Fatalf("matrix %v", mx)
	}
	for _, ss := range mx {
		checkSteps(t, ss, start, end, time.Minute) // merged: no step lost, none twice
	}
	if len(m.asked) < 7 {
		t.Fatalf("%d requests: the window was not split", len(m.asked))
	}
	for _, a := range m.asked[1:] {
		if a.end.Sub(a.start) > time.Hour || a.step != time.Minute {
			t.Fatalf("a piece Loki refuses: %+v", a)
		}
	}
}

func TestMetricRangeKeepsWithinLokisPointsPerSeries(t *testing.T) {
	m, c := metricPair(t, 0)
	start, end := t0, t0.Add(7*24*time.Hour)
	mx, err := c.MetricRange(context.Background(), countQuery, start, end, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	step := m.asked[0].step
	if len(m.asked) != 1 || step < 55*time.Second || end.Sub(start)/step > maxPoints {
		t.Fatalf("asked %+v", m.asked)
	}
	checkSteps(t, mx[0], start, end, step)

	// no step: Loki's default, the window over 250
	m.asked = nil
	if _, err := c.MetricRange(context.Background(), countQuery, start, start.Add(250*time.Minute), 0); err != nil || m.asked[0].step != time.Minute {
		t.Fatalf("default step: %v %+v", err, m.asked)
	}
}

func TestMetricRangeRefusals(t *testing.T) {
	_, c := metricPair(t, time.Minute)
	// a window that would take more than maxPieces requests
	_, err := c.MetricRange(context.Background(), countQuery, t0, t0.Add(30*24*time.Hour), time.Minute)
	if err == nil || !strings.Contains(err.Error(), "max_query_length") || !strings.Contains(err.Error(), "narrow the window") {
		t.Fatalf("err %v", err)
	}
	// a log query is not a metric query
	if _, err := c.MetricRange(context.Background(), `{app="api"} |= "x"`, t0, t0.Add(time.Hour), time.Minute); err == nil || !strings.Contains(err.Error(), "log query") {
		t.Fatalf("log query: %v", err)
	}
	// Loki's own refusal comes back as an *HTTPError with its text
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "maximum number of series (500) reached for a single query", http.StatusBadRequest)
	}))
	defer srv.Close()
	c2, _ := New(Config{URL: srv.URL})
	_, err = c2.MetricRange(context.Background(), countQuery, t0, t0.Add(time.Hour), time.Minute)
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 400 || !strings.Contains(err.Error(), "maximum number of series (500)") {
		t.Fatalf("err %v", err)
	}
}
