// Package logs is the logs screen: an alert's logs from Loki (a LogQL
// window from the alert's start; for a log-based alert, the lines that
// fired it), an error/warn toggle, readable JSON and logfmt lines, wrap,
// search, the raw line pretty-printed, a live tail that marks its gaps,
// and the way from a log line to its trace.
package logs

import (
	"fmt"
	"maps"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/logview"
	"oncall/internal/sanitize"
	"oncall/internal/traceid"
	"oncall/sources/loki"
	"oncall/tui/kit"
)

// Name is the name the logs screen is registered under ([keys.logs]).
const Name = "logs"

// Options configures the logs screen.
type Options struct {
	// Client reaches Loki. Without one (and without Err) the screen is not
	// available.
	Client *loki.Client
	// Context names the config context, for the "not available" reason.
	Context string
	// AlertSelector is the alert_selector template ("": the default
	// mapping, see logview.DefaultSelector).
	AlertSelector string
	// TraceRegex is an optional extra trace id regex with (?P<trace>…).
	TraceRegex string
	// MaxLines bounds the buffer (<= 0: logview.DefaultMaxLines).
	MaxLines int
	// HideFields are JSON and logfmt fields the readable lines leave out
	// ([contexts.X.loki] hide_fields).
	HideFields []string
	// Timeout bounds one load of the window (<= 0: 60s).
	Timeout time.Duration
	// Err is a configuration error shown in the screen instead of logs.
	Err error
}

// Entry registers the logs screen on the "logs" key (l), or says why it is
// not available (no Loki in the context).
func Entry(o Options) kit.Entry {
	e := kit.Entry{Spec: Spec()}
	if o.Client == nil && o.Err == nil {
		e.Unavailable = "no Loki configured"
		if o.Context != "" {
			e.Unavailable += fmt.Sprintf(" for context %q", o.Context)
		}
		return e
	}
	e.New = func(h kit.Host, keys *kit.Keymap) kit.Screen { return New(h, keys, o) }
	return e
}

// tailWait is how long one tail read waits before reporting idle, which is
// also how soon a tail notices that its screen was left.
const tailWait = time.Second

// tailBackfill is how many lines a new tail may send from before it
// started (the gap since the window was loaded).
const tailBackfill = 1000

// Screen shows an alert's logs. Rows are built when data arrives (in the
// fetch command); View draws only the visible rows of a bounded ring
// buffer.
type Screen struct {
	opts    Options
	keys    *kit.Keymap
	b       *logview.Builder
	tmpl    *logview.SelectorTemplate
	planner *logview.Planner // the errors filter's discoveries, per selector
	cfgErr  string

	// what is shown
	alert              *alerts.Alert // the alert opened (snapshots are immutable)
	alertFP, alertName string
	labels             map[string]string
	started            time.Time
	logAlert, whole    bool // a Loki ruler rule's alert; W: its service's whole log
	selector, query    string
	queryText          string // sanitized
	start, end         time.Time
	errorsOnly, wrap   bool
	keep               func(*logview.Row) bool // refines tail rows of a line-filter errors plan
	buf                *logview.Ring
	loaded, loading    bool
	capped             bool
	err                string
	report             report
	seq                int

	// list holds the cursor and pages by the body's height; top is the
	// first row drawn, kept by the screen because wrapped rows take
	// several lines. w and h are the last drawn size.
	list kit.List
	top  int
	w, h int

	// search
	box     kit.SearchBox
	search  logview.Search
	matches int

	detail *lineView
	dim    dimStyle

	// live tail
	tailGen   int
	tail      *logview.Follower
	tailing   bool // asked for: connecting or running
	tailNote  string
	tailErr   bool
	tailNew   int // lines that arrived while scrolled up
	dropped   int
	tailRetry *loki.Retry
}

// New builds the screen for one session.
func New(h kit.Host, keys *kit.Keymap, o Options) *Screen {
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	s := &Screen{opts: o, keys: keys, buf: logview.NewRing(o.MaxLines), box: kit.NewSearchBox("search the lines shown (smart case)", 256)}
	s.setSize(80, 20)
	x, err := traceid.NewExtractor(o.TraceRegex)
	if err != nil {
		s.cfgErr = "loki trace_regex: " + err.Error()
	}
	s.b = logview.NewBuilder(x, h.Now().Location()).WithFormatter(logview.NewFormatter(o.HideFields))
	if o.Client != nil {
		s.planner = logview.NewPlanner(o.Client, logview.PlannerOptions{Now: h.Now})
	}
	if s.tmpl, err = logview.ParseSelectorTemplate(o.AlertSelector); err != nil {
		s.cfgErr = err.Error()
	}
	switch {
	case o.Err != nil:
		s.cfgErr = o.Err.Error()
	case o.Client == nil && s.cfgErr == "":
		s.cfgErr = "no Loki configured: set [contexts.<name>.loki] url or --loki-url"
	}
	s.cfgErr = sanitize.Text(s.cfgErr)
	return s
}

// Capturing implements kit.Screen: the search box takes every key.
func (s *Screen) Capturing() bool { return s.box.Active() }

// Open implements kit.Screen: it loads the selected alert's window (the
// same alert again keeps what is shown; r reloads).
func (s *Screen) Open(h kit.Host, a *alerts.Alert) tea.Cmd {
	s.detail = nil
	if s.cfgErr != "" {
		return nil
	}
	if a == nil {
		if s.query == "" && !s.loading {
			s.err = "select an alert in the list, then press " + s.keys.Key(Name)
		}
		return nil
	}
	if a.Fingerprint == s.alertFP && (s.loaded || s.loading) && s.err == "" {
		return nil
	}
	s.stopTail("")
	s.alert, s.alertFP, s.alertName, s.labels = a, a.Fingerprint, sanitize.Text(a.Name()), maps.Clone(a.Labels)
	s.started, s.logAlert, s.whole = a.Since(), logview.IsLogAlert(a), false
	s.selector, s.query, s.queryText, s.report = "", "", "", report{}
	s.buf.Reset(nil)
	s.list.SetLen(0)
	s.top, s.dropped, s.tailNew, s.matches = 0, 0, 0, 0
	return s.reload(h)
}

// Update implements kit.Screen.
func (s *Screen) Update(h kit.Host, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		return s.applyLoaded(msg)
	case tailStartedMsg:
		return s.tailStarted(h, msg)
	case tailMsg:
		return s.tailFrame(h, msg)
	}
	return nil
}

// State is what the screen shows, for the root's tests and tools.
type State struct {
	Loading, Loaded bool
	// Err is the last load's error ("" when it worked), sanitized.
	Err string
	// Query is the LogQL query of the window shown.
	Query string
	// Lines is how many lines are held.
	Lines int
	// TraceID is the trace id of the line under the cursor ("" for none).
	TraceID string
}

// State reports what the screen shows.
func (s *Screen) State() State {
	st := State{Loading: s.loading, Loaded: s.loaded, Err: s.err, Query: s.query, Lines: s.buf.Len()}
	if r := s.row(); r != nil {
		st.TraceID = r.TraceID
	}
	return st
}

// Lines are the raw lines held, oldest first (gap markers left out), for
// tests and tools.
func (s *Screen) Lines() []string {
	out := make([]string, 0, s.buf.Len())
	for i := 0; i < s.buf.Len(); i++ {
		if r := s.buf.At(i); r.Gap == nil {
			out = append(out, r.Line)
		}
	}
	return out
}

// cursor is the row under the cursor (0 when empty).
func (s *Screen) cursor() int { return s.list.Cursor() }

// row returns the row under the cursor, or nil.
func (s *Screen) row() *logview.Row {
	if s.buf.Len() == 0 {
		return nil
	}
	return s.buf.At(max(0, min(s.cursor(), s.buf.Len()-1)))
}

// recount counts the rows matching the search (on a new search or a new
// window, never per frame).
func (s *Screen) recount() {
	s.matches = 0
	if s.search.Empty() {
		return
	}
	for i := 0; i < s.buf.Len(); i++ {
		if s.search.Match(s.buf.At(i)) {
			s.matches++
		}
	}
}

// setSize records the drawn size; the list pages by the body's height.
func (s *Screen) setSize(w, h int) {
	s.w, s.h = w, h
	s.list.SetHeight(s.bodyH())
}

// bodyH is the number of lines for rows: the screen minus the two header
// lines, the report's note lines, the column header and the footer.
func (s *Screen) bodyH() int { return max(1, s.h-4-s.noteLines()) }
