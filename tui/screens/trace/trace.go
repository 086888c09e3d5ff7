// Package trace is the correlated view of one trace: the Jaeger waterfall
// on top, the trace's log lines from Loki under it, and the selected span's
// tags and events on demand. It has no key of its own: any screen opens it
// with kit.OpenTrace (the logs screen on a line with a trace id, the error
// traces list on a row).
package trace

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/logview"
	"oncall/internal/traceid"
	"oncall/internal/waterfall"
	"oncall/sources/jaeger"
	"oncall/sources/loki"
	"oncall/tui/kit"
)

// Name is the name the screen registers under (kit.OpenTraceMsg is routed
// to it).
const Name = kit.TraceScreen

const (
	// DefaultLogLimit caps the log lines fetched for one trace.
	DefaultLogLimit = 5000
	// logLookback is the log window when the trace's time is not known
	// yet: logs and trace are fetched at the same time, so the window
	// cannot come from the trace.
	logLookback = 24 * time.Hour
	// logMargin is the log window around a known time (OpenTraceMsg.Hint).
	logMargin      = time.Hour
	defaultTimeout = 15 * time.Second
)

// LogSource is the part of the Loki client the screen uses.
type LogSource interface {
	QueryRange(ctx context.Context, q loki.Query) (*loki.Result, error)
	Labels(ctx context.Context, start, end time.Time) ([]string, error)
}

// Options are the screen's sources, from the context's [jaeger] and [loki]
// sections.
type Options struct {
	// Jaeger is required: without it the screen is not available.
	Jaeger jaeger.Client
	// Loki is optional: without it the screen shows no logs.
	Loki LogSource
	// TraceSelector is the LogQL stream selector a trace id is searched
	// under: the query is `<selector> |= "<id>"`. Empty: every stream with
	// the first service label Loki knows (logview.DefaultTraceSelector, as
	// `oncall logs --trace` does).
	TraceSelector string
	// TraceRegex is the custom id regex of traceid.NewExtractor (optional).
	TraceRegex string
	// UIURL is the Jaeger UI base for links: ui_url, else url.
	UIURL string
	// Timeout bounds each fetch (0 = 15s).
	Timeout time.Duration
	// LogLimit caps the trace's log lines (0 = DefaultLogLimit).
	LogLimit int
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return defaultTimeout
}

// Spec describes the screen: no global key opens it.
func Spec() kit.Spec {
	return kit.Spec{Name: Name, Title: "Trace", Keys: bindings()}
}

// Entry registers the screen; without a Jaeger it is not available (the
// root then answers a kit.OpenTraceMsg with that).
func Entry(o Options) kit.Entry {
	e := kit.Entry{Spec: Spec()}
	if o.Jaeger == nil {
		e.Unavailable = "no Jaeger configured for this context"
		return e
	}
	ext, err := traceid.NewExtractor(o.TraceRegex)
	if err != nil {
		ext, _ = traceid.NewExtractor("") // the config check reports the regex
	}
	e.New = func(_ kit.Host, keys *kit.Keymap) kit.Screen {
		return &Screen{opts: o, ext: ext, keys: keys, fmtr: logview.NewTraceFormatter()}
	}
	return e
}

// loadedMsg is the reply of the Jaeger fetch.
type loadedMsg struct {
	seq  int
	wf   *waterfall.Waterfall
	rows []rowText
	err  error
}

// Screen implements kit.Routed.
func (loadedMsg) Screen() string { return Name }

// logsMsg is the reply of the Loki fetch.
type logsMsg struct {
	seq       int
	logs      []logRow
	truncated bool
	err       error
}

// Screen implements kit.Routed.
func (logsMsg) Screen() string { return Name }

type focus int

const (
	focusWaterfall focus = iota
	focusLogs
	focusSpan // the span detail, in span mode
)

// Screen is the correlated view of one session.
type Screen struct {
	opts Options
	ext  *traceid.Extractor
	fmtr *logview.Formatter // the logs screen's readable lines, without the trace's ids
	keys *kit.Keymap
	seq  int

	traceID  string
	wantSpan string
	prev     string // the screen it was opened from ("": a view of the root)
	hint     time.Time

	loading, logsLoading bool
	err, logsErr         string
	wf                   *waterfall.Waterfall
	rows                 []rowText
	logs                 []logRow
	logsTruncated        bool
	shown                []int // logs shown: all, or the selected span's

	focus        focus
	spans        kit.List // the waterfall's rows
	lines        kit.List // the shown log lines
	spanMode     bool
	detail       []string
	detailSt     *kit.Styles
	detailOffset int
	detailH      int      // the detail's last drawn height (its page)
	wrapped      []string // detail wrapped to wrappedW
	wrappedW     int

	cache styleCache
}

// Capturing implements kit.Screen.
func (s *Screen) Capturing() bool { return false }

// Open implements kit.Screen: the screen has no key of its own; shown
// directly it shows what it last showed.
func (s *Screen) Open(kit.Host, *alerts.Alert) tea.Cmd { return nil }

// TraceID is the trace shown ("" before the first kit.OpenTraceMsg).
func (s *Screen) TraceID() string { return s.traceID }

// Loading reports whether the trace and its logs are still being fetched.
func (s *Screen) Loading() (trace, logs bool) { return s.loading, s.logsLoading }

// Errors are the last failures of the Jaeger and Loki fetches ("" when
// they succeeded).
func (s *Screen) Errors() (trace, logs string) { return s.err, s.logsErr }

// Size is the number of spans and of log lines of the trace shown.
func (s *Screen) Size() (spans, logLines int) {
	if s.wf != nil {
		spans = len(s.wf.Rows)
	}
	return spans, len(s.logs)
}

// open shows a trace: it fetches the trace from Jaeger and its logs from
// Loki at the same time (two commands in one batch). A span id selects
// that span once the trace arrives.
func (s *Screen) open(h kit.Host, msg kit.OpenTraceMsg) tea.Cmd {
	id, err := jaeger.NormalizeTraceID(msg.TraceID)
	if err != nil {
		return h.Status(err.Error(), true)
	}
	prev := h.Shown()
	if prev == Name {
		prev = s.prev // another trace from the trace screen: esc still goes back there
	}
	h.Show(Name)
	return s.load(h.Now(), id, strings.ToLower(strings.TrimSpace(msg.SpanID)), prev, msg.Hint)
}

// load starts both fetches for a trace, in parallel.
func (s *Screen) load(now time.Time, id, span, prev string, hint time.Time) tea.Cmd {
	s.seq++
	if id != s.traceID {
		s.wf, s.rows, s.logs, s.shown = nil, nil, nil, nil
		s.spans.SetLen(0)
		s.lines.SetLen(0)
		s.spanMode, s.detail, s.focus = false, nil, focusWaterfall
	}
	s.traceID, s.wantSpan, s.prev, s.hint = id, span, prev, hint
	s.loading, s.err = true, ""
	s.logsErr, s.logsLoading = "", s.opts.Loki != nil
	return tea.Batch(s.fetchTrace(s.seq, id), s.fetchLogs(s.seq, id, hint, now))
}

func (s *Screen) reload(now time.Time) tea.Cmd {
	if s.traceID == "" {
		return nil
	}
	return s.load(now, s.traceID, s.wantSpan, s.prev, s.hint)
}

func (s *Screen) fetchTrace(seq int, id string) tea.Cmd {
	jc, to := s.opts.Jaeger, s.opts.timeout()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), to)
		defer cancel()
		t, err := jc.GetTrace(ctx, id)
		msg := loadedMsg{seq: seq, err: err}
		if err == nil {
			msg.wf = waterfall.Build(t)
			msg.rows = buildRows(msg.wf)
		}
		return msg
	}
}

// needle is what a trace's log lines are searched for: the id, and a
// 64-bit id (zero high half) without its zero padding, so lines carrying
// either form match.
func needle(id string) string {
	if len(id) == 32 && strings.HasPrefix(id, "0000000000000000") {
		return id[16:]
	}
	return id
}

func (s *Screen) fetchLogs(seq int, id string, hint, now time.Time) tea.Cmd {
	lc := s.opts.Loki
	if lc == nil {
		return nil
	}
	q := loki.Query{Start: now.Add(-logLookback), End: now, Direction: loki.Forward, Limit: s.opts.LogLimit}
	if !hint.IsZero() {
		q.Start, q.End = hint.Add(-logMargin), hint.Add(logMargin)
	}
	if q.Limit <= 0 {
		q.Limit = DefaultLogLimit
	}
	to, ext, fmtr, selector := s.opts.timeout(), s.ext, s.fmtr, s.opts.TraceSelector
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), to)
		defer cancel()
		if strings.TrimSpace(selector) == "" {
			known, err := lc.Labels(ctx, q.Start, q.End)
			if err == nil {
				selector, err = logview.DefaultTraceSelector(known)
			}
			if err != nil {
				return logsMsg{seq: seq, err: err}
			}
		}
		q.Query = logview.TraceQuery(selector, needle(id))
		res, err := lc.QueryRange(ctx, q)
		if err != nil {
			return logsMsg{seq: seq, err: err}
		}
		return logsMsg{seq: seq, logs: buildLogs(res.Entries, ext, fmtr), truncated: len(res.Entries) >= q.Limit}
	}
}

// Update implements kit.Screen: it opens a trace on kit.OpenTraceMsg and
// applies the replies of the latest load.
func (s *Screen) Update(h kit.Host, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case kit.OpenTraceMsg:
		return s.open(h, msg)
	case loadedMsg:
		if msg.seq != s.seq {
			return nil
		}
		s.loading = false
		if msg.err != nil {
			s.err = fmt.Sprintf("jaeger: %v", msg.err)
			return nil
		}
		s.err, s.wf, s.rows = "", msg.wf, msg.rows
		s.spans.SetLen(len(s.rows))
		if r := s.wf.RowOf(s.wantSpan); s.wantSpan != "" && r >= 0 {
			s.spans.Select(r)
		}
		s.selectionChanged(h.Styles())
	case logsMsg:
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
func (s *Screen) selectedSpan() *jaeger.Span {
	c := s.spans.Cursor()
	if s.wf == nil || c >= len(s.wf.Rows) {
		return nil
	}
	return s.wf.Span(c)
}

// selectionChanged rebuilds what depends on the selected span: the span
// detail and, in span mode, the narrowed logs.
func (s *Screen) selectionChanged(st *kit.Styles) {
	if s.spanMode {
		s.detail = spanDetail(s.wf, s.spans.Cursor(), st)
		s.detailSt, s.wrapped = st, nil
	} else {
		s.detail, s.wrapped = nil, nil
	}
	s.filterLogs()
}

// filterLogs picks the log rows shown: all, or in span mode those of the
// selected span.
func (s *Screen) filterLogs() {
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
	s.lines.SetLen(len(s.shown))
}
