package tui

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"oncall/internal/logview"
	"oncall/sources/loki/lokitest"
	"oncall/tui/screens/trace"
)

func TestLogsGoldenViews(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	logsFixture(srv)
	views := []struct {
		name string
		keys []string
	}{
		{"logs", nil},
		{"logs-search-wrap", []string{"/", "pool", "enter", "w"}},
		{"logs-json", []string{"k", "k", "v"}},
	}
	for _, sz := range []struct{ w, h int }{{80, 24}, {160, 48}} {
		for _, dark := range []bool{true, false} {
			bg := map[bool]string{true: "dark", false: "light"}[dark]
			for _, v := range views {
				name := fmt.Sprintf("%s-%dx%d-%s", v.name, sz.w, sz.h, bg)
				t.Run(name, func(t *testing.T) {
					m, s := newLogsModel(t, sz.w, sz.h, dark, srv, LogsOptions{})
					logsOpen(t, m, s)
					for _, k := range v.keys {
						if len(k) > 1 && k != "enter" {
							typeText(m, k)
						} else {
							logsPress(t, m, k)
						}
					}
					out := m.Render()
					lines := strings.Split(out, "\n")
					if len(lines) != sz.h {
						t.Fatalf("rendered %d lines, want %d", len(lines), sz.h)
					}
					for i, l := range lines {
						if w := width(l); w != sz.w {
							t.Fatalf("line %d is %d cells wide, want %d: %q", i, w, sz.w, plain(l))
						}
					}
					golden(t, name, out)
				})
			}
		}
	}
}

func TestLogsOpenLoadsTheAlertWindow(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	logsFixture(srv)
	m, s := newLogsModel(t, 160, 48, true, srv, LogsOptions{})
	if m.Selected().Name() != "APIDown" {
		t.Fatal("fixture: APIDown should be selected")
	}
	logsOpen(t, m, s)
	if m.view != viewScreen || m.screen != LogsScreenName {
		t.Fatal("l did not show the logs screen")
	}
	wantQ := `{env="prod", service_name=~"conectcrm-backend|api-gateway|postgres"}`
	if s.query != wantQ {
		t.Fatalf("query %q, want %q", s.query, wantQ)
	}
	start := fixedNow.Add(-12*time.Minute - logview.AlertLead)
	var asked bool
	for _, r := range srv.Requests() {
		if r.Path == "/loki/api/v1/query_range" {
			asked = true
			if r.Query.Get("query") != wantQ || r.Query.Get("start") != strconv.FormatInt(start.UnixNano(), 10) || r.Query.Get("end") != strconv.FormatInt(fixedNow.UnixNano(), 10) {
				t.Fatalf("asked %v", r.Query)
			}
		}
	}
	if !asked || s.buf.Len() != logsFixtureLines {
		t.Fatalf("asked %v, %d rows, want %d", asked, s.buf.Len(), logsFixtureLines)
	}
	if s.cursor != s.buf.Len()-1 || !strings.Contains(s.row().Text, "pool stats") {
		t.Fatal("the cursor should start on the newest line")
	}
	out := screenText(m)
	for _, want := range []string{"Logs · APIDown", "03:13:00–03:30:00 (17m)", "14 lines", "03:29:30.000 conectcrm-backend", "DEBUG", "tail off"} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
	// the same alert again keeps what is shown; another alert reloads
	before := len(srv.Requests())
	logsPress(t, m, "esc")
	logsPress(t, m, "l")
	if len(srv.Requests()) != before {
		t.Fatal("re-opening the same alert must not reload")
	}
	logsPress(t, m, "esc")
	logsPress(t, m, "j")
	logsPress(t, m, "l")
	if len(srv.Requests()) == before || s.alertName == "APIDown" {
		t.Fatal("another alert must load its own window")
	}
}

func TestLogsErrorToggleRequeriesLoki(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	logsFixture(srv)
	m, s := newLogsModel(t, 120, 40, true, srv, LogsOptions{})
	logsOpen(t, m, s)
	logsPress(t, m, "e")
	if !strings.HasSuffix(s.query, logview.ErrorFilter) {
		t.Fatalf("query %q lacks the error filter", s.query)
	}
	if s.buf.Len() != 9 {
		t.Fatalf("%d rows, want the 9 error and warning lines", s.buf.Len())
	}
	for i := 0; i < s.buf.Len(); i++ {
		if l := s.buf.At(i).Level; l != logview.LevelError && l != logview.LevelWarn {
			t.Fatalf("row %d has level %v", i, l)
		}
	}
	if !strings.Contains(screenText(m), "errors+warnings") {
		t.Fatal("status line does not say the filter is on")
	}
	logsPress(t, m, "e")
	if s.buf.Len() != logsFixtureLines || strings.Contains(s.query, "| json") {
		t.Fatalf("filter off: %d rows, query %q", s.buf.Len(), s.query)
	}
}

func TestLogsSearchMovesBetweenMatches(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	logsFixture(srv)
	m, s := newLogsModel(t, 160, 48, true, srv, LogsOptions{})
	logsOpen(t, m, s)
	logsPress(t, m, "/")
	if !s.Capturing() {
		t.Fatal("/ should open the search box")
	}
	typeText(m, "pool") // q, l, ... would otherwise quit or reopen
	logsPress(t, m, "enter")
	if s.Capturing() || s.matches != 2 {
		t.Fatalf("capturing %v, %d matches, want 2", s.Capturing(), s.matches)
	}
	last := s.cursor
	if !strings.Contains(s.row().Text, "pool stats") {
		t.Fatal("the search should start at the cursor's own line")
	}
	st := logsPress(t, m, "n")
	if !strings.Contains(s.row().Text, "from pool after") || len(st) != 1 || st[0].Text != "search wrapped around" {
		t.Fatalf("n: row %q, status %v", s.row().Text, st)
	}
	logsPress(t, m, "N")
	if s.cursor != last {
		t.Fatal("N did not go back")
	}
	if out := screenText(m); !strings.Contains(out, "/pool  2 matching lines") {
		t.Fatalf("footer:\n%s", out)
	}
	// upper case makes it case-sensitive: nothing matches
	logsPress(t, m, "/")
	for range 4 {
		logsPress(t, m, "backspace")
	}
	typeText(m, "POOL")
	if st := logsPress(t, m, "enter"); len(st) != 1 || !st[0].Err {
		t.Fatalf("no match should be reported: %v", st)
	}
	logsPress(t, m, "esc")
	if !s.search.Empty() || m.view != viewScreen {
		t.Fatal("esc should clear the search and stay")
	}
	logsPress(t, m, "esc")
	if m.view != viewAlerts {
		t.Fatal("a second esc should go back to the alerts")
	}
}

func TestLogsWrapShowsLongLinesWhole(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	logsFixture(srv)
	m, s := newLogsModel(t, 80, 24, true, srv, LogsOptions{})
	logsOpen(t, m, s)
	if strings.Contains(screenText(m), "END-OF-LONG-LINE") {
		t.Fatal("the long line should be cut without wrap")
	}
	logsPress(t, m, "w")
	out := screenText(m)
	if !strings.Contains(out, "END-OF-LONG-LINE") || !strings.Contains(out, "wrap") {
		t.Fatalf("wrapped view:\n%s", out)
	}
	// moving up through wrapped rows keeps the cursor row on screen
	for range logsFixtureLines {
		logsPress(t, m, "k")
		if !strings.Contains(screenText(m), "▌") {
			t.Fatalf("cursor row %d not drawn", s.cursor)
		}
	}
	if s.cursor != 0 || s.top != 0 {
		t.Fatalf("cursor %d top %d", s.cursor, s.top)
	}
}

func TestLogsEnterOpensTraceOrLine(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	logsFixture(srv)
	m, s := newLogsModel(t, 160, 48, true, srv, LogsOptions{})
	logsOpen(t, m, s)
	// a JSON line without trace id: enter shows it pretty-printed, whole
	logsPress(t, m, "enter")
	if s.detail == nil {
		t.Fatal("enter on a line without trace id should open the line")
	}
	out := screenText(m)
	for _, want := range []string{"Log line · JSON", `"waiting": 151`, "level    debug"} {
		if !strings.Contains(out, want) {
			t.Fatalf("line view lacks %q:\n%s", want, out)
		}
	}
	logsPress(t, m, "esc")
	if s.detail != nil || m.view != viewScreen {
		t.Fatal("esc should close the line view only")
	}
	// a line with a trace id: enter opens the trace, with its span
	logsPress(t, m, "k")
	if s.row().TraceID != logsTraceB {
		t.Fatalf("fixture: row %q", s.row().Text)
	}
	_, cmd := m.Update(keyMsg("enter"))
	if cmd != nil {
		m.Update(cmd()) // the request to the trace screen (kit.OpenTraceMsg)
	}
	ts, ok := m.ScreenNamed(trace.Name).(*trace.Screen)
	if cmd == nil || !ok || m.screen != trace.Name || ts.TraceID() != logsTraceB {
		t.Fatalf("trace not opened: screen %q", m.screen)
	}
	if s.detail != nil {
		t.Fatal("a trace line must not open the line view")
	}
}

func TestLogsBufferIsBounded(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	ls := map[string]string{"service_name": "conectcrm-backend", "env": "prod"}
	for i := 0; i < 300; i++ {
		srv.Push(ls, fixedNow.Add(-10*time.Minute+time.Duration(i)*time.Second), fmt.Sprintf("line %d", i), nil)
	}
	m, s := newLogsModel(t, 80, 24, true, srv, LogsOptions{MaxLines: 50})
	logsOpen(t, m, s)
	if s.buf.Len() != 50 || s.buf.At(0).Line != "line 250" || s.buf.At(49).Line != "line 299" || !s.capped {
		t.Fatalf("%d rows, first %q", s.buf.Len(), s.buf.At(0).Line)
	}
	if !strings.Contains(screenText(m), "50 lines (newest 50)") {
		t.Fatal("status line should say the window was capped")
	}
}

func TestLogsShowsErrorsInTheScreenOnly(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	srv.Inject(lokitest.Fault{Path: "/loki/api/v1/query_range", Status: 400, Body: "parse error at line 1, col 5: syntax error"})
	m, s := newLogsModel(t, 120, 30, true, srv, LogsOptions{})
	logsPress(t, m, "l")
	if s.loading || s.loaded {
		t.Fatal("a failed load must leave the screen not loaded")
	}
	out := screenText(m)
	if !strings.Contains(out, "✗ loki") || !strings.Contains(out, "syntax error") {
		t.Fatalf("error not shown:\n%s", out)
	}
	if m.health["loki"] != nil {
		t.Fatal("a logs failure must not mark a root source")
	}
	// a bad template is a configuration error, shown instead of logs
	m2, s2 := newLogsModel(t, 120, 30, true, srv, LogsOptions{AlertSelector: `{a="{{ .Labels.x"}`})
	logsPress(t, m2, "l")
	if s2.cfgErr == "" || !strings.Contains(screenText(m2), "alert_selector") {
		t.Fatal("template error not shown")
	}
	// an alert without the template's label says which label is missing
	m3, s3 := newLogsModel(t, 120, 30, true, srv, LogsOptions{AlertSelector: `{pod="{{ .Labels.pod }}"}`})
	logsPress(t, m3, "l")
	if s3.err == "" {
		t.Fatal("no error for a missing label")
	}
	if !strings.Contains(screenText(m3), "the alert has no label pod") {
		t.Fatalf("missing label not explained:\n%s", screenText(m3))
	}
}
