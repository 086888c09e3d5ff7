package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/sources/jaeger"
)

func trSummaries() []jaeger.TraceSummary {
	return []jaeger.TraceSummary{
		{TraceID: trFixtureID, Root: "api-gateway: GET /api/v1/contacts", Start: trStart, Duration: 5021 * time.Millisecond, Spans: 6, Errors: 3, Services: []string{"api-gateway", "conectcrm-backend", "postgres"}},
		{TraceID: "9e1d2c3b4a5f60718293a4b5c6d7e8f9", Root: "api-gateway: POST /api/v1/deals", Start: trStart.Add(-33 * time.Second), Duration: 5030 * time.Millisecond, Spans: 6, Errors: 3, Services: []string{"api-gateway", "conectcrm-backend", "postgres"}},
	}
}

func TestTraceGoldenViews(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {160, 48}} {
		for _, dark := range []bool{true, false} {
			bg := map[bool]string{true: "dark", false: "light"}[dark]
			for _, v := range []struct {
				name string
				keys []string
			}{
				{"trace", nil},
				{"trace-span", []string{"j", "j", "j", "j", "enter"}}, // postgres: the span tags, its logs
				{"traces", []string{"esc", "T"}},
			} {
				name := fmt.Sprintf("%s-%dx%d-%s", v.name, sz.w, sz.h, bg)
				t.Run(name, func(t *testing.T) {
					src, j, _ := trSources()
					j.found = trSummaries()
					m := trModel(t, sz.w, sz.h, dark, src)
					trOpen(t, m, "")
					for _, k := range v.keys {
						_, cmd := m.Update(keyMsg(k))
						trRun(t, m, cmd)
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

func TestTraceScreenShowsWaterfallAndSortedLogs(t *testing.T) {
	src, j, l := trSources()
	m := trModel(t, 160, 48, true, src)
	s := trOpen(t, m, trBe)
	if len(j.gets) != 1 || j.gets[0] != trFixtureID || len(l.queries) != 1 {
		t.Fatalf("gets %v, log queries %d: want one of each", j.gets, len(l.queries))
	}
	q := l.queries[0]
	if q.Query != `{env="prod"} |= "`+trFixtureID+`"` || !q.End.Equal(fixedNow) || !q.Start.Equal(fixedNow.Add(-24*time.Hour)) || q.Direction != "forward" {
		t.Errorf("log query = %+v", q)
	}
	if s.wf.Span(s.cursor).SpanID != trBe {
		t.Errorf("cursor on %s, want the span the log line named (%s)", s.wf.Span(s.cursor).SpanID, trBe)
	}
	out := plain(m.Render())
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
	if raw := m.Render(); !strings.Contains(raw, "\x1b]8;;"+trUIURL+"/trace/"+trFixtureID+"\x1b\\") {
		t.Error("the Jaeger link is not an OSC 8 hyperlink")
	}
}

func TestTraceKeys(t *testing.T) {
	src, _, _ := trSources()
	m := trModel(t, 160, 48, true, src)
	s := trOpen(t, m, "")
	key := func(k string) tea.Cmd { _, cmd := m.Update(keyMsg(k)); return cmd }

	// j/k select spans in display order.
	order := []string{trGw, trAuth, trBe, trRedis, trPg, trCatch}
	for i, id := range order {
		if got := s.wf.Span(s.cursor).SpanID; got != id {
			t.Fatalf("step %d: cursor on %s, want %s", i, got, id)
		}
		key("j")
	}
	key("j") // stays on the last row
	if s.wf.Span(s.cursor).SpanID != trCatch {
		t.Fatal("j moved past the last span")
	}
	key("g")
	key("j")
	key("j")
	// enter: span mode shows the span's tags and events, logs narrowed.
	key("enter")
	out := plain(m.Render())
	for _, want := range []string{"conectcrm-backend: contacts.list", "server.address=backend-2:3001", "exception", "exception.type=TimeoutError", "Logs 1 lines of span " + trBe, "host.name=backend-2"} {
		if !strings.Contains(out, want) {
			t.Errorf("span mode: no %q in\n%s", want, out)
		}
	}
	if len(s.shown) != 1 || s.logs[s.shown[0]].spanID != trBe {
		t.Errorf("span mode shows %v, want the backend's line", s.shown)
	}
	// Moving in span mode follows the selection.
	key("j")
	key("j")
	if len(s.shown) != 1 || s.logs[s.shown[0]].spanID != trPg || !strings.Contains(plain(m.Render()), "db.system=postgresql") {
		t.Errorf("after moving to postgres: shown %v", s.shown)
	}
	// enter again: all logs.
	key("enter")
	if s.spanMode || len(s.shown) != 4 {
		t.Errorf("enter did not toggle back: span mode %v, %d lines", s.spanMode, len(s.shown))
	}
	// tab to the logs; enter on a line selects its span.
	key("tab")
	if s.focus != traceFocusLogs {
		t.Fatalf("focus %d after tab, want logs", s.focus)
	}
	key("G") // the gateway's line, the last
	key("enter")
	if s.wf.Span(s.cursor).SpanID != trGw || !s.spanMode || s.focus != traceFocusWaterfall {
		t.Errorf("enter on the gateway line: cursor %s, span mode %v, focus %d", s.wf.Span(s.cursor).SpanID, s.spanMode, s.focus)
	}
	// tab cycles waterfall → logs → span detail → waterfall in span mode.
	key("tab")
	key("tab")
	if s.focus != traceFocusSpan {
		t.Errorf("focus %d, want the span detail", s.focus)
	}
	key("tab")
	// esc leaves span mode, then leaves the screen.
	key("esc")
	if s.spanMode || m.view != viewScreen {
		t.Fatalf("first esc: span mode %v, view %d", s.spanMode, m.view)
	}
	key("esc")
	if m.view != viewAlerts {
		t.Errorf("second esc: view %d, want the alerts", m.view)
	}
}

func TestTraceCopiesTheJaegerLink(t *testing.T) {
	src, _, _ := trSources()
	m := trModel(t, 120, 40, true, src)
	trOpen(t, m, "")
	_, cmd := m.Update(keyMsg("c"))
	msgs := trExec([]tea.Cmd{cmd})
	found := false
	for _, msg := range msgs {
		if strings.Contains(fmt.Sprintf("%T", msg), "setClipboard") && fmt.Sprint(msg) == trUIURL+"/trace/"+trFixtureID {
			found = true
		}
	}
	if !found {
		t.Errorf("c produced %#v, want an OSC 52 clipboard write of the link", msgs)
	}
	src.UIURL = ""
	m = trModel(t, 120, 40, true, src)
	trOpen(t, m, "")
	_, cmd = m.Update(keyMsg("c"))
	if msgs := trExec([]tea.Cmd{cmd}); len(msgs) != 1 || !msgs[0].(StatusMsg).Err {
		t.Errorf("c without a UI URL: %#v, want one error status", msgs)
	}
}

func TestTraceStaleRepliesAreDropped(t *testing.T) {
	src, j, _ := trSources()
	other := trFixtureTrace()
	other.TraceID = "00000000000000000000000000000bad"
	j.traces[other.TraceID] = other
	m := trModel(t, 120, 40, true, src)
	first := OpenTrace(m, trFixtureID, "")
	firstMsgs := trExec([]tea.Cmd{first})
	trRun(t, m, OpenTrace(m, other.TraceID, ""))
	s := m.ScreenByName(TraceScreenName).(*TraceScreen)
	for _, msg := range firstMsgs { // the replies of the first open arrive late
		m.Update(msg)
	}
	if s.traceID != other.TraceID || s.wf.TraceID != other.TraceID {
		t.Errorf("showing %s (waterfall of %s), want %s", s.traceID, s.wf.TraceID, other.TraceID)
	}
	// A 64-bit id is searched in the logs without its zero padding.
	l := src.Loki.(*trLoki)
	if q := l.queries[len(l.queries)-1].Query; q != `{env="prod"} |= "0000000000000bad"` {
		t.Errorf("log query for a 64-bit id = %s", q)
	}
}

func TestTraceFailuresStayInTheScreen(t *testing.T) {
	src, j, l := trSources()
	j.err = errors.New("jaeger GET http://jaeger:16686/api/v3/traces/x: connection refused")
	m := trModel(t, 120, 40, true, src)
	trOpen(t, m, "")
	out := plain(m.Render())
	if !strings.Contains(out, "✗ jaeger: jaeger GET http://jaeger:16686/api/v3/traces/x: connection refused") || !strings.Contains(out, "Logs 4 lines") {
		t.Errorf("jaeger failure: want its error and the logs anyway:\n%s", out)
	}
	if m.health["jaeger"] != nil || m.firstSourceError() != "" {
		t.Error("a trace failure marked a source of the alert list unhealthy")
	}
	j.err, l.err = nil, errors.New("loki: 429 Too Many Requests")
	_, cmd := m.Update(keyMsg("r"))
	trRun(t, m, cmd)
	out = plain(m.Render())
	if !strings.Contains(out, "✗ loki: loki: 429 Too Many Requests") || !strings.Contains(out, "6 spans") {
		t.Errorf("loki failure: want the waterfall and the logs error:\n%s", out)
	}
	// Not found is said plainly.
	m2 := trModel(t, 120, 40, true, src)
	trRun(t, m2, OpenTrace(m2, "0af7651916cd43dd8448eb211c80319c", ""))
	if out := plain(m2.Render()); !strings.Contains(out, "trace 0af7651916cd43dd8448eb211c80319c not found") {
		t.Errorf("missing trace:\n%s", out)
	}
}

func TestOpenTraceRefusesBadIDsAndMissingJaeger(t *testing.T) {
	src, j, _ := trSources()
	m := trModel(t, 120, 40, true, src)
	msgs := trExec([]tea.Cmd{OpenTrace(m, "not-a-trace", "")})
	if len(msgs) != 1 || !msgs[0].(StatusMsg).Err || !strings.Contains(msgs[0].(StatusMsg).Text, "not hexadecimal") || m.view != viewAlerts || len(j.gets) != 0 {
		t.Errorf("bad id: %#v, view %d, gets %v", msgs, m.view, j.gets)
	}
	none := trModel(t, 120, 40, true, TraceSources{})
	msgs = trExec([]tea.Cmd{OpenTrace(none, trFixtureID, "")})
	if len(msgs) != 1 || !strings.Contains(msgs[0].(StatusMsg).Text, "no Jaeger configured") {
		t.Errorf("no Jaeger: %#v", msgs)
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
	m := trModel(t, 160, 48, true, src)
	s := trOpen(t, m, "")
	logsView := m.Render()
	for s.wf.Span(s.cursor).SpanID != trBe {
		m.Update(keyMsg("j"))
	}
	m.Update(keyMsg("enter"))
	out := logsView + m.Render()
	for _, bad := range []string{"\x1b]52", "\u202e", "\x1b[2J", "\x1b[31mRED", "\x9b", "\x1b]8;;http://evil", "\x1b]0;owned"} {
		if strings.Contains(out, bad) {
			t.Errorf("raw %q reached the screen", bad)
		}
	}
	for _, want := range []string{`x\x1b]52;c;cHduZWQ=\x07\u202egnp.exe`, `list\x1b[31mRED`, `\x1b]0;owned\x07`} {
		if !strings.Contains(plain(out), want) {
			t.Errorf("escaped %q not shown", want)
		}
	}
}

func TestTracesListSearchesTheAlertsService(t *testing.T) {
	src, j, _ := trSources()
	j.found = trSummaries()
	src.Services = map[string]string{"conectcrm-backend": "crm-api"}
	m := trModel(t, 160, 48, true, src)
	a := m.Selected()
	if a == nil || a.Name() != "APIDown" {
		t.Fatalf("selected %v, want APIDown", a)
	}
	_, cmd := m.Update(keyMsg("T"))
	trRun(t, m, cmd)
	if m.screen != TracesScreenName || len(j.queries) != 1 {
		t.Fatalf("screen %q, %d searches", m.screen, len(j.queries))
	}
	q := j.queries[0]
	if q.Service != "crm-api" || q.Tags["error"] != "true" || !q.Start.Equal(a.Since().Add(-5*time.Minute)) || !q.End.Equal(fixedNow) {
		t.Errorf("search = %+v, want crm-api, error=true, startsAt−5m → now", q)
	}
	out := plain(m.Render())
	if !strings.Contains(out, "Error traces · service crm-api") || !strings.Contains(out, "api-gateway: POST /api/v1/deals") {
		t.Errorf("list:\n%s", out)
	}
	// enter opens the trace, with its start narrowing the log window; esc comes back.
	_, cmd = m.Update(keyMsg("enter"))
	trRun(t, m, cmd)
	s := m.ScreenByName(TraceScreenName).(*TraceScreen)
	if m.screen != TraceScreenName || s.traceID != trFixtureID || s.wf == nil {
		t.Fatalf("enter: screen %q, trace %q", m.screen, s.traceID)
	}
	lq := src.Loki.(*trLoki).queries[0]
	if !lq.Start.Equal(trStart.Add(-time.Hour)) || !lq.End.Equal(trStart.Add(time.Hour)) {
		t.Errorf("log window %v → %v, want the trace start ± 1h", lq.Start, lq.End)
	}
	m.Update(keyMsg("esc"))
	if m.screen != TracesScreenName || m.view != viewScreen {
		t.Errorf("esc went to view %d screen %q, want the list back", m.view, m.screen)
	}
	// Without a service label there is nothing to search.
	if got := TraceService(a, nil); got != "conectcrm-backend" {
		t.Errorf("TraceService = %q", got)
	}
	delete(a.Labels, "service")
	if got := TraceService(a, nil); got != "conectcrm-backend" { // from job
		t.Errorf("TraceService from job = %q", got)
	}
}

func TestTraceDefaultSelectorComesFromLokisLabels(t *testing.T) {
	src, _, l := trSources()
	src.TraceSelector = ""
	m := trModel(t, 120, 40, true, src)
	trOpen(t, m, "")
	if q := l.queries[0].Query; q != `{service_name=~".+"} |= "`+trFixtureID+`"` {
		t.Errorf("query without trace_selector = %s", q)
	}
}

func TestCompactLogLine(t *testing.T) {
	for in, want := range map[string]string{
		`{"ts":"2026-11-26T03:26:05Z","level":"error","msg":"request failed","status":500,"error":"pool timeout","trace_id":"ab","span_id":"cd"}`: `request failed error=pool timeout status=500`,
		`{"message":"canceling statement","error_severity":"ERROR","nested":{"a":[1,2]}}`:                                                         `canceling statement error_severity=ERROR nested={"a":[1,2]}`,
		`plain text line`:   `plain text line`,
		`{"broken": `:       `{"broken": `,
		`{"a":1} trailing}`: `{"a":1} trailing}`,
	} {
		if got := compactLogLine(in); got != want {
			t.Errorf("compactLogLine(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestTraceURLLeavesCredentialsOut(t *testing.T) {
	for ui, want := range map[string]string{
		"http://jaeger:16686/":                         "http://jaeger:16686/trace/abc",
		"https://ops:s3cret@jaeger.example/ui?tok=1#x": "https://jaeger.example/ui/trace/abc",
		"": "",
	} {
		if got := (TraceSources{UIURL: ui}).TraceURL("abc"); got != want {
			t.Errorf("TraceURL with %q = %q, want %q", ui, got, want)
		}
	}
}
