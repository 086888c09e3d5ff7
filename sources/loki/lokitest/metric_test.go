package lokitest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tm is a minute boundary (1699999980 = 28333333 × 60), so a one-minute
// step is aligned at tm.
var tm = time.Unix(1_699_999_980, 0)

// at is tm plus sec seconds.
func at(sec int) time.Time { return tm.Add(time.Duration(sec) * time.Second) }

// metricServer holds two streams of app="api" with lines at known seconds
// after tm:
//
//	{app="api", env="prod"}  1 2 10 60 61 130   (JSON lines; 60 and 130 are timeouts on b-2)
//	{app="api", env="dev"}   59 120             (plain text)
//	{app="db",  env="prod"}  5                  (another app)
func metricServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := New(opts...)
	t.Cleanup(s.Close)
	prod := map[string]string{"app": "api", "env": "prod"}
	for _, l := range []struct {
		sec  int
		line string
	}{
		{1, `{"level":"info","instance":"a-1","msg":"ok"}`},
		{2, `{"level":"info","instance":"b-2","msg":"ok"}`},
		{10, `{"level":"error","instance":"a-1","msg":"timeout acquiring connection"}`},
		{60, `{"level":"error","instance":"b-2","msg":"timeout acquiring connection"}`},
		{61, `{"level":"info","instance":"a-1","msg":"ok"}`},
		{130, `{"level":"error","instance":"b-2","msg":"timeout acquiring connection"}`},
	} {
		s.Push(prod, at(l.sec), l.line, nil)
	}
	dev := map[string]string{"app": "api", "env": "dev"}
	s.Push(dev, at(59), "dev line one", nil)
	s.Push(dev, at(120), "dev line two!", nil)
	s.Push(map[string]string{"app": "db", "env": "prod"}, at(5), "db", nil)
	return s
}

type matrixResp struct {
	Status string `json:"status"`
	Data   struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Values [][2]any          `json:"values"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
		Stats map[string]any `json:"stats"`
	} `json:"data"`
}

// render writes a matrix as `{labels} sec=value sec=value; …`, seconds
// after tm, series in the order returned.
func render(t *testing.T, body string) string {
	t.Helper()
	var r matrixResp
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if r.Status != "success" || r.Data.ResultType != "matrix" {
		t.Fatalf("status %q resultType %q", r.Status, r.Data.ResultType)
	}
	var out []string
	for _, s := range r.Data.Result {
		part := labelsKey(s.Metric)
		for _, v := range s.Values {
			ts, ok := v[0].(float64)
			val, vok := v[1].(string)
			if !ok || !vok {
				t.Fatalf("sample %v is not [number, string]", v)
			}
			part += fmt.Sprintf(" %d=%s", int64(ts)-tm.Unix(), val)
		}
		out = append(out, part)
	}
	return strings.Join(out, "; ")
}

// rangeQuery asks query_range for q from tm+30s to tm+150s at a 1m step:
// Loki evaluates it at tm, tm+60, tm+120 and tm+180 (start rounded down,
// end up).
func rangeQuery(t *testing.T, s *Server, q string) (int, string) {
	t.Helper()
	return get(t, s, "/loki/api/v1/query_range", url.Values{"query": {q}, "start": {ns(at(30))}, "end": {ns(at(150))}, "step": {"60"}}, nil)
}

// Each window is (t-1m, t]: a line at tm+60 counts at tm+60, not at
// tm+120; a step with no line in the window has no point.
func TestMetricQueriesCountByHand(t *testing.T) {
	s := metricServer(t)
	const (
		prod = `{app="api", env="prod"}`
		dev  = `{app="api", env="dev"}`
	)
	cases := []struct{ query, want string }{
		{`count_over_time({app="api"}[1m])`, dev + ` 60=1 120=1; ` + prod + ` 60=4 120=1 180=1`},
		// the range after the pipeline, after the selector, after a parenthesised log query
		{`count_over_time({app="api"} |= "timeout" [1m])`, prod + ` 60=2 180=1`},
		{`count_over_time({app="api"}[1m] |= "timeout")`, prod + ` 60=2 180=1`},
		{`count_over_time(({app="api"} |= "timeout")[1m])`, prod + ` 60=2 180=1`},
		{`rate({app="api", env="prod"}[1m])`, prod + ` 60=0.06666666666666667 120=0.016666666666666666 180=0.016666666666666666`},
		{`bytes_over_time({env="dev"}[1m])`, dev + ` 60=12 120=13`},
		{`bytes_rate({env="dev"}[2m])`, dev + ` 60=0.1 120=0.20833333333333334 180=0.10833333333333334`},
		// vector aggregations, the grouping before or after
		{`sum(count_over_time({app="api"}[1m]))`, `{} 60=5 120=2 180=1`},
		{`sum by (app) (count_over_time({app="api"}[1m]))`, `{app="api"} 60=5 120=2 180=1`},
		{`sum(count_over_time({app="api"}[1m])) by (app)`, `{app="api"} 60=5 120=2 180=1`},
		{`sum without (env) (count_over_time({app="api"}[1m]))`, `{app="api"} 60=5 120=2 180=1`},
		{`sum(count_over_time({app="api"}[1m])) without (app)`, `{env="dev"} 60=1 120=1; {env="prod"} 60=4 120=1 180=1`},
		{`count(count_over_time({app="api"}[1m]))`, `{} 60=2 120=2 180=1`},
		{`min(count_over_time({app="api"}[1m]))`, `{} 60=1 120=1 180=1`},
		{`max by (app) (count_over_time({app="api"}[1m]))`, `{app="api"} 60=4 120=1 180=1`},
		{`avg(count_over_time({app="api"}[1m]))`, `{} 60=2.5 120=1 180=1`},
		{`topk(1, count_over_time({app="api"}[1m]))`, dev + ` 120=1; ` + prod + ` 60=4 180=1`},
		{`bottomk(1, count_over_time({app="api"}[1m]))`, dev + ` 60=1 120=1; ` + prod + ` 180=1`},
		// with a number: arithmetic, a comparison filters, with bool it is 1 or 0
		{`sum(count_over_time({app="api"}[1m])) > 1`, `{} 60=5 120=2`},
		{`sum(count_over_time({app="api"}[1m])) > bool 1`, `{} 60=1 120=1 180=0`},
		{`2 <= sum(count_over_time({app="api"}[1m]))`, `{} 60=5 120=2`},
		{`sum(count_over_time({app="api"}[1m])) / 60 * 2`, `{} 60=0.16666666666666666 120=0.06666666666666667 180=0.03333333333333333`},
		{`sum(count_over_time({app="api"}[1m])) + 2 ^ 3 ^ 2 - 1`, `{} 60=516 120=513 180=512`}, // ^ is right-associative
		{`-1 + sum(count_over_time({app="api"}[1m]))`, `{} 60=4 120=1 180=0`},
		{`sum(count_over_time({app="api"}[1m])) > 60 * 0.05`, `{} 60=5`},
		// two vectors, matched on all labels
		{`sum by (env) (count_over_time({app="api"} |= "timeout" [1m])) / sum by (env) (count_over_time({app="api"}[1m]))`, `{env="prod"} 60=0.5 180=1`},
		{`count_over_time({app="api"}[1m]) and count_over_time({app="api"} |= "timeout" [1m])`, prod + ` 60=4 180=1`},
		{`count_over_time({app="api"}[1m]) unless count_over_time({app="api"} |= "timeout" [1m])`, dev + ` 60=1 120=1; ` + prod + ` 120=1`},
		{`sum by (env) (count_over_time({env="dev"}[1m])) or sum by (env) (count_over_time({app="api", env="prod"}[1m]))`, `{env="dev"} 60=1 120=1; {env="prod"} 60=4 120=1 180=1`},
		// nothing matches: an empty matrix
		{`count_over_time({app="nope"}[1m])`, ``},
	}
	for _, tc := range cases {
		code, body := rangeQuery(t, s, tc.query)
		if code != 200 {
			t.Errorf("%s: %d %s", tc.query, code, body)
			continue
		}
		if got := render(t, body); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.query, got, tc.want)
		}
	}
}

// A parser runs inside the range: its labels can be filtered on and
// grouped by, and each line it runs on is charged as in a log query.
func TestMetricQueryThroughAParser(t *testing.T) {
	s := metricServer(t)
	q := `sum by (instance) (count_over_time({app="api", env="prod"} |= "timeout" | json | instance=~"b-.*" [1m]))`
	code, body := rangeQuery(t, s, q)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if got, want := render(t, body), `{instance="b-2"} 60=1 180=1`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// lines read over (tm-1m, tm+180]: the six of the stream; json runs on
	// the three timeouts the line filter keeps
	if st := s.Stats(); st.LinesScanned != 6 || st.LinesParsed != 3 {
		t.Errorf("stats %+v, want 6 lines scanned and 3 parsed", st)
	}
	// numeric label filters on parsed labels
	s.Push(map[string]string{"app": "web"}, at(100), `{"status":503}`, nil)
	s.Push(map[string]string{"app": "web"}, at(101), `{"status":200}`, nil)
	s.Push(map[string]string{"app": "web"}, at(102), `{"status":500}`, nil)
	code, body = rangeQuery(t, s, `sum(count_over_time({app="web"} | json | status >= 500 [1m]))`)
	if got := render(t, body); code != 200 || got != `{} 120=2` {
		t.Errorf("status >= 500: %d %s", code, got)
	}
	// a line the parser cannot read fails the query, as in Loki, unless
	// the query drops it
	code, body = rangeQuery(t, s, `sum(count_over_time({app="api"} | json [1m]))`)
	if code != 400 || !strings.HasPrefix(body, `pipeline error: 'JSONParserErr' for series: '{__error__="JSONParserErr", app="api", env="dev"}'.`) {
		t.Errorf("parser error: %d %s", code, body)
	}
	code, body = rangeQuery(t, s, `sum(count_over_time({app="api"} | json | __error__="" [1m]))`)
	if got := render(t, body); code != 200 || got != `{} 60=4 120=1 180=1` {
		t.Errorf("errors dropped: %d %s", code, got)
	}
}

func TestMetricQueryLimitsAndErrors(t *testing.T) {
	s := metricServer(t, WithMaxQueryLength(time.Hour), WithMaxQuerySeries(1))
	q := `count_over_time({app="api"}[1m])`
	cases := []struct {
		name   string
		params url.Values
		want   string
	}{
		{"11,001 points", url.Values{"query": {q}, "start": {ns(at(0))}, "end": {ns(at(11001))}, "step": {"1"}},
			"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"},
		{"max_query_length", url.Values{"query": {`sum(` + q + `)`}, "start": {ns(at(0))}, "end": {ns(at(3601))}, "step": {"60"}},
			"the query time range exceeds the limit (query length: 1h0m1s, limit: 1h)"},
		{"max_query_series", url.Values{"query": {q}, "start": {ns(at(0))}, "end": {ns(at(120))}, "step": {"60"}},
			"maximum number of series (1) reached for a single query; consider reducing query cardinality by adding more specific stream selectors, reducing the time range, or aggregating results with functions like sum(), count() or topk()"},
		{"empty-compatible selector", url.Values{"query": {`count_over_time({app=~".*"}[1m])`}},
			`parse error at line 1, col 17: queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will`},
		{"no range", url.Values{"query": {`count_over_time({app="api"})`}}, "parse error at line 1, col 28: syntax error: unexpected )"},
		{"grouping out of place", url.Values{"query": {`sum by (app) count_over_time({app="api"}[1m])`}}, "parse error at line 1, col 14: syntax error: unexpected IDENTIFIER"},
		{"two groupings", url.Values{"query": {`sum by (app) (` + q + `) by (env)`}}, "parse error at line 1, col 49: syntax error: unexpected IDENTIFIER"},
		{"bad range", url.Values{"query": {`rate({app="api"}[5x])`}}, `parse error at line 1, col 17: unknown unit "x" in duration "5x"`},
		{"scalar comparison", url.Values{"query": {`sum(` + q + `) + (1 > 2)`}}, "parse error : comparisons between scalars must use BOOL modifier"},
		{"bool on arithmetic", url.Values{"query": {`sum(` + q + `) + bool 1`}}, "parse error : bool modifier can only be used on comparison operators"},
		{"unwrap", url.Values{"query": {`sum_over_time({app="api"} | json | unwrap n [1m])`}}, "sum_over_time: not supported by lokitest, the fake Loki"},
		{"on()", url.Values{"query": {`sum(` + q + `) / on(app) sum(` + q + `)`}}, "vector matching with on(…): not supported by lokitest, the fake Loki"},
		{"offset", url.Values{"query": {`count_over_time({app="api"}[1m] offset 1h)`}}, "offset: not supported by lokitest, the fake Loki"},
		{"byte filter", url.Values{"query": {`count_over_time({app="api"} | json | size > 20MB [1m])`}}, "a label filter on a duration or a byte size (20MB): not supported by lokitest, the fake Loki"},
	}
	for _, tc := range cases {
		code, body := get(t, s, "/loki/api/v1/query_range", tc.params, nil)
		if code != 400 || strings.TrimSpace(body) != tc.want {
			t.Errorf("%s: %d %q\nwant 400 %q", tc.name, code, body, tc.want)
		}
	}
	// the entry limit is a log query's: a metric query ignores it
	p := url.Values{"query": {`sum(` + q + `)`}, "start": {ns(at(0))}, "end": {ns(at(120))}, "step": {"60"}, "limit": {"100000"}}
	if code, body := get(t, s, "/loki/api/v1/query_range", p, nil); code != 200 {
		t.Errorf("limit over max_entries_limit_per_query on a metric query: %d %s", code, body)
	}
}

func TestInstantMetricQuery(t *testing.T) {
	s := metricServer(t)
	p := url.Values{"query": {`sum by (env) (count_over_time({app="api"}[1m]))`}, "time": {strconv.FormatInt(at(60).Unix(), 10) + ".5"}}
	code, body := get(t, s, "/loki/api/v1/query", p, nil)
	var r matrixResp
	if code != 200 || json.Unmarshal([]byte(body), &r) != nil || r.Data.ResultType != "vector" || len(r.Data.Result) != 2 {
		t.Fatalf("%d %s", code, body)
	}
	// (tm+0.5s, tm+60.5s]: prod's 1, 2, 10 and 60; dev's 59
	for i, want := range []string{`{env="dev"} 1700000040.5=1`, `{env="prod"} 1700000040.5=4`} {
		v := r.Data.Result[i]
		if got := fmt.Sprintf("%s %v=%v", labelsKey(v.Metric), json.Number(strconv.FormatFloat(v.Value[0].(float64), 'f', -1, 64)), v.Value[1]); got != want {
			t.Errorf("sample %d: %s, want %s", i, got, want)
		}
	}
	p.Set("query", `{app="api"}`)
	if code, body := get(t, s, "/loki/api/v1/query", p, nil); code != 400 || strings.TrimSpace(body) != errInstantLogQuery {
		t.Errorf("log query: %d %s", code, body)
	}
}

// Any query is parsed and, when it parses, evaluated without a panic.
func FuzzMetricQuery(f *testing.F) {
	for _, q := range []string{
		`sum by (app) (count_over_time({app="api"} |= "timeout" | json | instance=~"b.*" [1m])) > 5`,
		`topk(2, sum(rate({app="api"}[5m])) without (env)) / 60 ^ 2`,
		`count_over_time(({app="api"} | logfmt | n >= -3)[1m]) and bytes_rate({env="dev"}[2m]) or 1 > bool 2`,
		`{app="api"} | json | level="error"`,
		`sum(count_over_time({app="api"}[1m] offset 1h))`,
	} {
		f.Add(q)
	}
	s := metricServer(f)
	f.Fuzz(func(t *testing.T, q string) {
		_, n, err := parseExpr(q)
		if err != nil || n == nil {
			return
		}
		start := at(0).UnixNano()
		s.mu.Lock()
		defer s.mu.Unlock()
		_, _, _ = s.evalRange(SingleTenant, n, start, start+int64(3*time.Minute), time.Minute)
	})
}
