package jaeger

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"oncall/internal/httpx"
)

// capturedTrace is a real /api/v3/traces/{id} answer from Jaeger v2
// (v1.76.0) for the checkout fixture.
func capturedTrace(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/v3_trace_checkout.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newTestHTTP(t *testing.T, h http.HandlerFunc, cc httpx.ClientConfig) Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := NewHTTP(Config{URL: srv.URL, Client: cc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func serveBody(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func TestHTTPDecodesCapturedTrace(t *testing.T) {
	body := capturedTrace(t)
	var gotPath string
	c := newTestHTTP(t, func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.Path
		_, _ = w.Write(body)
	}, httpx.ClientConfig{})
	tr, err := c.GetTrace(context.Background(), "7A3F9C1E5B2D4086")
	if err != nil {
		t.Fatal(err)
	}
	if gotPath != "/api/v3/traces/"+checkoutTraceID {
		t.Errorf("requested %s, want the normalized id in the path", gotPath)
	}
	if tr.TraceID != checkoutTraceID || len(tr.Spans) != 4 {
		t.Fatalf("trace %s with %d spans, want %s with 4", tr.TraceID, len(tr.Spans), checkoutTraceID)
	}
	var ops []string
	for i, s := range tr.Spans {
		ops = append(ops, s.Operation)
		if i > 0 && (s.Start.Before(tr.Spans[i-1].Start) || s.Start.Equal(tr.Spans[i-1].Start) && s.SpanID < tr.Spans[i-1].SpanID) {
			t.Errorf("spans not sorted by start then id at %d", i)
		}
	}
	// render receipt and INSERT orders start together: span id breaks the tie.
	if want := []string{"GET /checkout", "POST /orders", "INSERT orders", "render receipt"}; !slices.Equal(ops, want) {
		t.Errorf("order %v, want %v", ops, want)
	}
	root, backend, db, internal := tr.Spans[0], tr.Spans[1], tr.Spans[2], tr.Spans[3]
	if root.ParentSpanID != "" || backend.ParentSpanID != root.SpanID || db.ParentSpanID != backend.SpanID {
		t.Errorf("parents: root %q backend %q db %q", root.ParentSpanID, backend.ParentSpanID, db.ParentSpanID)
	}
	wantTags := map[string]string{
		"http.method": "GET", "http.status_code": "500", "cache.hit": "false", "sample.ratio": "0.25",
		"feature.flags": `["new-cart","fast-pay"]`, "otel.scope.name": scopeName, "otel.scope.version": scopeVersion,
		"otel.status_description": "upstream failed",
	}
	if !mapsEqual(root.Tags, wantTags) {
		t.Errorf("root tags %v, want %v", root.Tags, wantTags)
	}
	if root.Service != "api-gateway" || root.Kind != "server" || root.Status != "ERROR" || !root.Error {
		t.Errorf("root = %s %s %s error=%v", root.Service, root.Kind, root.Status, root.Error)
	}
	if root.Duration != 182345678 || root.Start.UnixNano() != 1795716709123456789 {
		t.Errorf("root start %d duration %d", root.Start.UnixNano(), root.Duration)
	}
	if backend.Error || backend.Status != "" || internal.Status != "OK" || internal.Kind != "internal" || db.Kind != "client" {
		t.Errorf("backend error=%v status=%q; internal %q/%q; db kind %q", backend.Error, backend.Status, internal.Status, internal.Kind, db.Kind)
	}
	if len(db.Events) != 1 || db.Events[0].Name != "exception" || db.Events[0].Attrs["exception.type"] != "*net.OpError" ||
		db.Events[0].Time.UnixNano() != 1795716709293464039 {
		t.Errorf("db events %+v", db.Events)
	}
	if backend.Events[0].Attrs["attempt"] != "1" || backend.Process["deployment.environment"] != "test" || len(backend.Process) != 1 {
		t.Errorf("backend event %+v process %v", backend.Events, backend.Process)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// A gateway that renders ids as base64 (the proto3 JSON default for bytes)
// must decode to the same trace as the hex rendering.
func TestHTTPAcceptsBase64IDs(t *testing.T) {
	hexBody := capturedTrace(t)
	re := regexp.MustCompile(`"(traceId|spanId|parentSpanId)":"([0-9a-f]+)"`)
	b64Body := re.ReplaceAllFunc(hexBody, func(m []byte) []byte {
		sub := re.FindSubmatch(m)
		raw, _ := hex.DecodeString(string(sub[2]))
		return []byte(`"` + string(sub[1]) + `":"` + base64.StdEncoding.EncodeToString(raw) + `"`)
	})
	if string(b64Body) == string(hexBody) || !strings.Contains(string(b64Body), `"spanId":"obLD1AAAAAQ="`) {
		t.Fatalf("fixture rewrite did not produce base64 ids")
	}
	ctx := context.Background()
	viaHex, err := newTestHTTP(t, serveBody(200, "application/json", string(hexBody)), httpx.ClientConfig{}).GetTrace(ctx, checkoutTraceID)
	if err != nil {
		t.Fatal(err)
	}
	viaB64, err := newTestHTTP(t, serveBody(200, "application/json", string(b64Body)), httpx.ClientConfig{}).GetTrace(ctx, checkoutTraceID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffSpans(viaHex, viaB64) {
		t.Error(d)
	}
}

func TestHTTPErrors(t *testing.T) {
	gw := func(code int, msg string) string {
		return `{"error":{"httpCode":` + strconv.Itoa(code) + `,"message":"` + msg + `"}}` + "\n"
	}
	cases := []struct {
		name    string
		handler http.HandlerFunc
		call    func(Client) error
		want    []string // substrings of the error
		notFnd  bool
	}{
		{"gateway 404 is not found", serveBody(404, "text/plain", gw(404, "No traces found")),
			getTrace("abc"), []string{"trace 00000000000000000000000000000abc not found"}, true},
		{"bare 404 is not found", serveBody(404, "text/plain", "404 page not found\n"),
			getTrace("abc"), []string{"trace 00000000000000000000000000000abc not found"}, true},
		{"gateway 400", serveBody(400, "text/plain", gw(400, "malformed parameter trace_id: bad")),
			getTrace("abc"), []string{"HTTP 400 Bad Request", "malformed parameter trace_id: bad", "/api/v3/traces/"}, false},
		{"gateway 500 on search", serveBody(500, "text/plain", gw(500, "search depth must be greater than 0")),
			findTraces, []string{"HTTP 500 Internal Server Error: search depth must be greater than 0"}, false},
		{"HTML 500", serveBody(500, "text/html", "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1>\n</body></html>"),
			services, []string{"HTTP 500", "HTML page: 502 Bad Gateway"}, false},
		{"HTML 200 (wrong base path)", serveBody(200, "text/html", "<!DOCTYPE html>\n<html><title>Jaeger UI</title></html>"),
			services, []string{"expected JSON, got HTML", "Jaeger UI"}, false},
		{"truncated JSON", serveBody(200, "application/json", string(capturedTraceHead(t))),
			getTrace(checkoutTraceID), []string{"malformed JSON response", "unexpected end of JSON input"}, false},
		{"no result", serveBody(200, "application/json", `{"other":1}`),
			getTrace(checkoutTraceID), []string{"response has no result"}, false},
		{"bad span id", serveBody(200, "application/json", `{"result":{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"00000000000000007a3f9c1e5b2d4086","spanId":"zz"}]}]}]}}`),
			getTrace(checkoutTraceID), []string{"span id", `"zz"`}, false},
		{"plain-text 503", serveBody(503, "text/plain", "upstream connect error\nor disconnect"),
			services, []string{"HTTP 503 Service Unavailable: upstream connect error or disconnect"}, false},
		{"404 without gateway body on search", serveBody(404, "text/html", "<html><title>Not Found</title></html>"),
			findTraces, []string{"HTTP 404", "Not Found"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestHTTP(t, tc.handler, httpx.ClientConfig{})
			err := tc.call(c)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") || strings.Contains(msg, "<") {
				t.Errorf("error is not one clean line: %q", msg)
			}
			if errors.Is(err, ErrNotFound) != tc.notFnd {
				t.Errorf("errors.Is(ErrNotFound) = %v, want %v", !tc.notFnd, tc.notFnd)
			}
		})
	}
}

func capturedTraceHead(t *testing.T) []byte {
	b := capturedTrace(t)
	return b[:len(b)/2]
}

func getTrace(id string) func(Client) error {
	return func(c Client) error { _, err := c.GetTrace(context.Background(), id); return err }
}

func findTraces(c Client) error {
	_, err := c.FindTraces(context.Background(), SearchQuery{Service: "api-gateway"})
	return err
}

func services(c Client) error { _, err := c.Services(context.Background()); return err }

func TestHTTPFindTracesEmptyIsNotAnError(t *testing.T) {
	c := newTestHTTP(t, serveBody(404, "text/plain", `{"error":{"httpCode":404,"message":"No traces found"}}`), httpx.ClientConfig{})
	got, err := c.FindTraces(context.Background(), SearchQuery{Service: "api-gateway"})
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("FindTraces = %v, %v; want an empty list", got, err)
	}
}

func TestHTTPFindTracesQueryAndTagFilter(t *testing.T) {
	body := capturedTrace(t)
	start := time.Date(2026, 11, 26, 18, 0, 0, 123456789, time.UTC)
	end := start.Add(30 * time.Minute)
	var got map[string]string
	c := newTestHTTP(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v3/traces" {
			http.NotFound(w, r)
			return
		}
		got = map[string]string{}
		for k, v := range r.URL.Query() {
			got[k] = v[0]
		}
		_, _ = w.Write(body)
	}, httpx.ClientConfig{})
	ctx := context.Background()
	q := SearchQuery{Service: "postgres", Operation: "INSERT orders", Start: start, End: end,
		MinDuration: 150 * time.Millisecond, MaxDuration: 2 * time.Second, Limit: 7}
	sums, err := c.FindTraces(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"query.service_name": "postgres", "query.operation_name": "INSERT orders",
		"query.start_time_min": "2026-11-26T18:00:00.123456789Z", "query.start_time_max": "2026-11-26T18:30:00.123456789Z",
		"query.duration_min": "150ms", "query.duration_max": "2s", "query.num_traces": "7",
	}
	if !mapsEqual(got, want) {
		t.Errorf("query %v, want %v", got, want)
	}
	if len(sums) != 1 || sums[0].TraceID != checkoutTraceID || sums[0].Spans != 4 || sums[0].Errors != 2 || sums[0].Root != "api-gateway: GET /checkout" {
		t.Fatalf("summaries %+v", sums)
	}

	// The gateway ignores tags: they are checked here, on a wider fetch.
	q = SearchQuery{Service: "postgres", Start: start, End: end, Tags: map[string]string{"error": "true", "db.system": "postgresql"}}
	if sums, err = c.FindTraces(ctx, q); err != nil || len(sums) != 1 {
		t.Fatalf("matching tags: %+v, %v", sums, err)
	}
	if got["query.num_traces"] != "100" {
		t.Errorf("with tags num_traces = %s, want the wider 100", got["query.num_traces"])
	}
	for _, tags := range []map[string]string{
		{"db.system": "mysql"},
		{"error": "true", "customer.tier": "gold"}, // true on different spans only
		{"error": "false", "db.system": "postgresql"},
	} {
		q.Tags = tags
		if sums, err = c.FindTraces(ctx, q); err != nil || len(sums) != 0 {
			t.Errorf("tags %v: %+v, %v; want no match", tags, sums, err)
		}
	}
	// An event attribute and a process tag match too, as in Jaeger.
	for _, tags := range []map[string]string{{"exception.type": "*net.OpError"}, {"deployment.environment": "test"}} {
		q.Tags = tags
		if sums, err = c.FindTraces(ctx, q); err != nil || len(sums) != 1 {
			t.Errorf("tags %v: %+v, %v; want the trace", tags, sums, err)
		}
	}
}

func TestHTTPSearchValidation(t *testing.T) {
	calls := 0
	c := newTestHTTP(t, func(http.ResponseWriter, *http.Request) { calls++ }, httpx.ClientConfig{})
	now := time.Now()
	for _, q := range []SearchQuery{
		{},
		{Service: "x", Start: now, End: now.Add(-time.Minute)},
		{Service: "x", Limit: -1},
		{Service: "x", MinDuration: time.Second, MaxDuration: time.Millisecond},
	} {
		if _, err := c.FindTraces(context.Background(), q); err == nil {
			t.Errorf("FindTraces(%+v) accepted", q)
		}
	}
	if calls != 0 {
		t.Errorf("%d requests sent for invalid searches", calls)
	}
}

func TestHTTPAuthHeadersAndSecretsStayOutOfErrors(t *testing.T) {
	const token = "s3cr3t-token-value"
	var auth, team string
	c := newTestHTTP(t, func(w http.ResponseWriter, r *http.Request) {
		auth, team = r.Header.Get("Authorization"), r.Header.Get("X-Scope-OrgID")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"httpCode":401,"message":"bad credentials: Bearer ` + token + `"}}`))
	}, httpx.ClientConfig{BearerToken: token, Headers: map[string]string{"X-Scope-OrgID": "sre"}})
	err := c.Ping(context.Background())
	if auth != "Bearer "+token || team != "sre" {
		t.Errorf("sent Authorization %q, X-Scope-OrgID %q", auth, team)
	}
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") || strings.Contains(err.Error(), token) {
		t.Errorf("error %v: want HTTP 401 without the token", err)
	}
}

// TestHTTPSecretAcrossTheCut: a token that a long error message or an HTML
// title carries across the point where the message is cut must not leave
// its first half; secrets are scrubbed before the cut.
func TestHTTPSecretAcrossTheCut(t *testing.T) {
	const token = "s3cr3t-token-value"
	for name, h := range map[string]http.HandlerFunc{
		"gateway message": serveBody(http.StatusBadGateway, "application/json",
			`{"error":{"httpCode":502,"message":"`+strings.Repeat("m", 290)+` `+token+` tail"}}`),
		"HTML title": serveBody(http.StatusBadGateway, "text/html",
			"<html><title>"+strings.Repeat("t", 110)+" "+token+" tail</title></html>"),
	} {
		c := newTestHTTP(t, h, httpx.ClientConfig{BearerToken: token})
		err := c.Ping(context.Background())
		if err == nil || strings.Contains(err.Error(), token[:6]) {
			t.Errorf("%s: error %v: want it without the token or its start", name, err)
		}
	}
}

func TestHTTPTimeout(t *testing.T) {
	release := make(chan struct{})
	c := newTestHTTP(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}, httpx.ClientConfig{Timeout: 200 * time.Millisecond})
	defer close(release)
	begin := time.Now()
	_, err := c.Services(context.Background())
	if err == nil || time.Since(begin) > 5*time.Second {
		t.Fatalf("Services = %v after %s; want a timeout error", err, time.Since(begin))
	}
	if !strings.Contains(err.Error(), "/api/v3/services") {
		t.Errorf("timeout error %q does not name the URL", err)
	}
}

func TestHTTPServicesOperationsAndBasePath(t *testing.T) {
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.RequestURI())
		switch r.URL.Path {
		case "/jaeger/api/v3/services":
			_, _ = w.Write([]byte(`{"services":["web","api","db"]}`))
		case "/jaeger/api/v3/operations":
			_, _ = w.Write([]byte(`{"operations":[{"name":"b","spanKind":"server"},{"name":"a","spanKind":"client"},{"name":"b","spanKind":"client"}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, err := NewHTTP(Config{URL: srv.URL + "/jaeger/"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	svcs, err := c.Services(ctx)
	if err != nil || !slices.Equal(svcs, []string{"api", "db", "web"}) {
		t.Errorf("Services = %v, %v", svcs, err)
	}
	ops, err := c.Operations(ctx, "web & co")
	if err != nil || !slices.Equal(ops, []string{"a", "b"}) {
		t.Errorf("Operations = %v, %v", ops, err)
	}
	if want := []string{"/jaeger/api/v3/services", "/jaeger/api/v3/operations?service=web+%26+co"}; !slices.Equal(paths, want) {
		t.Errorf("requested %v, want %v", paths, want)
	}
	if _, err := c.Operations(ctx, " "); err == nil {
		t.Error("Operations accepted an empty service")
	}
}

func TestNewHTTPRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "jaeger:16686", "ftp://jaeger", "http://"} {
		if _, err := NewHTTP(Config{URL: u}); err == nil {
			t.Errorf("NewHTTP(%q) accepted", u)
		}
	}
	_, err := NewHTTP(Config{URL: "ftp://user:hunter22@jaeger/"})
	if err == nil || strings.Contains(err.Error(), "hunter22") {
		t.Errorf("error %v leaks the URL password", err)
	}
}
