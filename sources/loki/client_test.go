package loki

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"oncall/internal/httpx"
	"oncall/sources/loki/lokitest"
)

var t0 = time.Unix(1_700_000_000, 0)

func newPair(t *testing.T, cfg Config, opts ...lokitest.Option) (*lokitest.Server, *Client) {
	t.Helper()
	s := lokitest.New(opts...)
	t.Cleanup(s.Close)
	cfg.URL = s.URL()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, c
}

func window() (time.Time, time.Time) { return t0.Add(-time.Minute), t0.Add(time.Hour) }

func TestNewRejectsBadURL(t *testing.T) {
	for _, raw := range []string{"", "  ", "://nope", "ftp://loki:3100", "http://", "http://user:hunter22@loki:3100/?token=abc"} {
		_, err := New(Config{URL: raw})
		if err == nil {
			t.Errorf("New(%q): no error", raw)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "hunter22") || strings.Contains(msg, "token=abc") || strings.Contains(msg, "\n") {
			t.Errorf("New(%q): error leaks or spans lines: %q", raw, msg)
		}
	}
	if _, err := New(Config{URL: "https://loki.example:3100/prefix/"}); err != nil {
		t.Fatalf("valid URL refused: %v", err)
	}
}

func TestQueryRangeStreamsBothDirections(t *testing.T) {
	s, c := newPair(t, Config{})
	api := map[string]string{"app": "api", "env": "prod"}
	web := map[string]string{"app": "web", "env": "prod"}
	for i := 0; i < 5; i++ {
		s.Push(api, t0.Add(time.Duration(2*i)*time.Second), "api line "+strconv.Itoa(i), nil)
		s.Push(web, t0.Add(time.Duration(2*i+1)*time.Second), "web line "+strconv.Itoa(i), nil)
	}
	start, end := window()
	res, err := c.QueryRange(context.Background(), Query{Query: `{env="prod"}`, Start: start, End: end, Limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Type != "streams" || len(res.Entries) != 4 {
		t.Fatalf("got type %q with %d entries, want streams with 4", res.Type, len(res.Entries))
	}
	wantBack := []string{"web line 4", "api line 4", "web line 3", "api line 3"}
	for i, e := range res.Entries {
		if e.Line != wantBack[i] {
			t.Errorf("backward[%d] = %q, want %q", i, e.Line, wantBack[i])
		}
	}
	if res.Entries[0].Labels["app"] != "web" || !res.Entries[0].Time.Equal(t0.Add(9*time.Second)) {
		t.Errorf("first entry = %+v", res.Entries[0])
	}
	if res.Stats == nil {
		t.Error("stats not decoded")
	}

	res, err = c.QueryRange(context.Background(), Query{Query: `{app="api"} |= "line"`, Start: start, End: end, Limit: 3, Direction: Forward})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range res.Entries {
		if want := "api line " + strconv.Itoa(i); e.Line != want {
			t.Errorf("forward[%d] = %q, want %q", i, e.Line, want)
		}
	}

	req := s.Requests()[len(s.Requests())-1]
	if req.Path != "/loki/api/v1/query_range" {
		t.Fatalf("path %q", req.Path)
	}
	for k, want := range map[string]string{
		"start": strconv.FormatInt(start.UnixNano(), 10), "end": strconv.FormatInt(end.UnixNano(), 10),
		"limit": "3", "direction": "forward", "query": `{app="api"} |= "line"`,
	} {
		if got := req.Query.Get(k); got != want {
			t.Errorf("param %s = %q, want %q", k, got, want)
		}
	}
	if req.Header.Get("X-Loki-Response-Encoding-Flags") != "" {
		t.Error("encoding flag sent without Categorize")
	}
}

func TestQueryRangeStartInclusiveEndExclusive(t *testing.T) {
	s, c := newPair(t, Config{})
	lbl := map[string]string{"app": "api"}
	for i := 0; i < 3; i++ {
		s.Push(lbl, t0.Add(time.Duration(i)*time.Second), "l"+strconv.Itoa(i), nil)
	}
	res, err := c.QueryRange(context.Background(), Query{Query: `{app="api"}`, Start: t0, End: t0.Add(2 * time.Second), Direction: Forward})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 2 || res.Entries[0].Line != "l0" || res.Entries[1].Line != "l1" {
		t.Fatalf("entries %+v, want l0,l1", res.Entries)
	}
}

func TestQueryRangeCategorizedLabels(t *testing.T) {
	s, c := newPair(t, Config{})
	stream := map[string]string{"app": "api"}
	s.Push(stream, t0, `{"level":"error","msg":"boom","http":{"status":500}}`, map[string]string{"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"})
	s.Push(stream, t0.Add(time.Second), `{"level":"info","msg":"ok"}`, nil)
	start, end := window()
	q := Query{Query: `{app="api"} | json | level="error"`, Start: start, End: end, Categorize: true}

	res, err := c.QueryRange(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 1 {
		t.Fatalf("got %d entries, want 1", len(res.Entries))
	}
	e := res.Entries[0]
	if len(e.Labels) != 1 || e.Labels["app"] != "api" {
		t.Errorf("categorized stream labels = %v, want only app", e.Labels)
	}
	if e.StructuredMetadata["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("structured metadata = %v", e.StructuredMetadata)
	}
	if e.Parsed["level"] != "error" || e.Parsed["http_status"] != "500" || e.Parsed["msg"] != "boom" {
		t.Errorf("parsed = %v", e.Parsed)
	}
	if got := s.Requests()[0].Header.Get("X-Loki-Response-Encoding-Flags"); got != "categorize-labels" {
		t.Errorf("encoding flag header = %q", got)
	}

	q.Categorize = false
	res, err = c.QueryRange(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	e = res.Entries[0]
	if e.StructuredMetadata != nil || e.Parsed != nil {
		t.Errorf("uncategorized answer has metadata %v / parsed %v", e.StructuredMetadata, e.Parsed)
	}
	if e.Labels["app"] != "api" || e.Labels["level"] != "error" || e.Labels["trace_id"] == "" {
		t.Errorf("merged labels = %v", e.Labels)
	}
}

func TestMatrixVectorScalarDecoding(t *testing.T) {
	s, c := newPair(t, Config{})
	s.Inject(lokitest.Fault{Path: "/loki/api/v1/query_range", Status: 200, ContentType: "application/json", Times: 1, Body: `{"status":"success","data":{"resultType":"matrix","result":[
		{"metric":{"level":"error"},"values":[[1700000000.5,"3"],[1700000060,"NaN"],[1700000120.000000001,"+Inf"]]},
		{"metric":{},"values":[[1700000000,"1.25"]]}],"stats":{"summary":{"execTime":0.01}}}}`})
	res, err := c.QueryRange(context.Background(), Query{Query: `sum by (level) (rate({app="api"}[1m]))`, Step: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.Type != "matrix" || len(res.Series) != 2 {
		t.Fatalf("got %q with %d series", res.Type, len(res.Series))
	}
	s0 := res.Series[0]
	if s0.Labels["level"] != "error" || len(s0.Samples) != 3 {
		t.Fatalf("series 0 = %+v", s0)
	}
	if !s0.Samples[0].Time.Equal(time.Unix(1_700_000_000, 500_000_000)) || s0.Samples[0].Value != 3 {
		t.Errorf("sample 0 = %+v", s0.Samples[0])
	}
	if !math.IsNaN(s0.Samples[1].Value) || !math.IsInf(s0.Samples[2].Value, 1) {
		t.Errorf("special values = %v, %v", s0.Samples[1].Value, s0.Samples[2].Value)
	}
	if !s0.Samples[2].Time.Equal(time.Unix(1_700_000_120, 1)) {
		t.Errorf("nanosecond timestamp lost: %v", s0.Samples[2].Time)
	}
	if res.Series[1].Samples[0].Value != 1.25 || res.Series[1].Labels == nil {
		t.Errorf("series 1 = %+v", res.Series[1])
	}
	if got := s.Requests()[0].Query.Get("step"); got != "60" {
		t.Errorf("step param = %q, want 60", got)
	}

	s.Inject(lokitest.Fault{Status: 200, Times: 1, Body: `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"app":"api"},"value":[1700000000,"42"]}]}}`})
	res, err = c.QueryRange(context.Background(), Query{Query: `count_over_time({app="api"}[5m])`})
	if err != nil {
		t.Fatal(err)
	}
	if res.Type != "vector" || len(res.Series) != 1 || res.Series[0].Samples[0].Value != 42 || res.Series[0].Labels["app"] != "api" {
		t.Errorf("vector = %+v", res)
	}
}

func TestLabelsValuesSeries(t *testing.T) {
	s, c := newPair(t, Config{})
	s.Push(map[string]string{"app": "api", "env": "prod"}, t0, "a", nil)
	s.Push(map[string]string{"app": "web", "env": "prod"}, t0, "b", nil)
	s.Push(map[string]string{"app": "db", "env": "dev", "zone": "z1"}, t0, "c", nil)
	s.Push(map[string]string{"app": "old"}, t0.Add(-48*time.Hour), "outside the window", nil)
	ctx := context.Background()
	start, end := window()

	names, err := c.Labels(ctx, start, end)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "app,env,zone" {
		t.Errorf("labels = %v", names)
	}
	values, err := c.LabelValues(ctx, "app", start, end)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(values, ",") != "api,db,web" {
		t.Errorf("values = %v", values)
	}
	none, err := c.LabelValues(ctx, "missing", start, end)
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("values of missing label = %v, %v; want empty non-nil", none, err)
	}
	sets, err := c.Series(ctx, []string{`{env="prod"}`, `{zone=~"z.*"}`}, start, end)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 3 {
		t.Fatalf("series = %v, want 3 sets", sets)
	}
	last := s.Requests()[len(s.Requests())-1]
	if got := last.Query["match[]"]; len(got) != 2 || got[1] != `{zone=~"z.*"}` {
		t.Errorf("match[] params = %v", got)
	}
	if _, err := c.Series(ctx, nil, start, end); err == nil {
		t.Error("Series without matchers: no error")
	}
}

func TestSelectorAndLineFilterEscaping(t *testing.T) {
	s, c := newPair(t, Config{})
	tricky := `we"ird\path`
	s.Push(map[string]string{"app": tricky}, t0, `needle "quoted" \ back`, nil)
	s.Push(map[string]string{"app": tricky}, t0.Add(time.Second), `haystack`, nil)
	s.Push(map[string]string{"app": "other"}, t0, `needle "quoted" \ back`, nil)
	sel := Selector(map[string]string{"app": tricky})
	if sel != `{app="we\"ird\\path"}` {
		t.Errorf("Selector = %s", sel)
	}
	if got := Selector(map[string]string{"b": "2", "a": "1", "bad-name": "x"}); got != `{a="1", b="2", bad_name="x"}` {
		t.Errorf("Selector = %s", got)
	}
	start, end := window()
	res, err := c.QueryRange(context.Background(), Query{Query: sel + " " + LineFilterContains(`"quoted" \`), Start: start, End: end})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 1 || res.Entries[0].Labels["app"] != tricky {
		t.Fatalf("escaped query matched %+v", res.Entries)
	}
}

func TestTenantHeader(t *testing.T) {
	s, c := newPair(t, Config{Tenant: "team-a"}, lokitest.WithTenant("team-a"))
	s.Push(map[string]string{"app": "api"}, t0, "hello", nil)
	start, end := window()
	res, err := c.QueryRange(context.Background(), Query{Query: `{app="api"}`, Start: start, End: end})
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("with tenant: %v, %+v", err, res)
	}
	if got := s.Requests()[0].Header.Get("X-Scope-OrgID"); got != "team-a" {
		t.Errorf("X-Scope-OrgID = %q", got)
	}
	noTenant, err := New(Config{URL: s.URL(), Context: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = noTenant.QueryRange(context.Background(), Query{Query: `{app="api"}`})
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 401 || !he.NoOrgID() ||
		err.Error() != `loki: 401 Unauthorized: no org id; this Loki is multi-tenant: set tenant = "<org id>" in [contexts.prod.loki] (or pass --org-id)` {
		t.Errorf("without tenant: %v", err)
	}
}

func TestBearerTokenPassedAndNeverLeaked(t *testing.T) {
	const token = "s3cr3t-token-value"
	s, c := newPair(t, Config{Client: httpx.ClientConfig{BearerToken: token}}, lokitest.WithBearerToken(token))
	if _, err := c.Labels(context.Background(), time.Time{}, time.Time{}); err != nil {
		t.Fatalf("authorized call failed: %v", err)
	}
	if got := s.Requests()[0].Header.Get("Authorization"); got != "Bearer "+token {
		t.Errorf("Authorization = %q", got)
	}
	s.Inject(lokitest.Fault{Status: 403, Body: "denied for Bearer " + token + "\n", Times: 1})
	_, err := c.Labels(context.Background(), time.Time{}, time.Time{})
	if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error = %v; want scrubbed token", err)
	}
	wrong, _ := New(Config{URL: s.URL(), Client: httpx.ClientConfig{BearerToken: "nope-nope"}})
	if _, err := wrong.Labels(context.Background(), time.Time{}, time.Time{}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong token: %v", err)
	}
}

func TestReady(t *testing.T) {
	s, c := newPair(t, Config{})
	if err := c.Ready(context.Background()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	s.Inject(lokitest.Fault{Path: "/ready", Status: 503, Body: "Ingester not ready: waiting for 15s after being ready\n"})
	err := c.Ready(context.Background())
	if err == nil || err.Error() != "loki: 503 Service Unavailable: Ingester not ready: waiting for 15s after being ready" {
		t.Errorf("Ready = %v", err)
	}
}

func TestTimeout(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer hang.Close()
	c, err := New(Config{URL: hang.URL, Client: httpx.ClientConfig{Timeout: 150 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	err = c.Ready(context.Background())
	if err == nil || time.Since(began) > 3*time.Second {
		t.Fatalf("Ready against a hanging server: %v after %s", err, time.Since(began))
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("multi-line error %q", err)
	}
}

func TestBaseURLWithPathPrefix(t *testing.T) {
	fake := lokitest.NewHandler()
	fake.Push(map[string]string{"app": "api"}, t0, "behind a gateway", nil)
	mux := http.NewServeMux()
	mux.Handle("/gateway/loki/", http.StripPrefix("/gateway/loki", fake))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := New(Config{URL: srv.URL + "/gateway/loki/"})
	if err != nil {
		t.Fatal(err)
	}
	start, end := window()
	res, err := c.QueryRange(context.Background(), Query{Query: `{app="api"}`, Start: start, End: end})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 1 || res.Entries[0].Line != "behind a gateway" {
		t.Fatalf("entries %+v", res.Entries)
	}
	if fake.Requests()[0].Path != "/loki/api/v1/query_range" {
		t.Errorf("path seen by Loki: %q", fake.Requests()[0].Path)
	}
}

func TestLabelsMatchingScopesToASelectorAndWindow(t *testing.T) {
	s, c := newPair(t, Config{})
	s.Push(map[string]string{"service_name": "api", "level": "error"}, t0, "a", map[string]string{"trace_id": "t1"})
	s.Push(map[string]string{"service_name": "api", "level": "info"}, t0, "b", nil)
	s.Push(map[string]string{"service_name": "db", "severity": "warn"}, t0, "c", nil)
	s.Push(map[string]string{"service_name": "api", "level": "fatal"}, t0.Add(-3*time.Hour), "before the window", nil)
	ctx := context.Background()
	start, end := window()
	names, err := c.LabelsMatching(ctx, ` {service_name="api"} `, start, end)
	if err != nil || strings.Join(names, ",") != "level,service_name" {
		t.Fatalf("names %v %v: structured metadata and other streams must not show", names, err)
	}
	values, err := c.LabelValuesMatching(ctx, "level", `{service_name="api"}`, start, end)
	if err != nil || strings.Join(values, ",") != "error,info" {
		t.Fatalf("values %v %v", values, err)
	}
	last := s.Requests()[len(s.Requests())-1]
	if last.Path != "/loki/api/v1/label/level/values" || last.Query.Get("query") != `{service_name="api"}` ||
		last.Query.Get("start") != nanos(start) || last.Query.Get("end") != nanos(end) {
		t.Errorf("request %s %v", last.Path, last.Query)
	}
	if _, err := c.LabelsMatching(ctx, `{service_name=`, start, end); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("bad selector: %v", err)
	}
	if all, err := c.LabelsMatching(ctx, "", time.Time{}, time.Time{}); err != nil || len(all) != 0 {
		// the default window (Loki's last six hours) holds none of the t0 lines
		t.Errorf("unscoped, default window: %v %v", all, err)
	}
}
