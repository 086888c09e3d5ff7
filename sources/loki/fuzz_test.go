package loki

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"oncall/internal/httpx"
)

// bodyTransport answers every request with one fixed body, so the decoder is
// fuzzed through the client's real request/decode path without a network.
type bodyTransport struct {
	status int
	ctype  string
	body   string
}

func (b bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: b.status,
		Status:     http.StatusText(b.status),
		Header:     http.Header{"Content-Type": {b.ctype}},
		Body:       httpx.LimitBody(io.NopCloser(strings.NewReader(b.body)), httpx.MaxBodyBytes),
		Request:    r,
	}, nil
}

// FuzzQueryRangeDecode feeds arbitrary bodies to QueryRange: it must never
// panic, a failure must be one line of bounded length that does not echo the
// configured token, and a success must hold entries in the asked order.
func FuzzQueryRangeDecode(f *testing.F) {
	for _, s := range []string{
		`{"status":"success","data":{"resultType":"streams","result":[{"stream":{"app":"api"},"values":[["1700000000000000000","boom"],["1700000000000000001","b"]]}]}}`,
		`{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[["1","x",{"structuredMetadata":{"trace_id":"abc"},"parsed":{"level":"error"}}]]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"app":"api"},"values":[[1700000000.5,"3"]]}]}}`,
		`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"NaN"]}]}}`,
		`{"status":"success","data":{"resultType":"scalar","result":[1700000000,"1"]}}`,
		`{"status":"error","error":"parse error at line 1\nSECRET-TOKEN-123"}`,
		`{"status":"success","data":{"resultType":"streams","result":[{"values":[["-1","\u001b[2J"]]}]}}`,
		`{"status":"success","data":`,
		`<html><body>502</body></html>`,
		"\xff\xfe",
		"{\"error\":\"SECRET-TOKEN-1\xc523\"}", // a dropped byte once joined the token after scrubbing
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, body string, forward bool) {
		const token = "SECRET-TOKEN-123"
		c, err := New(Config{URL: "http://loki.invalid", Client: httpx.ClientConfig{BearerToken: token}})
		if err != nil {
			t.Fatal(err)
		}
		c.http = &http.Client{Transport: bodyTransport{status: 200, ctype: "application/json", body: body}}
		dir := Backward
		if forward {
			dir = Forward
		}
		end := time.Unix(1700000100, 0)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := c.QueryRange(ctx, Query{Query: `{app="api"}`, Start: end.Add(-time.Hour), End: end, Limit: 100, Direction: dir})
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error is not one line: %q", msg)
			}
			if utf8.RuneCountInString(msg) > 600 {
				t.Fatalf("error is %d runes long", utf8.RuneCountInString(msg))
			}
			if strings.Contains(msg, token) {
				t.Fatalf("error echoes the token: %q", msg)
			}
			return
		}
		for i := 1; i < len(res.Entries); i++ {
			a, b := res.Entries[i-1].Time, res.Entries[i].Time
			if forward && b.Before(a) || !forward && b.After(a) {
				t.Fatalf("entries %d,%d out of %s order: %v then %v", i-1, i, dir, a, b)
			}
		}
	})
}
