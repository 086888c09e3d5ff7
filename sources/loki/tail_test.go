package loki

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"oncall/internal/httpx"
	"oncall/sources/loki/lokitest"
)

// nextFrame waits for one frame or fails.
func nextFrame(t *testing.T, ch <-chan TailFrame) (TailFrame, bool) {
	t.Helper()
	select {
	case f, ok := <-ch:
		return f, ok
	case <-time.After(5 * time.Second):
		t.Fatal("no tail frame within 5s")
		return TailFrame{}, false
	}
}

// collect reads frames until n entries arrived.
func collect(t *testing.T, ch <-chan TailFrame, n int) []Entry {
	t.Helper()
	var got []Entry
	for len(got) < n {
		f, ok := nextFrame(t, ch)
		if !ok {
			t.Fatalf("tail closed after %d of %d entries", len(got), n)
		}
		if f.Err != nil {
			t.Fatalf("tail error: %v", f.Err)
		}
		got = append(got, f.Entries...)
	}
	return got
}

func TestTailReceivesHistoryAndPushedLines(t *testing.T) {
	const token = "tail-token-1234"
	s, c := newPair(t, Config{Tenant: "team-a", Client: httpx.ClientConfig{BearerToken: token}},
		lokitest.WithTenant("team-a"), lokitest.WithBearerToken(token))
	now := time.Now()
	api := map[string]string{"app": "api"}
	s.Push(api, now.Add(-3*time.Second), "old 1", nil)
	s.Push(api, now.Add(-2*time.Second), "old 2", nil)
	s.Push(map[string]string{"app": "web"}, now.Add(-time.Second), "other app", nil)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := c.Tail(ctx, `{app="api"} != "debug"`, now.Add(-time.Minute), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	hist := collect(t, ch, 2)
	if hist[0].Line != "old 1" || hist[1].Line != "old 2" {
		t.Fatalf("history = %+v", hist)
	}
	s.Push(api, now, "debug noise", nil)
	s.Push(api, now.Add(time.Millisecond), "new 1", map[string]string{"trace_id": "abc"})
	s.Push(map[string]string{"app": "web"}, now, "not for us", nil)
	s.Push(api, now.Add(2*time.Millisecond), "new 2", nil)
	live := collect(t, ch, 2)
	if live[0].Line != "new 1" || live[1].Line != "new 2" || live[0].Labels["app"] != "api" {
		t.Fatalf("live = %+v", live)
	}
	if live[0].Labels["trace_id"] != "abc" {
		t.Errorf("structured metadata not in tail labels: %v", live[0].Labels)
	}
	var tailReq *lokitest.Request
	for _, r := range s.Requests() {
		if r.Path == "/loki/api/v1/tail" {
			tailReq = &r
		}
	}
	if tailReq == nil || tailReq.Header.Get("X-Scope-OrgID") != "team-a" || tailReq.Header.Get("Authorization") != "Bearer "+token ||
		tailReq.Query.Get("limit") != "10" || tailReq.Query.Get("query") != `{app="api"} != "debug"` {
		t.Fatalf("tail request = %+v", tailReq)
	}

	cancel()
	for {
		f, ok := nextFrame(t, ch)
		if !ok {
			break
		}
		if f.Err != nil {
			t.Fatalf("error frame after cancel: %v", f.Err)
		}
	}
}

func TestTailBadQueryAndAuth(t *testing.T) {
	_, c := newPair(t, Config{}, lokitest.WithBearerToken("right-token"))
	_, err := c.Tail(context.Background(), `{app="api"}`, time.Time{}, 0, 0)
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 401 {
		t.Fatalf("unauthorized tail: %v", err)
	}

	_, c = newPair(t, Config{})
	_, err = c.Tail(context.Background(), `{app="api"} |= `, time.Time{}, 0, 0)
	if err == nil || err.Error() != "loki: 400 Bad Request: parse error at line 1, col 16: syntax error: unexpected $end" {
		t.Fatalf("bad query tail: %v", err)
	}
	_, err = c.Tail(context.Background(), `{app="api"}`, time.Time{}, 0, 9)
	if err == nil || !strings.Contains(err.Error(), "delay_for can't be greater than 5") {
		t.Fatalf("delay_for 9: %v", err)
	}
}

func TestTailServerCloseEndsWithError(t *testing.T) {
	s, c := newPair(t, Config{})
	ch, err := c.Tail(context.Background(), `{app="api"}`, time.Time{}, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	s.Push(map[string]string{"app": "api"}, time.Now(), "before close", nil)
	if got := collect(t, ch, 1); got[0].Line != "before close" {
		t.Fatalf("got %+v", got)
	}
	s.Close()
	var last TailFrame
	for {
		f, ok := nextFrame(t, ch)
		if !ok {
			break
		}
		last = f
	}
	if last.Err == nil || !strings.Contains(last.Err.Error(), "server shutting down (status 1001)") {
		t.Fatalf("last frame error = %v", last.Err)
	}
}

func TestDecodeTailFrameDropped(t *testing.T) {
	f, err := decodeTailFrame([]byte(`{"streams":[{"stream":{"app":"a"},"values":[["2","b"],["1","a"]]}],"dropped_entries":[{"labels":{"app":"a"},"timestamp":"5"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 2 || f.Entries[0].Line != "a" || len(f.Dropped) != 1 || f.Dropped[0].Time.UnixNano() != 5 || f.Dropped[0].Labels["app"] != "a" {
		t.Fatalf("frame = %+v", f)
	}
	if _, err := decodeTailFrame([]byte(`{"streams":[{"stream":{},"values":[["x","b"]]}]}`)); err == nil {
		t.Fatal("bad timestamp accepted")
	}
}

func TestTailConnectionRefused(t *testing.T) {
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
	_, err = c.Tail(context.Background(), `{app="hidden-query"}`, time.Time{}, 0, 0)
	if err == nil {
		t.Fatal("no error against a closed port")
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "loki: tail: ") || strings.Contains(msg, "hidden-query") || strings.Contains(msg, "\n") {
		t.Errorf("error %q", msg)
	}
}
