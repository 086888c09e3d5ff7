package lokitest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Unix(1_700_000_000, 0)

func ns(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

// get performs a request and returns status and body.
func get(t *testing.T, s *Server, path string, params url.Values, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL()+path+"?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type wireResp struct {
	Status string `json:"status"`
	Data   struct {
		ResultType    string            `json:"resultType"`
		EncodingFlags []string          `json:"encodingFlags"`
		Result        []json.RawMessage `json:"result"`
	} `json:"data"`
}

func TestQueryRangeWireFormat(t *testing.T) {
	s := New()
	defer s.Close()
	s.Push(map[string]string{"app": "api"}, t0, `{"level":"error"}`, map[string]string{"trace_id": "t1"})
	s.Push(map[string]string{"app": "api"}, t0.Add(time.Second), `{"level":"info"}`, nil)
	s.Push(map[string]string{"app": "api"}, t0.Add(2*time.Second), `{"level":"error"}`, nil)
	p := url.Values{"query": {`{app="api"} | json | level="error"`}, "start": {ns(t0)}, "end": {ns(t0.Add(2 * time.Second))}, "direction": {"forward"}}

	code, body := get(t, s, "/loki/api/v1/query_range", p, nil)
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	var r wireResp
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	// end is exclusive: the line at t0+2s is out; the merged label set of the
	// one line includes structured metadata and parsed labels.
	if r.Status != "success" || r.Data.ResultType != "streams" || len(r.Data.Result) != 1 || r.Data.EncodingFlags != nil {
		t.Fatalf("response %s", body)
	}
	want := `{"stream":{"app":"api","level":"error","trace_id":"t1"},"values":[["` + ns(t0) + `","{\"level\":\"error\"}"]]}`
	if string(r.Data.Result[0]) != want {
		t.Errorf("stream\n got %s\nwant %s", r.Data.Result[0], want)
	}

	code, body = get(t, s, "/loki/api/v1/query_range", p, map[string]string{"X-Loki-Response-Encoding-Flags": "categorize-labels"})
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	want = `{"stream":{"app":"api"},"values":[["` + ns(t0) + `","{\"level\":\"error\"}",{"structuredMetadata":{"trace_id":"t1"},"parsed":{"level":"error"}}]]}`
	if len(r.Data.EncodingFlags) != 1 || r.Data.EncodingFlags[0] != "categorize-labels" || string(r.Data.Result[0]) != want {
		t.Errorf("categorized\n got %s\nwant %s", body, want)
	}
}

func TestQueryRangeLimitDirectionValidation(t *testing.T) {
	s := New(WithMaxEntries(100))
	defer s.Close()
	for i := 0; i < 10; i++ {
		s.Push(map[string]string{"app": "api"}, t0.Add(time.Duration(i)*time.Second), "line "+strconv.Itoa(i), nil)
	}
	s.Push(map[string]string{"app": "api"}, t0, "line 0", nil) // duplicate: dropped
	base := url.Values{"query": {`{app="api"}`}, "start": {ns(t0)}, "end": {ns(t0.Add(time.Hour))}}
	lines := func(p url.Values) []string {
		code, body := get(t, s, "/loki/api/v1/query_range", p, nil)
		if code != 200 {
			t.Fatalf("status %d: %s", code, body)
		}
		var r struct {
			Data struct {
				Result []struct {
					Values [][]string `json:"values"`
				} `json:"result"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, st := range r.Data.Result {
			for _, v := range st.Values {
				out = append(out, v[1])
			}
		}
		return out
	}
	with := func(k, v string) url.Values {
		p := url.Values{}
		for kk, vv := range base {
			p[kk] = vv
		}
		p.Set(k, v)
		return p
	}
	if got := lines(with("limit", "3")); strings.Join(got, ",") != "line 9,line 8,line 7" {
		t.Errorf("default backward = %v", got)
	}
	p := with("limit", "3")
	p.Set("direction", "forward")
	if got := lines(p); strings.Join(got, ",") != "line 0,line 1,line 2" {
		t.Errorf("forward = %v", got)
	}
	if got := lines(base); len(got) != 10 {
		t.Errorf("default limit returned %d lines (duplicate push kept?)", len(got))
	}
	p = with("start", strconv.FormatFloat(float64(t0.Unix())+7, 'f', 1, 64)) // float seconds
	if got := lines(p); len(got) != 3 {
		t.Errorf("float-second start returned %v", got)
	}
	for _, bad := range []struct{ k, v, want string }{
		{"limit", "0", "limit must be a positive value"},
		{"limit", "101", "max entries limit per query exceeded, limit > max_entries_limit_per_query (101 > 100)"},
		{"direction", "sideways", "invalid direction 'sideways'"},
		{"end", ns(t0.Add(-time.Hour)), "end timestamp must not be before or equal to start time"},
		{"step", "0", "zero or negative query resolution step widths are not accepted. Try a positive integer"},
		{"start", "yesterday", `cannot parse "yesterday" to a valid timestamp`},
	} {
		code, body := get(t, s, "/loki/api/v1/query_range", with(bad.k, bad.v), nil)
		if code != 400 || strings.TrimSpace(body) != bad.want {
			t.Errorf("%s=%s: %d %q, want 400 %q", bad.k, bad.v, code, body, bad.want)
		}
	}
}

func TestTenantIsolationAndFaults(t *testing.T) {
	s := New(WithTenant("a"))
	defer s.Close()
	s.Push(map[string]string{"app": "api"}, t0, "x", nil)
	p := url.Values{"start": {ns(t0)}, "end": {ns(t0.Add(time.Minute))}}
	if code, body := get(t, s, "/loki/api/v1/labels", p, nil); code != 401 || strings.TrimSpace(body) != "no org id" {
		t.Errorf("no tenant: %d %q", code, body)
	}
	if _, body := get(t, s, "/loki/api/v1/labels", p, map[string]string{"X-Scope-OrgID": "a"}); body != `{"data":["app"],"status":"success"}` {
		t.Errorf("tenant a: %s", body)
	}
	if _, body := get(t, s, "/loki/api/v1/labels", p, map[string]string{"X-Scope-OrgID": "b"}); body != `{"data":[],"status":"success"}` {
		t.Errorf("tenant b sees data: %s", body)
	}
	s.Inject(Fault{Path: "/loki/api/v1/labels", Status: 503, Body: "down", Times: 2})
	for i := 0; i < 2; i++ {
		if code, body := get(t, s, "/loki/api/v1/labels", p, nil); code != 503 || body != "down" {
			t.Errorf("fault %d: %d %q", i, code, body)
		}
	}
	if code, _ := get(t, s, "/loki/api/v1/labels", p, map[string]string{"X-Scope-OrgID": "a"}); code != 200 {
		t.Errorf("fault outlived Times: %d", code)
	}
}

func TestLabelsWithQueryAndSeries(t *testing.T) {
	s := New()
	defer s.Close()
	s.Push(map[string]string{"app": "api", "env": "prod"}, t0, "x", nil)
	s.Push(map[string]string{"app": "db", "team": "data"}, t0, "y", nil)
	p := url.Values{"start": {ns(t0)}, "end": {ns(t0.Add(time.Minute))}, "query": {`{app="db"}`}}
	if _, body := get(t, s, "/loki/api/v1/labels", p, nil); body != `{"data":["app","team"],"status":"success"}` {
		t.Errorf("labels with query: %s", body)
	}
	if _, body := get(t, s, "/loki/api/v1/label/app/values", p, nil); body != `{"data":["db"],"status":"success"}` {
		t.Errorf("values with query: %s", body)
	}
	p.Del("query")
	if code, body := get(t, s, "/loki/api/v1/series", p, nil); code != 400 || !strings.Contains(body, "at least 1 matcher") {
		t.Errorf("series without match[]: %d %s", code, body)
	}
	p["match[]"] = []string{`{env="prod"}`, `{team="data"}`}
	if _, body := get(t, s, "/loki/api/v1/series", p, nil); body != `{"data":[{"app":"api","env":"prod"},{"app":"db","team":"data"}],"status":"success"}` {
		t.Errorf("series: %s", body)
	}
	if code, body := get(t, s, "/ready", nil, nil); code != 200 || strings.TrimSpace(body) != "ready" {
		t.Errorf("ready: %d %q", code, body)
	}
}
