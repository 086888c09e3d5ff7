package jaeger

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"oncall/internal/httpx"
)

// fuzzTransport answers every request with the fuzzer's status and body.
type fuzzTransport struct {
	status int
	body   string
}

func (f fuzzTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: f.status,
		Status:     http.StatusText(f.status),
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       httpx.LimitBody(io.NopCloser(strings.NewReader(f.body)), httpx.MaxBodyBytes),
		Request:    r,
	}, nil
}

// checkErr asserts the error rules: one line, bounded, no secret.
func checkErr(t *testing.T, err error, secret string) {
	t.Helper()
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("error is not one line: %q", msg)
	}
	if n := utf8.RuneCountInString(msg); n > 800 {
		t.Fatalf("error is %d runes long", n)
	}
	if strings.Contains(msg, secret) {
		t.Fatalf("error echoes the token: %q", msg)
	}
}

// FuzzHTTPDecode feeds arbitrary answers (status and body) to every HTTP
// decoder: GetTrace, FindTraces and Services must never panic, fail with one
// clean line, and a trace they return must be the asked one with its spans
// in start order.
func FuzzHTTPDecode(f *testing.F) {
	if b, err := os.ReadFile("testdata/v3_trace_checkout.json"); err == nil {
		f.Add(200, string(b))
	}
	for _, s := range []string{
		`{"result":{"resourceSpans":[]}}`,
		`{"result":{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}}]},"scopeSpans":[{"spans":[{"traceId":"00000000000000007a3f9c1e5b2d4086","spanId":"AAAAAAAAAAE=","startTimeUnixNano":"5","endTimeUnixNano":"1","attributes":[{"key":"k","value":{"arrayValue":{"values":[{"intValue":"x"}]}}}]}]}]}]}}`,
		`{"error":{"httpCode":404,"message":"No traces found"}}`,
		`{"services":["b","a"]}`,
		`<!DOCTYPE html><title>Bad gateway SECRET-TOKEN-123</title>`,
		`{"result":`,
		"\x00\xff",
		"<\xff\xff<title>x</title>",     // lower-casing grows invalid UTF-8: once sliced past the end
		"<İİ<TITLE>x</TITLE>",           // İ grows too (2 bytes to 3)
		"<\u212a\u212a<title>x</title>", // the Kelvin sign shrinks (3 bytes to 1): a wrong title
	} {
		f.Add(200, s)
		f.Add(500, s)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		const token = "SECRET-TOKEN-123"
		if status < 100 || status > 599 {
			status = 200
		}
		cl, err := NewHTTP(Config{URL: "http://jaeger.invalid", Client: httpx.ClientConfig{BearerToken: token}})
		if err != nil {
			t.Fatal(err)
		}
		c := cl.(*httpClient)
		c.hc = &http.Client{Transport: fuzzTransport{status: status, body: body}}
		c.now = func() time.Time { return time.Unix(1795716800, 0) }
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()

		const id = "00000000000000007a3f9c1e5b2d4086"
		tr, err := c.GetTrace(ctx, id)
		if err != nil {
			checkErr(t, err, token)
		} else {
			if tr.TraceID != id {
				t.Fatalf("asked for %s, got trace %s", id, tr.TraceID)
			}
			for i := 1; i < len(tr.Spans); i++ {
				if tr.Spans[i].Start.Before(tr.Spans[i-1].Start) {
					t.Fatalf("spans %d,%d out of start order", i-1, i)
				}
			}
		}
		if sums, err := c.FindTraces(ctx, SearchQuery{Service: "a", Tags: map[string]string{"error": "true"}, Limit: 5}); err != nil {
			checkErr(t, err, token)
		} else if len(sums) > 5 {
			t.Fatalf("FindTraces returned %d summaries, limit 5", len(sums))
		}
		if svcs, err := c.Services(ctx); err != nil {
			checkErr(t, err, token)
		} else {
			for i := 1; i < len(svcs); i++ {
				if svcs[i] < svcs[i-1] {
					t.Fatalf("services not sorted: %q", svcs)
				}
			}
		}
	})
}

// TestBodySnippetOffsets: the title is cut from the body at offsets found in
// a lower-cased copy, so the copy must keep the body's byte offsets even when
// the body holds invalid UTF-8 or runes whose lower case has another length.
// Before the fix all three came out wrong ("HTML page: E>B" for the second),
// and a growing body found by the fuzzer in CI panicked with "slice bounds
// out of range"; the Kelvin sign shrinks (it lowers to a 1-byte k).
func TestBodySnippetOffsets(t *testing.T) {
	for body, want := range map[string]string{
		"<\xff\xff<title>x</title>":           "HTML page: x",
		"<İİ<TITLE>Bad</TITLE>":               "HTML page: Bad",
		"<html><Title>502</tItle>":            "HTML page: 502",
		"<\u212a\u212a<title>Gateway</title>": "HTML page: Gateway",
	} {
		if got := bodySnippet([]byte(body)); got != want {
			t.Errorf("bodySnippet(%q) = %q, want %q", body, got, want)
		}
	}
}
