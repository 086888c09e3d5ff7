package loki

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"oncall/sources/loki/lokitest"
)

func TestQueryErrors(t *testing.T) {
	long := strings.Repeat("x", 2000)
	cases := []struct {
		name  string
		fault *lokitest.Fault
		query string
		want  string // exact error text, or prefix when ending in "*"
	}{
		{name: "parse error from the fake's LogQL parser", query: `{app="api"} |= foo`,
			want: `loki: 400 Bad Request: parse error at line 1, col 16: syntax error: unexpected IDENTIFIER`},
		{name: "rate limited", fault: &lokitest.Fault{Status: 429, Body: "Ingestion rate limit exceeded for user tenant-1 (limit: 4194304 bytes/sec)\n"},
			want: "loki: 429 Too Many Requests: Ingestion rate limit exceeded for user tenant-1 (limit: 4194304 bytes/sec)"},
		{name: "html error page", fault: &lokitest.Fault{Status: 500, ContentType: "text/html", Body: "<html><body><h1>500 Internal Server Error</h1></body></html>"},
			want: "loki: unexpected HTML response (status 500)"},
		{name: "html without content type", fault: &lokitest.Fault{Status: 502, ContentType: "text/plain", Body: "\n<!DOCTYPE html><html><title>Bad gateway</title></html>"},
			want: "loki: unexpected HTML response (status 502)"},
		{name: "html login page with 200", fault: &lokitest.Fault{Status: 200, ContentType: "text/html; charset=utf-8", Body: "<html>sign in</html>"},
			want: "loki: unexpected HTML response (status 200)"},
		{name: "control characters and newlines", fault: &lokitest.Fault{Status: 504, Body: "upstream\x1b[31m timed\r\nout\x00\t after 30s\n"},
			want: "loki: 504 Gateway Timeout: upstream[31m timed out after 30s"},
		{name: "json error body", fault: &lokitest.Fault{Status: 400, ContentType: "application/json", Body: `{"code":400,"message":"max entries limit per query exceeded","status":"Bad Request"}`},
			want: "loki: 400 Bad Request: max entries limit per query exceeded"},
		{name: "long body capped", fault: &lokitest.Fault{Status: 500, Body: long},
			want: "loki: 500 Internal Server Error: " + strings.Repeat("x", 300) + "…"},
		{name: "malformed json", fault: &lokitest.Fault{Status: 200, ContentType: "application/json", Body: `{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[[1,"x"]]}]}}`},
			want: "loki: decoding query_range response: *"},
		{name: "truncated body", fault: &lokitest.Fault{Status: 200, ContentType: "application/json", Body: `{"status":"success","data":{"resultType":"streams","result":[{"stream":{"a":"b"},"values":[["17000`},
			want: "loki: decoding query_range response: truncated JSON (unexpected end of input)"},
		{name: "status error envelope", fault: &lokitest.Fault{Status: 200, ContentType: "application/json", Body: `{"status":"error","error":"query timed out"}`},
			want: "loki: query_range failed: query timed out"},
		{name: "unknown result type", fault: &lokitest.Fault{Status: 200, Body: `{"status":"success","data":{"resultType":"weird","result":[]}}`},
			want: `loki: decoding query_range response: unknown resultType "weird"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, c := newPair(t, Config{})
			if tc.fault != nil {
				s.Inject(*tc.fault)
			}
			q := tc.query
			if q == "" {
				q = `{app="api"}`
			}
			_, err := c.QueryRange(context.Background(), Query{Query: q})
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if strings.HasSuffix(tc.want, "*") {
				if !strings.HasPrefix(msg, strings.TrimSuffix(tc.want, "*")) {
					t.Errorf("error %q, want prefix %q", msg, tc.want)
				}
			} else if msg != tc.want {
				t.Errorf("error\n got %q\nwant %q", msg, tc.want)
			}
			if strings.ContainsAny(msg, "\n\r\x00\x1b") || !utf8.ValidString(msg) {
				t.Errorf("error is not one clean line: %q", msg)
			}
		})
	}
}

func TestHTTPErrorIsInspectable(t *testing.T) {
	s, c := newPair(t, Config{})
	s.Inject(lokitest.Fault{Status: http.StatusTooManyRequests, Body: "too many outstanding requests"})
	_, err := c.Labels(context.Background(), t0, t0)
	var he *HTTPError
	if !errors.As(err, &he) || !he.RateLimited() || he.Message != "too many outstanding requests" {
		t.Fatalf("error %v (%T) is not a rate-limit HTTPError", err, err)
	}
}

func TestConnectionRefusedHidesQuery(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := New(Config{URL: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.QueryRange(context.Background(), Query{Query: `{app="secret-ish"}`})
	if err == nil {
		t.Fatal("no error against a closed port")
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "loki: query_range: ") || strings.Contains(msg, "secret-ish") || strings.Contains(msg, "query=") {
		t.Errorf("error %q", msg)
	}
}

// TestOneLineScrubsAfterCleaning: a token split by a byte that oneLine drops
// must not come out joined, and a token across the cap must not leave its
// first half. Before the fix, scrubbing came first and every split case
// below printed the token (the first was found by FuzzQueryRangeDecode).
func TestOneLineScrubsAfterCleaning(t *testing.T) {
	const token = "SECRET-TOKEN-123"
	secrets := []string{token}
	for name, in := range map[string]string{
		"invalid UTF-8":  "bad token SECRET-TOKEN-1\xc523 here",
		"zero-width":     "bad token SECRET-TOKEN\u200b-123 here",
		"C0 control":     "bad token SECRET\x01-TOKEN-123 here",
		"bidi override":  "bad token SECRET-\u202eTOKEN-123 here",
		"across the cap": strings.Repeat("x", maxErrorLen-5) + " " + token + " tail",
	} {
		got := oneLine(in, secrets)
		if strings.Contains(got, "SECRET") {
			t.Errorf("%s: oneLine(%q) = %q, shows the token or its start", name, in, got)
		}
		if !strings.Contains(got, "[redacted]") && name != "across the cap" {
			t.Errorf("%s: oneLine(%q) = %q, want the token redacted", name, in, got)
		}
	}
	long := oneLine(strings.Repeat("y", 2*maxErrorLen), secrets)
	if n := utf8.RuneCountInString(long); n != maxErrorLen+1 || !strings.HasSuffix(long, "…") {
		t.Errorf("a long message is %d runes (%q…), want %d with a closing …", n, long[:20], maxErrorLen+1)
	}
	if got := oneLine("  a\n\tb  ", nil); got != "a b" {
		t.Errorf("whitespace: got %q, want %q", got, "a b")
	}
}
