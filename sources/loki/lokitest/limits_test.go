package lokitest

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestQueryLengthLimitUsesLokisMessage(t *testing.T) {
	s := New()
	defer s.Close()
	p := url.Values{"query": {`{app="api"}`}, "start": {ns(t0)}, "end": {ns(t0.Add(DefaultMaxQueryLength + time.Second))}}
	code, body := get(t, s, "/loki/api/v1/query_range", p, nil)
	want := "the query time range exceeds the limit (query length: 721h0m1s, limit: 30d1h)"
	if code != 400 || strings.TrimSpace(body) != want {
		t.Fatalf("%d %q, want 400 %q", code, body, want)
	}
	p.Set("end", ns(t0.Add(DefaultMaxQueryLength)))
	if code, body := get(t, s, "/loki/api/v1/query_range", p, nil); code != 200 {
		t.Fatalf("exactly the limit: %d %s", code, body)
	}
	s2 := New(WithMaxQueryLength(0))
	defer s2.Close()
	p.Set("end", ns(t0.Add(10000*time.Hour)))
	if code, body := get(t, s2, "/loki/api/v1/query_range", p, nil); code != 200 {
		t.Fatalf("limit disabled: %d %s", code, body)
	}
}

func TestDataIsPerTenant(t *testing.T) {
	s := New(WithAuth())
	defer s.Close()
	s.PushTenant("a", map[string]string{"app": "api"}, t0, "for a", nil)
	s.PushTenant("b", map[string]string{"app": "api"}, t0, "for b", nil)
	p := url.Values{"query": {`{app="api"}`}, "start": {ns(t0)}, "end": {ns(t0.Add(time.Minute))}}
	if code, body := get(t, s, "/loki/api/v1/query_range", p, nil); code != 401 || strings.TrimSpace(body) != "no org id" {
		t.Fatalf("no header: %d %q", code, body)
	}
	for _, org := range []string{"a", "b"} {
		_, body := get(t, s, "/loki/api/v1/query_range", p, map[string]string{"X-Scope-OrgID": org})
		if !strings.Contains(body, `"for `+org+`"`) || strings.Count(body, `"for `) != 1 {
			t.Errorf("tenant %s: %s", org, body)
		}
	}
	// without auth every request is the single tenant, whatever the header says
	s3 := New()
	defer s3.Close()
	s3.Push(map[string]string{"app": "api"}, t0, "single", nil)
	if _, body := get(t, s3, "/loki/api/v1/query_range", p, map[string]string{"X-Scope-OrgID": "zzz"}); !strings.Contains(body, `"single"`) {
		t.Errorf("auth disabled: %s", body)
	}
}

func TestParserCostAndCounters(t *testing.T) {
	s := New()
	defer s.Close()
	for i := 0; i < 1000; i++ {
		lvl := "info"
		if i%100 == 0 {
			lvl = "error"
		}
		s.Push(map[string]string{"app": "api"}, t0.Add(time.Duration(i)*time.Millisecond), `{"level":"`+lvl+`","n":`+strconv.Itoa(i)+`}`, nil)
		s.Push(map[string]string{"app": "web"}, t0.Add(time.Duration(i)*time.Millisecond), `{"level":"info"}`, nil)
	}
	run := func(q string, limit int) Stats {
		t.Helper()
		s.ResetStats()
		p := url.Values{"query": {q}, "start": {ns(t0)}, "end": {ns(t0.Add(time.Hour))}, "limit": {strconv.Itoa(limit)}}
		if code, body := get(t, s, "/loki/api/v1/query_range", p, nil); code != 200 {
			t.Fatalf("%s: %d %s", q, code, body)
		}
		return s.Stats()
	}
	// the parser runs on every line of the selected stream
	if st := run(`{app="api"} | json | level="error"`, 100); st.LinesScanned != 1000 || st.LinesParsed != 1000 || st.Queries != 1 {
		t.Errorf("parser first: %+v", st)
	}
	// a line filter before it leaves only the candidate lines to parse
	if st := run(`{app="api"} |= "error" | json | level="error"`, 100); st.LinesScanned != 1000 || st.LinesParsed != 10 {
		t.Errorf("line filter first: %+v", st)
	}
	// a plain selector reads only what it returns
	if st := run(`{app="api"}`, 50); st.LinesScanned != 50 || st.LinesParsed != 0 {
		t.Errorf("selector only: %+v", st)
	}
	// the cost per parsed line makes the slow form slow
	s.SetCosts(Costs{PerLineParsed: time.Millisecond})
	began := time.Now()
	run(`{app="api"} | json | level="error"`, 100)
	if d := time.Since(began); d < 900*time.Millisecond {
		t.Errorf("1000 parsed lines at 1ms took %s", d)
	}
	began = time.Now()
	run(`{app="api"} |= "error"`, 100)
	if d := time.Since(began); d > 500*time.Millisecond {
		t.Errorf("no parser took %s", d)
	}
}

func TestMoreParsersAndDetectedLevel(t *testing.T) {
	s := New(WithDiscoverLogLevels())
	defer s.Close()
	s.Push(map[string]string{"app": "api"}, t0, `10.0.0.1 - GET /users 503`, nil)
	s.Push(map[string]string{"app": "api"}, t0.Add(time.Second), `{"_entry":"wrapped line","pod":"p-1"}`, nil)
	s.Push(map[string]string{"app": "api"}, t0.Add(2*time.Second), `level=warn msg="slow"`, nil)
	s.Push(map[string]string{"app": "api", "level": "ERROR"}, t0.Add(3*time.Second), `plain`, nil)
	body := func(q string) string {
		p := url.Values{"query": {q}, "start": {ns(t0)}, "end": {ns(t0.Add(time.Minute))}, "direction": {"forward"}}
		code, b := get(t, s, "/loki/api/v1/query_range", p, map[string]string{"X-Loki-Response-Encoding-Flags": "categorize-labels"})
		if code != 200 {
			t.Fatalf("%s: %d %s", q, code, b)
		}
		return b
	}
	if b := body(`{app="api"} | pattern "<ip> - <method> <path> <status>" | status="503"`); !strings.Contains(b, `"parsed":{"ip":"10.0.0.1","method":"GET","path":"/users","status":"503"}`) {
		t.Errorf("pattern: %s", b)
	}
	if b := body(`{app="api"} | regexp "(?P<verb>[A-Z]+) (?P<path>/\\S+)" | verb="GET"`); !strings.Contains(b, `"path":"/users"`) || strings.Count(b, `"verb":"GET"`) != 1 {
		t.Errorf("regexp: %s", b)
	}
	if b := body(`{app="api"} |= "_entry" | unpack`); !strings.Contains(b, `"wrapped line"`) || !strings.Contains(b, `"pod":"p-1"`) {
		t.Errorf("unpack: %s", b)
	}
	b := body(`{app="api"} | detected_level=~"warn|error"`)
	if !strings.Contains(b, `"detected_level":"warn"`) || !strings.Contains(b, `"detected_level":"error"`) || strings.Contains(b, "10.0.0.1") {
		t.Errorf("detected_level: %s", b)
	}
	for q, want := range map[string]string{
		`{app="api"} | regexp "[a-z]+"`:    "at least one named capture must be supplied",
		`{app="api"} | pattern "<_> <_>"`:  "at least one capture is required",
		`{app="api"} | pattern "<a><b>"`:   "found consecutive capture 'b'",
		`{app="api"} | unpack | x="y" foo`: "syntax error: unexpected IDENTIFIER",
	} {
		p := url.Values{"query": {q}, "start": {ns(t0)}, "end": {ns(t0.Add(time.Minute))}}
		if code, b := get(t, s, "/loki/api/v1/query_range", p, nil); code != 400 || !strings.Contains(b, want) {
			t.Errorf("%s: %d %q, want %q", q, code, b, want)
		}
	}
}

func dialTail(t *testing.T, s *Server, q string) *websocket.Conn {
	t.Helper()
	u := "ws" + strings.TrimPrefix(s.URL(), "http") + "/loki/api/v1/tail?" + url.Values{"query": {q}}.Encode()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readClose(t *testing.T, c *websocket.Conn) (websocket.StatusCode, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, ce.Reason
		}
		return -1, err.Error()
	}
}

func TestTailLimitsAndDrops(t *testing.T) {
	s := New(WithMaxConcurrentTails(1), WithTailMaxDuration(300*time.Millisecond))
	defer s.Close()
	first := dialTail(t, s, `{app="api"}`)
	defer first.CloseNow()
	for s.TailCount() != 1 {
		time.Sleep(5 * time.Millisecond)
	}
	second := dialTail(t, s, `{app="api"}`)
	defer second.CloseNow()
	code, reason := readClose(t, second)
	if code != websocket.StatusInternalError || reason != "rpc error: code = Code(400) desc = max concurrent tail requests limit exceeded, count > limit (2 > 1)" {
		t.Errorf("second tail: %d %q", code, reason)
	}
	code, reason = readClose(t, first)
	if code != websocket.StatusInternalError || reason != "reached tail max duration limit" {
		t.Errorf("max duration: %d %q", code, reason)
	}

	s2 := New()
	defer s2.Close()
	c := dialTail(t, s2, `{app="api"}`)
	defer c.CloseNow()
	for s2.TailCount() != 1 {
		time.Sleep(5 * time.Millisecond)
	}
	if n := s2.DropTails(); n != 1 {
		t.Fatalf("dropped %d", n)
	}
	if code, msg := readClose(t, c); code != -1 {
		t.Errorf("a dropped tail got a close frame: %d %q", code, msg)
	}
}

func TestRulerEndpoints(t *testing.T) {
	s := New(WithTenant("team-a"))
	defer s.Close()
	active := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.SetRuleGroups("", RuleGroup{Name: "crm", File: "crm.yaml", Interval: time.Minute, Rules: []Rule{
		{Alert: "DatabaseTooManyClients", Expr: `sum by (service_name) (count_over_time({service_name="conectcrm-backend"} |= "too many clients" [1m])) > 5`,
			For: 2 * time.Minute, Labels: map[string]string{"severity": "critical"}, Annotations: map[string]string{"runbook_url": "RUNBOOKS.md#db"},
			Alerts: []Alert{{Labels: map[string]string{"alertname": "DatabaseTooManyClients", "service_name": "conectcrm-backend"}, State: "pending", ActiveAt: active, Value: 12}}},
		{Record: "crm:errors:rate1m", Expr: `sum(rate({app="crm"} |= "error" [1m]))`},
	}})
	hdr := map[string]string{"X-Scope-OrgID": "team-a"}
	code, body := get(t, s, "/prometheus/api/v1/rules", nil, hdr)
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Groups []struct {
				Name, File string
				Interval   float64
				Rules      []map[string]any
			} `json:"groups"`
		} `json:"data"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &r) != nil || r.Status != "success" || len(r.Data.Groups) != 1 || len(r.Data.Groups[0].Rules) != 2 {
		t.Fatalf("%d %s", code, body)
	}
	ar := r.Data.Groups[0].Rules[0]
	if ar["type"] != "alerting" || ar["state"] != "pending" || ar["duration"] != 120.0 || ar["health"] != "ok" {
		t.Errorf("alerting rule %v", ar)
	}
	if !strings.Contains(body, `"value":"1.2e+01"`) || !strings.Contains(body, `"activeAt":"2026-01-02T03:04:05Z"`) {
		t.Errorf("alert encoding: %s", body)
	}
	if _, body := get(t, s, "/prometheus/api/v1/rules", url.Values{"type": {"record"}}, hdr); strings.Contains(body, "DatabaseTooManyClients") || !strings.Contains(body, "crm:errors:rate1m") {
		t.Errorf("type=record: %s", body)
	}
	if code, body := get(t, s, "/prometheus/api/v1/rules", url.Values{"type": {"x"}}, hdr); code != 400 || !strings.Contains(body, `"errorType":"bad_data"`) {
		t.Errorf("bad type: %d %s", code, body)
	}
	if _, body := get(t, s, "/prometheus/api/v1/alerts", nil, hdr); !strings.Contains(body, `"alerts":[{"labels":{"alertname":"DatabaseTooManyClients"`) {
		t.Errorf("alerts: %s", body)
	}
	if _, body := get(t, s, "/prometheus/api/v1/alerts", nil, map[string]string{"X-Scope-OrgID": "team-b"}); !strings.Contains(body, `"alerts":[]`) {
		t.Errorf("other tenant: %s", body)
	}
	if code, _ := get(t, s, "/prometheus/api/v1/rules", nil, nil); code != 401 {
		t.Errorf("no org id: %d", code)
	}
}

func TestCategorizedLinesAlwaysCarryTheThirdElement(t *testing.T) {
	s := New()
	defer s.Close()
	s.Push(map[string]string{"app": "api"}, t0, "plain", nil)
	s.Push(map[string]string{"app": "api"}, t0.Add(time.Second), "with meta", map[string]string{"trace_id": "abc", "span_id": "def"})
	p := url.Values{"query": {`{app="api"}`}, "start": {ns(t0)}, "end": {ns(t0.Add(time.Minute))}, "direction": {"forward"}}
	_, body := get(t, s, "/loki/api/v1/query_range", p, map[string]string{"X-Loki-Response-Encoding-Flags": "categorize-labels"})
	want := `"values":[["` + ns(t0) + `","plain",{}],["` + ns(t0.Add(time.Second)) + `","with meta",{"structuredMetadata":{"span_id":"def","trace_id":"abc"}}]]`
	if !strings.Contains(body, want) {
		t.Errorf("categorized %s\nwant %s", body, want)
	}
	// without the flag metadata is merged into the stream labels, one
	// stream per label set
	_, body = get(t, s, "/loki/api/v1/query_range", p, nil)
	if !strings.Contains(body, `{"stream":{"app":"api"},"values":[["`+ns(t0)+`","plain"]]}`) ||
		!strings.Contains(body, `{"stream":{"app":"api","span_id":"def","trace_id":"abc"},"values"`) {
		t.Errorf("merged %s", body)
	}
}
