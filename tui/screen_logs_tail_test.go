package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/logview"
	"oncall/sources/loki/lokitest"
)

// startLogsTail presses t and applies the connection, returning the
// command that reads the first batch.
func startLogsTail(t *testing.T, m *Model, s *LogsScreen) (*logview.Follower, tea.Cmd) {
	t.Helper()
	_, cmd := m.Update(keyMsg("t"))
	if cmd == nil {
		t.Fatal("t returned no command")
	}
	_, read := m.Update(cmd())
	if s.tail == nil || read == nil {
		t.Fatalf("tail not running: %q", s.tailNote)
	}
	return s.tail, read
}

// readUntilRows runs tail reads until one brings rows; it returns the next
// read.
func readUntilRows(t *testing.T, m *Model, read tea.Cmd) tea.Cmd {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		msg := read().(logsTailMsg)
		_, read = m.Update(msg)
		if len(msg.fr.Rows) > 0 {
			return read
		}
		if read == nil {
			t.Fatal("the tail stopped")
		}
	}
	t.Fatal("no tail rows arrived")
	return nil
}

func waitStopped(t *testing.T, f *logview.Follower) {
	t.Helper()
	select {
	case <-f.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the follower is still running")
	}
}

func TestLogsTailFollowsNewLines(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	logsFixture(srv)
	m, s := newLogsModel(t, 160, 48, true, srv, LogsOptions{})
	logsOpen(t, m, s)
	f, read := startLogsTail(t, m, s)
	if !strings.Contains(screenText(m), "● live") {
		t.Fatal("status line should show the live tail")
	}
	ls := map[string]string{"service_name": "conectcrm-backend", "env": "prod", "level": "error"}
	srv.Push(ls, time.Now(), `{"msg":"fresh line one"}`, nil)
	srv.Push(map[string]string{"service_name": "redis", "env": "prod"}, time.Now(), "other service", nil)
	read = readUntilRows(t, m, read)
	if s.buf.Len() != logsFixtureLines+1 || !strings.Contains(s.row().Text, "fresh line one") {
		t.Fatalf("%d rows, cursor on %q: the cursor should follow the newest line", s.buf.Len(), s.row().Text)
	}
	// scrolled up, the cursor stays and new lines are counted
	logsPress(t, m, "k")
	srv.Push(ls, time.Now(), `{"msg":"fresh line two"}`, nil)
	readUntilRows(t, m, read)
	if s.tailNew != 1 || strings.Contains(s.row().Text, "fresh line two") || !strings.Contains(screenText(m), "1 new below (G)") {
		t.Fatalf("tailNew %d, row %q", s.tailNew, s.row().Text)
	}
	logsPress(t, m, "G")
	if s.tailNew != 0 || !strings.Contains(s.row().Text, "fresh line two") {
		t.Fatal("G should go to the newest line")
	}
	logsPress(t, m, "t")
	waitStopped(t, f)
	if s.tail != nil || !strings.Contains(screenText(m), "tail off") {
		t.Fatal("t should stop the tail")
	}
}

func TestLogsTailStopsWhenTheScreenIsLeft(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	logsFixture(srv)
	m, s := newLogsModel(t, 120, 30, true, srv, LogsOptions{})
	logsOpen(t, m, s)

	// esc leaves at once
	f, _ := startLogsTail(t, m, s)
	logsPress(t, m, "esc")
	waitStopped(t, f)
	if m.view != viewAlerts || s.tailing {
		t.Fatal("esc should leave and stop the tail")
	}

	// any other way out is noticed at the next read (at most a second)
	logsPress(t, m, "l")
	f, read := startLogsTail(t, m, s)
	logsPress(t, m, "S")
	if m.view != viewSilences {
		t.Fatal("S should show the silences")
	}
	if _, next := m.Update(read()); next != nil {
		t.Fatal("a tail read must not be re-armed once the screen is left")
	}
	waitStopped(t, f)
	if !strings.Contains(s.tailNote, "screen left") {
		t.Fatalf("note %q", s.tailNote)
	}
}

func TestLogsTailReplyAfterToggleOffIsDropped(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	logsFixture(srv)
	m, s := newLogsModel(t, 120, 30, true, srv, LogsOptions{})
	logsOpen(t, m, s)
	_, cmd := m.Update(keyMsg("t"))
	logsPress(t, m, "t") // off before the connection is made
	msg := cmd().(logsTailStartedMsg)
	if _, next := m.Update(msg); next != nil || s.tail != nil {
		t.Fatal("a late connection must not start a tail")
	}
	waitStopped(t, msg.f)
}
