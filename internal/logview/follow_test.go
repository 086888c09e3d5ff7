package logview

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"oncall/sources/loki"
	"oncall/sources/loki/lokitest"
)

func waitGoroutines(t *testing.T, atMost int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > atMost {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), atMost, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func newFollowServer(t *testing.T) (*lokitest.Server, *loki.Client) {
	t.Helper()
	srv := lokitest.New()
	t.Cleanup(srv.Close)
	c, err := loki.New(loki.Config{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestFollowDeliversNewLinesAndStops(t *testing.T) {
	srv, c := newFollowServer(t)
	before := runtime.NumGoroutine()
	f, err := Follow(c, NewBuilder(nil, time.UTC), `{app="api"}`, time.Now(), 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if fr := f.Next(50 * time.Millisecond); !fr.Idle || len(fr.Rows) != 0 {
		t.Fatalf("expected an idle read, got %+v", fr)
	}
	srv.Push(map[string]string{"app": "api", "level": "error"}, time.Now(), `{"msg":"boom","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}`, nil)
	srv.Push(map[string]string{"app": "other"}, time.Now(), "not for us", nil)
	var rows []Row
	for deadline := time.Now().Add(5 * time.Second); len(rows) == 0 && time.Now().Before(deadline); {
		fr := f.Next(time.Second)
		if fr.Closed {
			t.Fatalf("closed: %v", fr.Err)
		}
		rows = append(rows, fr.Rows...)
	}
	if len(rows) != 1 || rows[0].Level != LevelError || rows[0].TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Fatalf("rows %+v", rows)
	}
	f.Stop()
	f.Stop()
	if fr := f.Next(time.Second); !fr.Closed {
		t.Fatalf("after Stop: %+v", fr)
	}
	<-f.Done()
	waitGoroutines(t, before)
}

func TestFollowStopsWhenNobodyReads(t *testing.T) {
	_, c := newFollowServer(t)
	before := runtime.NumGoroutine()
	f, err := Follow(c, NewBuilder(nil, time.UTC), `{app="api"}`, time.Time{}, 0, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-f.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the lease did not expire")
	}
	waitGoroutines(t, before)
}

func TestFollowReportsConnectErrors(t *testing.T) {
	srv, c := newFollowServer(t)
	srv.Inject(lokitest.Fault{Path: "/loki/api/v1/tail", Status: 401, Body: "no org id"})
	_, err := Follow(c, NewBuilder(nil, time.UTC), `{app="api"}`, time.Time{}, 0, 0)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v", err)
	}
}

func TestFollowMarksAReconnectionInTheRows(t *testing.T) {
	srv, c := newFollowServer(t)
	f, err := FollowWith(c, NewBuilder(nil, time.UTC), `{app="api"}`, loki.TailOptions{MinBackoff: 100 * time.Millisecond}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Stop()
	for srv.TailCount() != 1 {
		time.Sleep(5 * time.Millisecond)
	}
	srv.DropTails()
	for srv.TailCount() != 0 {
		time.Sleep(5 * time.Millisecond)
	}
	srv.Push(map[string]string{"app": "api"}, time.Now(), "while disconnected", nil)
	var rows []Row
	var gaps []loki.Gap
	sawRetry := false
	for deadline := time.Now().Add(5 * time.Second); len(gaps) == 0 && time.Now().Before(deadline); {
		fr := f.Next(time.Second)
		if fr.Closed {
			t.Fatalf("closed: %v", fr.Err)
		}
		sawRetry = sawRetry || fr.Retrying != nil
		rows = append(rows, fr.Rows...)
		gaps = append(gaps, fr.Gaps...)
	}
	if len(gaps) != 1 || !gaps[0].Backfilled || gaps[0].Lines != 1 || !sawRetry {
		t.Fatalf("gaps %+v, retry seen %v", gaps, sawRetry)
	}
	if len(rows) != 2 || rows[0].Line != "while disconnected" || rows[1].Gap == nil ||
		!strings.HasPrefix(rows[1].Text, "⋯ tail reconnected (connection lost): 1 line ") {
		t.Fatalf("rows %+v", rows)
	}
}
