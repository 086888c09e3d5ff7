package logs

import (
	"strings"
	"testing"
	"time"

	"oncall/internal/logview"
	"oncall/tui/tuitest"
)

// startTail presses t and waits for the tail to run.
func startTail(t *testing.T, d *tuitest.Driver, s *Screen) *logview.Follower {
	t.Helper()
	d.Press("t").Until("the tail to connect", func() bool { return s.tail != nil || !s.tailing })
	if s.tail == nil {
		t.Fatalf("tail not running: %q", s.tailNote)
	}
	return s.tail
}

func waitStopped(t *testing.T, f *logview.Follower) {
	t.Helper()
	select {
	case <-f.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the follower is still running")
	}
}

func TestTailFollowsNewLines(t *testing.T) {
	srv := fixtureLoki(t)
	d, s := start(t, srv, setup{dark: true})
	open(t, d, s)
	f := startTail(t, d, s)
	if !strings.Contains(d.Screen(), "● live") {
		t.Fatal("status line should show the live tail")
	}
	ls := map[string]string{"service_name": "conectcrm-backend", "env": "prod", "level": "error"}
	srv.Push(ls, time.Now(), `{"msg":"fresh line one"}`, nil)
	srv.Push(map[string]string{"service_name": "redis", "env": "prod"}, time.Now(), "other service", nil)
	d.Until("the first tail line", func() bool { return s.buf.Len() > fixtureLines })
	if s.buf.Len() != fixtureLines+1 || !strings.Contains(s.row().Text, "fresh line one") {
		t.Fatalf("%d rows, cursor on %q: the cursor should follow the newest line", s.buf.Len(), s.row().Text)
	}
	// scrolled up, the cursor stays and new lines are counted
	d.Press("k")
	srv.Push(ls, time.Now(), `{"msg":"fresh line two"}`, nil)
	d.Until("the second tail line", func() bool { return s.buf.Len() > fixtureLines+1 })
	if s.tailNew != 1 || strings.Contains(s.row().Text, "fresh line two") || !strings.Contains(d.Screen(), "1 new below (G)") {
		t.Fatalf("tailNew %d, row %q", s.tailNew, s.row().Text)
	}
	d.Press("G")
	if s.tailNew != 0 || !strings.Contains(s.row().Text, "fresh line two") {
		t.Fatal("G should go to the newest line")
	}
	d.Press("t")
	waitStopped(t, f)
	if s.tail != nil || !strings.Contains(d.Screen(), "tail off") {
		t.Fatal("t should stop the tail")
	}
}

func TestTailStopsWhenTheScreenIsLeft(t *testing.T) {
	d, s := opened(t, setup{w: 120, h: 30, dark: true})

	// esc leaves at once
	f := startTail(t, d, s)
	d.Press("esc")
	waitStopped(t, f)
	if d.M.Shown() != "" || s.tailing {
		t.Fatal("esc should leave and stop the tail")
	}

	// any other way out is noticed at the next read (at most a second)
	d.Press("l")
	f = startTail(t, d, s)
	d.Press("S")
	if !strings.Contains(d.Screen(), "LowTraffic") || d.M.Shown() != "" {
		t.Fatal("S should show the silences")
	}
	d.Until("the tail to notice", func() bool { return !s.tailing })
	waitStopped(t, f)
	if s.tail != nil || !strings.Contains(s.tailNote, "screen left") {
		t.Fatalf("tail %v, note %q", s.tail, s.tailNote)
	}
}

func TestTailReplyAfterToggleOffIsDropped(t *testing.T) {
	d, s := opened(t, setup{w: 120, h: 30, dark: true})
	// t's connection is held back until t was pressed again
	_, cmd := d.M.Update(tuitest.Key("t"))
	d.Press("t") // off before the connection is made
	msg := cmd().(tailStartedMsg)
	if msg.err != nil {
		t.Fatal(msg.err)
	}
	d.Send(msg)
	if s.tail != nil || s.tailing {
		t.Fatal("a late connection must not start a tail")
	}
	waitStopped(t, msg.f)
}
