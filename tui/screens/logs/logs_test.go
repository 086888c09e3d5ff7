package logs

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"oncall/internal/logview"
	"oncall/sources/loki/lokitest"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
)

func TestGoldenViews(t *testing.T) {
	for _, v := range []struct {
		name string
		keys []string
	}{
		{"logs", nil},
		{"logs-search-wrap", []string{"/", "pool", "enter", "w"}},
		{"logs-json", []string{"k", "k", "v"}},
	} {
		tuitest.Views(t, v.name, func(t *testing.T, w, h int, dark bool) *tuitest.Driver {
			d, _ := opened(t, setup{w: w, h: h, dark: dark})
			for _, k := range v.keys {
				if len(k) > 1 && k != "enter" {
					d.Type(k)
				} else {
					d.Press(k)
				}
			}
			return d
		})
	}
}

func TestOpenLoadsTheAlertWindow(t *testing.T) {
	srv := fixtureLoki(t)
	d, s := start(t, srv, setup{dark: true})
	if d.M.Selected().Name() != "APIDown" {
		t.Fatal("fixture: APIDown should be selected")
	}
	open(t, d, s)
	if d.M.Shown() != Name {
		t.Fatal("l did not show the logs screen")
	}
	wantQ := `{env="prod", service_name=~"conectcrm-backend|api-gateway|postgres"}`
	if s.query != wantQ {
		t.Fatalf("query %q, want %q", s.query, wantQ)
	}
	start := now.Add(-12*time.Minute - logview.AlertLead)
	var asked bool
	for _, r := range srv.Requests() {
		if r.Path == "/loki/api/v1/query_range" {
			asked = true
			if r.Query.Get("query") != wantQ || r.Query.Get("start") != strconv.FormatInt(start.UnixNano(), 10) || r.Query.Get("end") != strconv.FormatInt(now.UnixNano(), 10) {
				t.Fatalf("asked %v", r.Query)
			}
		}
	}
	if !asked || s.buf.Len() != fixtureLines {
		t.Fatalf("asked %v, %d rows, want %d", asked, s.buf.Len(), fixtureLines)
	}
	if s.cursor() != s.buf.Len()-1 || !strings.Contains(s.row().Text, "pool stats") {
		t.Fatal("the cursor should start on the newest line")
	}
	out := d.Screen()
	for _, want := range []string{"Logs · APIDown", "03:13:00–03:30:00 (17m)", "14 lines", "03:29:30.000 conectcrm-backend", "DEBUG", "tail off"} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
	// the same alert again keeps what is shown; another alert reloads
	before := len(srv.Requests())
	d.Press("esc", "l")
	if len(srv.Requests()) != before {
		t.Fatal("re-opening the same alert must not reload")
	}
	d.Press("esc", "j", "l")
	if len(srv.Requests()) == before || s.alertName == "APIDown" {
		t.Fatal("another alert must load its own window")
	}
}

func TestErrorToggleRequeriesLoki(t *testing.T) {
	d, s := opened(t, setup{w: 120, h: 40, dark: true})
	d.Press("e")
	// level is a stream label of every stream: the planner matches it in
	// the selector, no parser (issue 15: the old | json form timed out)
	want := `{env="prod", service_name=~"conectcrm-backend|api-gateway|postgres", level=~"error|warn"}`
	if s.query != want {
		t.Fatalf("query %q, want %q", s.query, want)
	}
	if out := d.Screen(); !strings.Contains(out, "errors: level is a stream label of every stream") || !strings.Contains(out, want) {
		t.Fatalf("the pane should say the form sent and why:\n%s", out)
	}
	if s.buf.Len() != 9 {
		t.Fatalf("%d rows, want the 9 error and warning lines", s.buf.Len())
	}
	for i := 0; i < s.buf.Len(); i++ {
		if l := s.buf.At(i).Level; l != logview.LevelError && l != logview.LevelWarn {
			t.Fatalf("row %d has level %v", i, l)
		}
	}
	if !strings.Contains(d.Screen(), "errors+warnings") {
		t.Fatal("status line does not say the filter is on")
	}
	d.Press("e")
	if s.buf.Len() != fixtureLines || strings.Contains(s.query, "| json") {
		t.Fatalf("filter off: %d rows, query %q", s.buf.Len(), s.query)
	}
}

func TestSearchMovesBetweenMatches(t *testing.T) {
	d, s := opened(t, setup{dark: true})
	d.Press("/")
	if !s.Capturing() {
		t.Fatal("/ should open the search box")
	}
	d.Type("pool") // q, l, ... would otherwise quit or reopen
	d.Press("enter")
	if s.Capturing() || s.matches != 2 {
		t.Fatalf("capturing %v, %d matches, want 2", s.Capturing(), s.matches)
	}
	last := s.cursor()
	if !strings.Contains(s.row().Text, "pool stats") {
		t.Fatal("the search should start at the cursor's own line")
	}
	d.Press("n")
	if !strings.Contains(s.row().Text, "from pool after") || !strings.Contains(d.Screen(), "search wrapped around") {
		t.Fatalf("n: row %q, screen:\n%s", s.row().Text, d.Screen())
	}
	d.Press("N")
	if s.cursor() != last {
		t.Fatal("N did not go back")
	}
	if out := d.Screen(); !strings.Contains(out, "/pool  2 matching lines · n/N next/prev · esc clears") {
		t.Fatalf("footer:\n%s", out)
	}
	// upper case makes it case-sensitive: nothing matches
	d.Press("/", "backspace", "backspace", "backspace", "backspace")
	d.Type("POOL").Press("enter")
	if !strings.Contains(d.Screen(), `no line matches "POOL"`) {
		t.Fatalf("no match should be reported:\n%s", d.Screen())
	}
	d.Press("esc")
	if !s.search.Empty() || d.M.Shown() != Name {
		t.Fatal("esc should clear the search and stay")
	}
	d.Press("esc")
	if d.M.Shown() != "" {
		t.Fatal("a second esc should go back to the alerts")
	}
}

func TestWrapShowsLongLinesWhole(t *testing.T) {
	d, s := opened(t, setup{w: 80, h: 24, dark: true})
	if strings.Contains(d.Screen(), "END-OF-LONG-LINE") {
		t.Fatal("the long line should be cut without wrap")
	}
	d.Press("w")
	out := d.Screen()
	if !strings.Contains(out, "END-OF-LONG-LINE") || !strings.Contains(out, "wrap") {
		t.Fatalf("wrapped view:\n%s", out)
	}
	// moving up through wrapped rows keeps the cursor row on screen
	for range fixtureLines {
		d.Press("k")
		if !strings.Contains(d.Screen(), "▌") {
			t.Fatalf("cursor row %d not drawn", s.cursor())
		}
	}
	if s.cursor() != 0 || s.top != 0 {
		t.Fatalf("cursor %d top %d", s.cursor(), s.top)
	}
}

func TestEnterOpensTraceOrLine(t *testing.T) {
	tr := &traceOpens{}
	d, s := opened(t, setup{dark: true, trace: tr})
	// a JSON line without trace id: enter shows it pretty-printed, whole
	d.Press("enter")
	if s.detail == nil {
		t.Fatal("enter on a line without trace id should open the line")
	}
	out := d.Screen()
	for _, want := range []string{"Log line · JSON", `"waiting": 151`, "level    debug", "↑/↓ scroll · esc/v back"} {
		if !strings.Contains(out, want) {
			t.Fatalf("line view lacks %q:\n%s", want, out)
		}
	}
	d.Press("esc")
	if s.detail != nil || d.M.Shown() != Name {
		t.Fatal("esc should close the line view only")
	}
	// a line with a trace id: enter asks the trace screen for it
	d.Press("k")
	if s.row().TraceID != traceB {
		t.Fatalf("fixture: row %q", s.row().Text)
	}
	if !strings.Contains(d.Screen(), "enter trace 0af76519… · v line · e errors") {
		t.Fatalf("hint of a traced line:\n%s", d.Screen())
	}
	d.Press("enter")
	if len(tr.got) != 1 || tr.got[0].TraceID != traceB || tr.got[0].SpanID != "" || d.M.Shown() != kit.TraceScreen {
		t.Fatalf("trace not opened: %+v, shown %q", tr.got, d.M.Shown())
	}
	if s.detail != nil {
		t.Fatal("a trace line must not open the line view")
	}
	// from the line view too, with the line's span
	d.Press("esc", "l", "k", "k", "k", "k", "k", "v")
	if s.detail == nil || s.detail.row.TraceID != traceA {
		t.Fatalf("line view of %v", s.detail)
	}
	d.Press("enter")
	if len(tr.got) != 2 || tr.got[1].TraceID != traceA || tr.got[1].SpanID != "b7ad6b7169203331" {
		t.Fatalf("trace from the line view: %+v", tr.got)
	}
}

func TestBracketsJumpToLinesWithATraceID(t *testing.T) {
	d, s := opened(t, setup{dark: true})
	d.Press("[")
	if s.row().TraceID != traceB {
		t.Fatalf("[ from the newest line: %q", s.row().Text)
	}
	d.Press("[")
	if s.row().TraceID != traceA || !strings.Contains(s.row().Text, "upstream request failed") {
		t.Fatalf("second [: %q", s.row().Text)
	}
	d.Press("[", "[")
	if !strings.Contains(d.Screen(), "no older line carries a trace id") || !strings.Contains(s.row().Text, "from pool after") {
		t.Fatalf("past the oldest traced line: row %q\n%s", s.row().Text, d.Screen())
	}
	d.Press("]", "]")
	if s.row().TraceID != traceB {
		t.Fatalf("] twice: %q", s.row().Text)
	}
	d.Press("]")
	if !strings.Contains(d.Screen(), "no newer line carries a trace id") {
		t.Fatalf("past the newest traced line:\n%s", d.Screen())
	}
}

func TestBufferIsBounded(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	ls := map[string]string{"service_name": "conectcrm-backend", "env": "prod"}
	for i := 0; i < 300; i++ {
		srv.Push(ls, now.Add(-10*time.Minute+time.Duration(i)*time.Second), fmt.Sprintf("line %d", i), nil)
	}
	d, s := start(t, srv, setup{w: 80, h: 24, dark: true, opts: Options{MaxLines: 50}})
	open(t, d, s)
	if s.buf.Len() != 50 || s.buf.At(0).Line != "line 250" || s.buf.At(49).Line != "line 299" || !s.capped {
		t.Fatalf("%d rows, first %q", s.buf.Len(), s.buf.At(0).Line)
	}
	if !strings.Contains(d.Screen(), "50 lines (newest 50)") {
		t.Fatal("status line should say the window was capped")
	}
}

func TestShowsErrorsInTheScreenOnly(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	srv.Inject(lokitest.Fault{Path: "/loki/api/v1/query_range", Status: 400, Body: "parse error at line 1, col 5: syntax error"})
	d, s := start(t, srv, setup{w: 120, h: 30, dark: true})
	d.Press("l").Until("the load to fail", func() bool { return !s.loading })
	if s.loaded {
		t.Fatal("a failed load must leave the screen not loaded")
	}
	out := d.Screen()
	if !strings.Contains(out, "✗ loki") || !strings.Contains(out, "syntax error") {
		t.Fatalf("error not shown:\n%s", out)
	}
	lines := strings.Split(out, "\n")
	if bar := lines[len(lines)-1]; strings.Contains(bar, "✗") || strings.Contains(bar, "loki") {
		t.Fatalf("a logs failure must not mark a root source: %q", bar)
	}
	// a bad template is a configuration error, shown instead of logs
	d2, s2 := start(t, srv, setup{w: 120, h: 30, dark: true, opts: Options{AlertSelector: `{a="{{ .Labels.x"}`}})
	d2.Press("l")
	if s2.cfgErr == "" || !strings.Contains(d2.Screen(), "alert_selector") {
		t.Fatal("template error not shown")
	}
	// an alert without the template's label says which label is missing
	d3, s3 := start(t, srv, setup{w: 120, h: 30, dark: true, opts: Options{AlertSelector: `{pod="{{ .Labels.pod }}"}`}})
	d3.Press("l").Until("the load to fail", func() bool { return !s3.loading })
	if s3.err == "" {
		t.Fatal("no error for a missing label")
	}
	if !strings.Contains(d3.Screen(), "the alert has no label pod") {
		t.Fatalf("missing label not explained:\n%s", d3.Screen())
	}
}
