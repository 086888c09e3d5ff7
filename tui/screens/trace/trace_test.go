package trace

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/logview"
	"oncall/sources/loki"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
	"oncall/tui/tuitest/fixture"
)

// opened is a session at w×h showing the fixture trace.
func opened(t *testing.T, w, h int, dark bool) *tuitest.Driver {
	src, _, _ := trSources()
	d := newDriver(t, w, h, dark, src)
	trOpen(t, d, "")
	return d
}

func TestTraceGoldenViews(t *testing.T) {
	tuitest.Views(t, "trace", opened)
	tuitest.Views(t, "trace-span", func(t *testing.T, w, h int, dark bool) *tuitest.Driver {
		return opened(t, w, h, dark).Press("j", "j", "j", "j", "enter") // postgres: the span tags, its logs
	})
}

// TestTraceHelpGolden: ? on the trace screen lists its own keys first.
func TestTraceHelpGolden(t *testing.T) {
	tuitest.Help(t, "help", opened, "Trace", "c", "copy the Jaeger link", "waterfall ↔ logs", "span detail (tags, logs)", "fetch again")
}

// TestTraceKeysRemap: [keys.trace] copy = "y" moves the copy to y, takes
// it from c, and the hint line says so.
func TestTraceKeysRemap(t *testing.T) {
	src, _, _ := trSources()
	cfg := tuitest.Config()
	cfg.Keys.Screens = map[string]map[string]string{"trace": {"copy": "y"}}
	d := tuitest.New(t, tuitest.Setup{Width: 160, Height: 48, Dark: true, Config: cfg, Entries: []kit.Entry{Entry(src)}})
	trOpen(t, d, "")
	if out := d.Screen(); !strings.Contains(out, "y copy · tab focus · enter span · esc back") {
		t.Errorf("the hint line does not show the remapped key:\n%s", out)
	}
	d.Press("c")
	if strings.Contains(d.Screen(), "copied") {
		t.Fatal("c still copies after copy was remapped to y")
	}
	d.Press("y")
	if out := d.Screen(); !strings.Contains(lastLine(out), "copied "+trUIURL[:len(trUIURL)-6]) {
		t.Errorf("y did not copy the link:\n%s", out)
	}
}

func TestTraceScreenShowsWaterfallAndSortedLogs(t *testing.T) {
	src, j, l := trSources()
	d := newDriver(t, 160, 48, true, src)
	s := trOpen(t, d, trBe)
	if len(j.gets) != 1 || j.gets[0] != trFixtureID || len(l.queries) != 1 {
		t.Fatalf("gets %v, log queries %d: want one of each", j.gets, len(l.queries))
	}
	q := l.queries[0]
	if q.Query != `{env="prod"} |= "`+trFixtureID+`"` || !q.End.Equal(fixture.Now()) || !q.Start.Equal(fixture.Now().Add(-24*time.Hour)) || q.Direction != "forward" {
		t.Errorf("log query = %+v", q)
	}
	if s.selectedSpan().SpanID != trBe {
		t.Errorf("cursor on %s, want the span the log line named (%s)", s.selectedSpan().SpanID, trBe)
	}
	out := d.Screen()
	for _, want := range []string{
		"Trace " + trFixtureID + " · 6 spans · 3 services · 5.02s · 3 errors",
		"jaeger " + trUIURL + "/trace/" + trFixtureID,
		"api-gateway GET /api/v1/contacts", "  conectcrm-backend contacts.list", "    postgres SELECT id, name",
		"Logs 4 lines · all spans",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// Logs come back newest first; the screen shows them oldest first.
	var order []string
	for _, r := range s.logs {
		order = append(order, r.service+"/"+r.spanID)
	}
	want := []string{"conectcrm-backend/", "postgres/" + trPg, "conectcrm-backend/" + trBe, "api-gateway/" + trGw}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Errorf("log order %v, want %v", order, want)
	}
	// The link is an OSC 8 hyperlink.
	if raw := d.Render(); !strings.Contains(raw, "\x1b]8;;"+trUIURL+"/trace/"+trFixtureID+"\x1b\\") {
		t.Error("the Jaeger link is not an OSC 8 hyperlink")
	}
}

func TestTraceKeys(t *testing.T) {
	src, _, _ := trSources()
	d := newDriver(t, 160, 48, true, src)
	s := trOpen(t, d, "")

	// j/k select spans in display order.
	order := []string{trGw, trAuth, trBe, trRedis, trPg, trCatch}
	for i, id := range order {
		if got := s.selectedSpan().SpanID; got != id {
			t.Fatalf("step %d: cursor on %s, want %s", i, got, id)
		}
		d.Press("j")
	}
	d.Press("j") // stays on the last row
	if s.selectedSpan().SpanID != trCatch {
		t.Fatal("j moved past the last span")
	}
	d.Press("k")
	if s.selectedSpan().SpanID != trPg {
		t.Fatal("k did not move up")
	}
	d.Press("g", "j", "j")
	// enter: span mode shows the span's tags and events, logs narrowed.
	d.Press("enter")
	out := d.Screen()
	for _, want := range []string{"conectcrm-backend: contacts.list", "server.address=backend-2:3001", "exception", "exception.type=TimeoutError", "Logs 1 lines of span " + trBe, "host.name=backend-2"} {
		if !strings.Contains(out, want) {
			t.Errorf("span mode: no %q in\n%s", want, out)
		}
	}
	if len(s.shown) != 1 || s.logs[s.shown[0]].spanID != trBe {
		t.Errorf("span mode shows %v, want the backend's line", s.shown)
	}
	// Moving in span mode follows the selection.
	d.Press("j", "j")
	if len(s.shown) != 1 || s.logs[s.shown[0]].spanID != trPg || !strings.Contains(d.Screen(), "db.system=postgresql") {
		t.Errorf("after moving to postgres: shown %v", s.shown)
	}
	// enter again: all logs.
	d.Press("enter")
	if s.spanMode || len(s.shown) != 4 {
		t.Errorf("enter did not toggle back: span mode %v, %d lines", s.spanMode, len(s.shown))
	}
	// tab to the logs; enter on a line selects its span.
	d.Press("tab")
	if s.focus != focusLogs || !strings.Contains(d.Screen(), "▸Logs") {
		t.Fatalf("focus %d after tab, want logs", s.focus)
	}
	d.Press("G") // the gateway's line, the last
	if s.lines.Cursor() != 3 {
		t.Fatalf("G in the logs: line %d, want the last (3)", s.lines.Cursor())
	}
	d.Press("enter")
	if s.selectedSpan().SpanID != trGw || !s.spanMode || s.focus != focusWaterfall {
		t.Errorf("enter on the gateway line: cursor %s, span mode %v, focus %d", s.selectedSpan().SpanID, s.spanMode, s.focus)
	}
	if len(s.shown) != 1 || s.lines.Cursor() != 0 {
		t.Errorf("the narrowed logs: %v, cursor %d; want the gateway's line under the cursor", s.shown, s.lines.Cursor())
	}
	// tab cycles waterfall → logs → span detail → waterfall in span mode.
	d.Press("tab", "tab")
	if s.focus != focusSpan || !strings.Contains(d.Screen(), "▸Span") {
		t.Errorf("focus %d, want the span detail", s.focus)
	}
	d.Press("tab")
	// esc leaves span mode, then leaves the screen.
	d.Press("esc")
	if s.spanMode || d.M.Shown() != Name {
		t.Fatalf("first esc: span mode %v, shown %q", s.spanMode, d.M.Shown())
	}
	d.Press("esc")
	if d.M.Shown() != "" || !strings.Contains(d.Screen(), "APIDown") {
		t.Errorf("second esc: shown %q, want the alert list:\n%s", d.M.Shown(), d.Screen())
	}
}

// TestTraceDetailScrolls: with the span detail focused, the movement keys
// scroll it.
func TestTraceDetailScrolls(t *testing.T) {
	src, j, _ := trSources()
	tr := trFixtureTrace()
	for i := range 40 {
		tr.Spans[2].Tags[fmt.Sprintf("tag.%02d", i)] = "value"
	}
	j.traces[trFixtureID] = tr
	d := newDriver(t, 80, 24, true, src)
	s := trOpen(t, d, trBe)
	d.Press("enter", "tab", "tab")
	if s.focus != focusSpan {
		t.Fatalf("focus %d, want the span detail", s.focus)
	}
	top := d.Screen()
	d.Press("j")
	if s.detailOffset != 1 || d.Screen() == top {
		t.Errorf("j in the detail: offset %d", s.detailOffset)
	}
	d.Press("G")
	if want := len(s.wrapped) - s.detailH; s.detailOffset != want || !strings.Contains(d.Screen(), "host.name=backend-2") {
		t.Errorf("G in the detail: offset %d, want %d (its end):\n%s", s.detailOffset, want, d.Screen())
	}
	d.Press("g")
	if s.detailOffset != 0 || s.selectedSpan().SpanID != trBe {
		t.Errorf("g in the detail: offset %d, span %s", s.detailOffset, s.selectedSpan().SpanID)
	}
}

func TestTraceCopiesTheJaegerLink(t *testing.T) {
	src, _, _ := trSources()
	d := newDriver(t, 120, 40, true, src)
	s := trOpen(t, d, "")
	_, cmd := s.HandleKey(d.M, tuitest.Key("c"))
	found := false
	for _, msg := range tuitest.Messages(cmd) {
		if strings.Contains(fmt.Sprintf("%T", msg), "setClipboard") && fmt.Sprint(msg) == trUIURL+"/trace/"+trFixtureID {
			found = true
		}
	}
	if !found {
		t.Error("c produced no OSC 52 clipboard write of the link")
	}
	if out := d.Screen(); !strings.Contains(lastLine(out), "copied "+trUIURL[:len(trUIURL)-6]) {
		t.Errorf("no status for the copy:\n%s", out)
	}
	src.UIURL = ""
	d = newDriver(t, 120, 40, true, src)
	trOpen(t, d, "")
	d.Press("c")
	if out := d.Screen(); !strings.Contains(out, "no Jaeger link to copy") || !strings.Contains(out, "no Jaeger UI URL configured") {
		t.Errorf("c without a UI URL:\n%s", out)
	}
}

func TestTraceStaleRepliesAreDropped(t *testing.T) {
	src, j, l := trSources()
	other := trFixtureTrace()
	other.TraceID = "00000000000000000000000000000bad"
	j.traces[other.TraceID] = other
	d := newDriver(t, 120, 40, true, src)
	s := screenOf(t, d)
	// The first open's replies are held back and arrive after the second.
	late := tuitest.Messages(s.Update(d.M, kit.OpenTraceMsg{TraceID: trFixtureID}))
	if len(late) != 2 {
		t.Fatalf("the first open gave %d replies, want the trace's and the logs'", len(late))
	}
	d.Run(kit.OpenTrace(other.TraceID, "", time.Time{}))
	for _, msg := range late {
		d.Send(msg)
	}
	if s.traceID != other.TraceID || s.wf.TraceID != other.TraceID {
		t.Errorf("showing %s (waterfall of %s), want %s", s.traceID, s.wf.TraceID, other.TraceID)
	}
	// A 64-bit id is searched in the logs without its zero padding.
	if q := l.queries[len(l.queries)-1].Query; q != `{env="prod"} |= "0000000000000bad"` {
		t.Errorf("log query for a 64-bit id = %s", q)
	}
}

func TestTraceFailuresStayInTheScreen(t *testing.T) {
	src, j, l := trSources()
	j.err = errors.New("jaeger GET http://jaeger:16686/api/v3/traces/x: connection refused")
	d := newDriver(t, 120, 40, true, src)
	trOpen(t, d, "")
	out := d.Screen()
	if !strings.Contains(out, "✗ jaeger: jaeger GET http://jaeger:16686/api/v3/traces/x: connection refused") || !strings.Contains(out, "Logs 4 lines") {
		t.Errorf("jaeger failure: want its error and the logs anyway:\n%s", out)
	}
	if !strings.Contains(out, "r retries · esc goes back") {
		t.Errorf("jaeger failure: no way out shown:\n%s", out)
	}
	if status := lastLine(out); strings.Contains(status, "✗") || !strings.Contains(status, "am ✓") {
		t.Errorf("a trace failure marked a source of the alert list unhealthy: %s", status)
	}
	j.err, l.err = nil, errors.New("loki: 429 Too Many Requests")
	d.Press("r")
	out = d.Screen()
	if !strings.Contains(out, "✗ loki: loki: 429 Too Many Requests") || !strings.Contains(out, "6 spans") {
		t.Errorf("loki failure: want the waterfall and the logs error:\n%s", out)
	}
	// Not found is said plainly.
	d2 := newDriver(t, 120, 40, true, src)
	d2.Run(kit.OpenTrace("0af7651916cd43dd8448eb211c80319c", "", time.Time{}))
	d2.UntilScreen("trace 0af7651916cd43dd8448eb211c80319c not found")
}

func lastLine(s string) string { return s[strings.LastIndex(s, "\n")+1:] }

func TestOpenTraceRefusesBadIDsAndMissingJaeger(t *testing.T) {
	src, j, _ := trSources()
	d := newDriver(t, 160, 48, true, src)
	d.Run(kit.OpenTrace("not-a-trace", "", time.Time{}))
	if out := d.Screen(); !strings.Contains(lastLine(out), "not hexadecimal") || d.M.Shown() != "" || len(j.gets) != 0 {
		t.Errorf("bad id: shown %q, gets %v:\n%s", d.M.Shown(), j.gets, out)
	}
	e := Entry(Options{})
	if e.New != nil || e.Unavailable == "" {
		t.Fatalf("without Jaeger: %+v, want an unavailable entry", e)
	}
	none := newDriver(t, 120, 40, true, Options{})
	none.Run(kit.OpenTrace(trFixtureID, "", time.Time{}))
	if out := none.Screen(); !strings.Contains(lastLine(out), "no Jaeger configured") || none.M.Shown() != "" {
		t.Errorf("no Jaeger: shown %q:\n%s", none.M.Shown(), out)
	}
}

// origin is a screen a trace is opened from, as the logs screen or the
// error-trace list are: esc on the trace goes back to it.
type origin struct{}

func (origin) Open(kit.Host, *alerts.Alert) tea.Cmd                { return nil }
func (origin) HandleKey(kit.Host, tea.KeyPressMsg) (bool, tea.Cmd) { return false, nil }
func (origin) Update(kit.Host, tea.Msg) tea.Cmd                    { return nil }
func (origin) Capturing() bool                                     { return false }
func (origin) View(w, h int, _ *kit.Styles, _ time.Time) string {
	return kit.Box([]string{"the origin screen"}, w, h)
}

func originEntry() kit.Entry {
	return kit.Entry{
		Spec: kit.Spec{Name: "origin", Title: "Origin", Open: kit.Binding{Action: "origin", Keys: []string{"O"}, Help: "origin"}},
		New:  func(kit.Host, *kit.Keymap) kit.Screen { return origin{} },
	}
}

// TestTraceOpenedFromAScreen: a kit.OpenTraceMsg with a time narrows the
// log window to it; esc goes back to the screen the trace was opened from,
// also after another trace was opened from the trace screen.
func TestTraceOpenedFromAScreen(t *testing.T) {
	src, j, l := trSources()
	other := trFixtureTrace()
	other.TraceID = "0af7651916cd43dd8448eb211c80319c"
	j.traces[other.TraceID] = other
	d := newDriver(t, 160, 48, true, src, originEntry())
	d.Press("O")
	if d.M.Shown() != "origin" {
		t.Fatalf("O showed %q", d.M.Shown())
	}
	d.Run(kit.OpenTrace(trFixtureID, "", trStart))
	s := screenOf(t, d)
	d.Until("the trace", func() bool { return s.wf != nil && !s.logsLoading })
	if d.M.Shown() != Name {
		t.Fatalf("shown %q, want the trace", d.M.Shown())
	}
	if lq := l.queries[0]; !lq.Start.Equal(trStart.Add(-time.Hour)) || !lq.End.Equal(trStart.Add(time.Hour)) {
		t.Errorf("log window %v → %v, want the trace start ± 1h", lq.Start, lq.End)
	}
	d.Run(kit.OpenTrace(other.TraceID, "", time.Time{}))
	d.Until("the other trace", func() bool { return s.wf != nil && s.wf.TraceID == other.TraceID })
	d.Press("esc")
	if d.M.Shown() != "origin" || !strings.Contains(d.Screen(), "the origin screen") {
		t.Errorf("esc went to %q, want the origin screen", d.M.Shown())
	}
}

func TestHostileSpanTextIsEscaped(t *testing.T) {
	src, j, l := trSources()
	tr := trFixtureTrace()
	tr.Spans[2].Tags["evil"] = "x\x1b]52;c;cHduZWQ=\x07\u202egnp.exe\x1b[2J"
	tr.Spans[2].Operation = "list\x1b[31mRED\x9b"
	tr.Spans[2].Events[0].Attrs["exception.message"] = "\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x1b\\"
	j.traces[trFixtureID] = tr
	l.entries = append(l.entries, l.entries[1])
	l.entries[len(l.entries)-1].Line = "\x1b]0;owned\x07 " + trFixtureID
	d := newDriver(t, 160, 48, true, src)
	s := trOpen(t, d, "")
	logsView := d.Render()
	for s.selectedSpan().SpanID != trBe {
		d.Press("j")
	}
	d.Press("enter")
	out := logsView + d.Render()
	for _, bad := range []string{"\x1b]52", "\u202e", "\x1b[2J", "\x1b[31mRED", "\x9b", "\x1b]8;;http://evil", "\x1b]0;owned"} {
		if strings.Contains(out, bad) {
			t.Errorf("raw %q reached the screen", bad)
		}
	}
	for _, want := range []string{`x\x1b]52;c;cHduZWQ=\x07\u202egnp.exe`, `list\x1b[31mRED`, `\x1b]0;owned\x07`} {
		if !strings.Contains(kit.Strip(out), want) {
			t.Errorf("escaped %q not shown", want)
		}
	}
}

func TestTraceDefaultSelectorComesFromLokisLabels(t *testing.T) {
	src, _, l := trSources()
	src.TraceSelector = ""
	d := newDriver(t, 120, 40, true, src)
	trOpen(t, d, "")
	if q := l.queries[0].Query; q != `{service_name=~".+"} |= "`+trFixtureID+`"` {
		t.Errorf("query without trace_selector = %s", q)
	}
}

// The trace's log pane makes lines readable with the logs screen's
// formatter, leaving out the trace's own ids.
func TestTraceLogLinesAreReadable(t *testing.T) {
	for in, want := range map[string]string{
		`{"ts":"2026-11-26T03:26:05Z","level":"error","msg":"request failed","status":500,"error":"pool timeout","trace_id":"ab","span_id":"cd"}`: `request failed error="pool timeout" status=500`,
		`{"message":"canceling statement","error_severity":"ERROR","nested":{"a":[1,2]}}`:                                                         `canceling statement error_severity=ERROR nested={"a":[1,2]}`,
		`level=warn msg="slow query" duration_ms=1800 traceID=ab`:                                                                                 `slow query duration_ms=1800`,
		`plain text line`:   `plain text line`,
		`{"broken": `:       `{"broken": `,
		`{"a":1} trailing}`: `{"a":1} trailing}`,
	} {
		rows := buildLogs([]loki.Entry{{Line: in, Labels: map[string]string{"service_name": "api"}}}, nil, logview.NewTraceFormatter())
		if got := rows[0].line; got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
	rows := buildLogs([]loki.Entry{{Line: `{"level":"error","msg":"request failed","error":"pool timeout","status":500}`}}, nil, logview.NewTraceFormatter())
	if r := rows[0]; r.line[:r.lead] != `request failed error="pool timeout"` || r.level != "error" {
		t.Errorf("lead %q, level %q", r.line[:r.lead], r.level)
	}
}
