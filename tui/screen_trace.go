package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/httpx"
	"oncall/internal/logview"
	"oncall/internal/traceid"
	"oncall/internal/waterfall"
	"oncall/sources/jaeger"
	"oncall/sources/loki"
	"oncall/tui/kit"
)

// Screen names of the trace feature.
const (
	// TraceScreenName is the correlated view: waterfall and the trace's logs.
	TraceScreenName = "trace"
	// TracesScreenName lists an alert's recent error traces (key T).
	TracesScreenName = "traces"
)

// Defaults of TraceSources.
const (
	// DefaultTraceLogLimit caps the log lines fetched for one trace.
	DefaultTraceLogLimit = 5000
	// traceLogLookback is the log window when the trace's time is not
	// known yet: logs and trace are fetched at the same time, so the
	// window cannot come from the trace.
	traceLogLookback = 24 * time.Hour
	// traceLogMargin is the log window around a known trace start.
	traceLogMargin      = time.Hour
	defaultTraceTimeout = 15 * time.Second
)

// TraceLogSource is the part of the Loki client the trace screen uses.
type TraceLogSource interface {
	QueryRange(ctx context.Context, q loki.Query) (*loki.Result, error)
	Labels(ctx context.Context, start, end time.Time) ([]string, error)
}

// TraceSources is what the trace screens read, from the context's
// [jaeger] and [loki] sections.
type TraceSources struct {
	// Jaeger is required.
	Jaeger jaeger.Client
	// Loki is optional: without it the trace screen shows no logs.
	Loki TraceLogSource
	// TraceSelector is the LogQL stream selector a trace id is searched
	// under: the query is `<selector> |= "<id>"`. Empty: every stream with
	// the first service label Loki knows (logview.DefaultTraceSelector, as
	// `oncall logs --trace` does).
	TraceSelector string
	// TraceRegex is the custom id regex of traceid.NewExtractor (optional).
	TraceRegex string
	// UIURL is the Jaeger UI base for links: ui_url, else url.
	UIURL string
	// Services maps an alert's service to its Jaeger service name.
	Services map[string]string
	// Timeout bounds each fetch (0 = 15s).
	Timeout time.Duration
	// LogLimit caps the trace's log lines (0 = DefaultTraceLogLimit).
	LogLimit int
}

func (src TraceSources) timeout() time.Duration {
	if src.Timeout > 0 {
		return src.Timeout
	}
	return defaultTraceTimeout
}

// TraceURL is the Jaeger UI link of a trace ("" without a UI URL). Any
// credentials, query or fragment of the UI URL are left out: the link is
// shown and copied.
func (src TraceSources) TraceURL(id string) string {
	base := strings.TrimSpace(src.UIURL)
	if base == "" || id == "" {
		return ""
	}
	return strings.TrimRight(httpx.RedactURL(base), "/") + "/trace/" + id
}

// TraceScreens returns the trace feature's screens: "trace", opened by
// OpenTrace (from the logs screen or the error-trace list), and "traces",
// opened with the "traces" key (T) on an alert.
func TraceScreens(src TraceSources) []ScreenSpec {
	if src.Jaeger == nil {
		return nil
	}
	ext, err := traceid.NewExtractor(src.TraceRegex)
	if err != nil {
		ext, _ = traceid.NewExtractor("") // the config check reports the regex
	}
	return []ScreenSpec{
		{Name: TraceScreenName, Factory: func(*Model) Screen { return &TraceScreen{src: src, ext: ext} }},
		{Name: TracesScreenName, Key: "traces", Factory: func(*Model) Screen { return &TracesScreen{src: src} }},
	}
}

// OpenTrace shows the correlated view of a trace: it fetches the trace from
// Jaeger and the trace's logs from Loki at the same time (two commands in
// one batch). spanID ("" for none) selects a span once the trace arrives.
func OpenTrace(m *Model, traceID, spanID string) tea.Cmd {
	return openTrace(m, traceID, spanID, time.Time{})
}

// openTrace is OpenTrace with the trace's start when known (it narrows the
// log window).
func openTrace(m *Model, traceID, spanID string, hint time.Time) tea.Cmd {
	s, ok := m.ScreenByName(TraceScreenName).(*TraceScreen)
	if !ok || s == nil {
		return Status("traces: no Jaeger configured for this context", true)
	}
	id, err := jaeger.NormalizeTraceID(traceID)
	if err != nil {
		return Status(err.Error(), true)
	}
	prev := ""
	switch {
	case m.view == viewScreen && m.screen == TraceScreenName:
		prev = s.prev // another trace from the trace screen: esc still goes back there
	case m.view == viewScreen:
		prev = m.screen
	}
	m.ShowScreen(TraceScreenName)
	return s.load(m, id, strings.ToLower(strings.TrimSpace(spanID)), prev, hint)
}

// traceLoadedMsg is the reply of the Jaeger fetch.
type traceLoadedMsg struct {
	seq  int
	wf   *waterfall.Waterfall
	rows []traceRowText
	err  error
}

// Screen implements Routed.
func (traceLoadedMsg) Screen() string { return TraceScreenName }

// traceLogsMsg is the reply of the Loki fetch.
type traceLogsMsg struct {
	seq       int
	logs      []traceLogRow
	truncated bool
	err       error
}

// Screen implements Routed.
func (traceLogsMsg) Screen() string { return TraceScreenName }

type traceFocus int

const (
	traceFocusWaterfall traceFocus = iota
	traceFocusLogs
	traceFocusSpan // the span detail, in span mode
)

// TraceScreen is the correlated view: the waterfall on top, the trace's
// logs under it, the selected span's tags and events on demand.
type TraceScreen struct {
	src TraceSources
	ext *traceid.Extractor
	seq int

	traceID  string
	wantSpan string
	prev     string
	hint     time.Time

	loading, logsLoading bool
	err, logsErr         string
	wf                   *waterfall.Waterfall
	rows                 []traceRowText
	logs                 []traceLogRow
	logsTruncated        bool
	shown                []int // logs shown: all, or the selected span's

	focus                traceFocus
	cursor, offset       int
	logCursor, logOffset int
	spanMode             bool
	detail               []string
	detailSt             *Styles
	detailOffset         int
	wrapped              []string // detail wrapped to wrappedW
	wrappedW             int

	w, h  int
	cache traceStyleCache
}

// Title implements Screen.
func (s *TraceScreen) Title() string { return "Trace" }

// Capturing implements Screen.
func (s *TraceScreen) Capturing() bool { return false }

// Open implements Screen: the trace screen has no key of its own; opened
// directly it shows what it last showed.
func (s *TraceScreen) Open(m *Model, _ *alerts.Alert) tea.Cmd { return nil }

// TraceID is the trace shown ("" before the first OpenTrace).
func (s *TraceScreen) TraceID() string { return s.traceID }

// load starts both fetches for a trace, in parallel.
func (s *TraceScreen) load(m *Model, id, span, prev string, hint time.Time) tea.Cmd {
	s.seq++
	if id != s.traceID {
		s.wf, s.rows, s.logs, s.shown = nil, nil, nil, nil
		s.cursor, s.offset, s.logCursor, s.logOffset = 0, 0, 0, 0
		s.spanMode, s.detail, s.focus = false, nil, traceFocusWaterfall
	}
	s.traceID, s.wantSpan, s.prev, s.hint = id, span, prev, hint
	s.loading, s.err = true, ""
	s.logsErr, s.logsLoading = "", s.src.Loki != nil
	return tea.Batch(s.fetchTrace(s.seq, id), s.fetchLogs(s.seq, id, hint, m.Now()))
}

func (s *TraceScreen) reload(m *Model) tea.Cmd {
	if s.traceID == "" {
		return nil
	}
	return s.load(m, s.traceID, s.wantSpan, s.prev, s.hint)
}

func (s *TraceScreen) fetchTrace(seq int, id string) tea.Cmd {
	jc, to := s.src.Jaeger, s.src.timeout()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), to)
		defer cancel()
		t, err := jc.GetTrace(ctx, id)
		msg := traceLoadedMsg{seq: seq, err: err}
		if err == nil {
			msg.wf = waterfall.Build(t)
			msg.rows = buildTraceRows(msg.wf)
		}
		return msg
	}
}

// traceNeedle is what a trace's log lines are searched for: the id, and a
// 64-bit id (zero high half) without its zero padding, so lines carrying
// either form match.
func traceNeedle(id string) string {
	if len(id) == 32 && strings.HasPrefix(id, "0000000000000000") {
		return id[16:]
	}
	return id
}

func (s *TraceScreen) fetchLogs(seq int, id string, hint, now time.Time) tea.Cmd {
	lc := s.src.Loki
	if lc == nil {
		return nil
	}
	q := loki.Query{Start: now.Add(-traceLogLookback), End: now, Direction: loki.Forward, Limit: s.src.LogLimit}
	if !hint.IsZero() {
		q.Start, q.End = hint.Add(-traceLogMargin), hint.Add(traceLogMargin)
	}
	if q.Limit <= 0 {
		q.Limit = DefaultTraceLogLimit
	}
	to, ext, selector := s.src.timeout(), s.ext, s.src.TraceSelector
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), to)
		defer cancel()
		if strings.TrimSpace(selector) == "" {
			known, err := lc.Labels(ctx, q.Start, q.End)
			if err == nil {
				selector, err = logview.DefaultTraceSelector(known)
			}
			if err != nil {
				return traceLogsMsg{seq: seq, err: err}
			}
		}
		q.Query = logview.TraceQuery(selector, traceNeedle(id))
		res, err := lc.QueryRange(ctx, q)
		if err != nil {
			return traceLogsMsg{seq: seq, err: err}
		}
		return traceLogsMsg{seq: seq, logs: buildTraceLogs(res.Entries, ext), truncated: len(res.Entries) >= q.Limit}
	}
}

// Update implements Screen: it applies the replies of the latest load.
func (s *TraceScreen) Update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case kit.OpenTraceMsg:
		return openTrace(m, msg.TraceID, msg.SpanID, msg.Hint)
	case traceLoadedMsg:
		if msg.seq != s.seq {
			return nil
		}
		s.loading = false
		if msg.err != nil {
			s.err = fmt.Sprintf("jaeger: %v", msg.err)
			return nil
		}
		s.err, s.wf, s.rows = "", msg.wf, msg.rows
		s.cursor = min(s.cursor, max(0, len(s.rows)-1))
		if r := s.wf.RowOf(s.wantSpan); s.wantSpan != "" && r >= 0 {
			s.cursor = r
		}
		s.selectionChanged(m.Styles())
	case traceLogsMsg:
		if msg.seq != s.seq {
			return nil
		}
		s.logsLoading = false
		if msg.err != nil {
			s.logsErr = fmt.Sprintf("loki: %v", msg.err)
			return nil
		}
		s.logsErr, s.logs, s.logsTruncated = "", msg.logs, msg.truncated
		s.filterLogs()
	}
	return nil
}

// selectedSpan is the span under the cursor, or nil.
func (s *TraceScreen) selectedSpan() *jaeger.Span {
	if s.wf == nil || s.cursor < 0 || s.cursor >= len(s.wf.Rows) {
		return nil
	}
	return s.wf.Span(s.cursor)
}

// selectionChanged rebuilds what depends on the selected span: the span
// detail and, in span mode, the narrowed logs.
func (s *TraceScreen) selectionChanged(st *Styles) {
	if s.spanMode {
		s.detail = spanDetail(s.wf, s.cursor, st)
		s.detailSt, s.wrapped = st, nil
	} else {
		s.detail, s.wrapped = nil, nil
	}
	s.filterLogs()
}

// filterLogs picks the log rows shown: all, or in span mode those of the
// selected span.
func (s *TraceScreen) filterLogs() {
	s.shown = s.shown[:0]
	want := ""
	if sp := s.selectedSpan(); s.spanMode && sp != nil {
		want = sp.SpanID
	}
	for i := range s.logs {
		if want == "" || s.logs[i].spanID == want {
			s.shown = append(s.shown, i)
		}
	}
	s.logCursor = min(s.logCursor, max(0, len(s.shown)-1))
	s.logOffset = min(s.logOffset, s.logCursor)
}
