// Package logs is the logs screen: an alert's logs from Loki (a LogQL
// window from the alert's start), an error/warn toggle, wrap, search, a
// JSON view of one line, a live tail, and the way from a log line to its
// trace.
package logs

import (
	"context"
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
	opts   Options
	keys   *kit.Keymap
	b      *logview.Builder
	tmpl   *logview.SelectorTemplate
	cfgErr string

	// what is shown
	alertFP, alertName string
	labels             map[string]string
	started            time.Time
	selector, query    string
	queryText          string // sanitized
	start, end         time.Time
	errorsOnly, wrap   bool
	buf                *logview.Ring
	loaded, loading    bool
	capped             bool
	err                string
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

	// live tail
	tailGen  int
	tail     *logview.Follower
	tailing  bool // asked for: connecting or running
	tailNote string
	tailErr  bool
	tailNew  int // lines that arrived while scrolled up
	dropped  int
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
	s.b = logview.NewBuilder(x, h.Now().Location())
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
	s.alertFP, s.alertName, s.labels = a.Fingerprint, sanitize.Text(a.Name()), maps.Clone(a.Labels)
	s.started = a.Since()
	s.selector, s.query, s.queryText = "", "", ""
	s.buf.Reset(nil)
	s.list.SetLen(0)
	s.top, s.dropped, s.tailNew, s.matches = 0, 0, 0, 0
	return s.reload(h)
}

// loadedMsg is the reply to one window load.
type loadedMsg struct {
	seq             int
	selector, query string
	rows            []logview.Row
	capped          bool
	err             error
}

// Screen implements kit.Routed.
func (loadedMsg) Screen() string { return Name }

// reload fetches the window again: from AlertLead before the alert started
// until now.
func (s *Screen) reload(h kit.Host) tea.Cmd {
	if s.cfgErr != "" || s.labels == nil {
		return nil
	}
	s.seq++
	s.loading, s.err = true, ""
	if !s.tailing {
		s.tailNote, s.tailErr = "", false
	}
	s.start, s.end = logview.AlertWindow(s.started, h.Now())
	seq, c, b, tmpl, labels, sel := s.seq, s.opts.Client, s.b, s.tmpl, s.labels, s.selector
	load := logview.Load{Start: s.start, End: s.end, Max: s.buf.Cap()}
	errorsOnly, timeout := s.errorsOnly, s.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		msg := loadedMsg{seq: seq, selector: sel}
		if msg.selector == "" {
			if msg.selector, msg.err = logview.ResolveSelector(ctx, c, tmpl, labels, load.Start, load.End); msg.err != nil {
				return msg
			}
		}
		load.Query = logview.WithErrorFilter(msg.selector, errorsOnly)
		msg.query = load.Query
		msg.rows, msg.capped, msg.err = load.Fetch(ctx, c, b)
		return msg
	}
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

func (s *Screen) applyLoaded(msg loadedMsg) tea.Cmd {
	if msg.seq != s.seq {
		return nil // a newer load was asked for
	}
	s.loading = false
	if msg.selector != "" {
		s.selector = msg.selector
	}
	if msg.query != "" {
		s.query, s.queryText = msg.query, sanitize.Text(msg.query)
	}
	if msg.err != nil {
		s.err = sanitize.Text(msg.err.Error())
		if len(msg.rows) == 0 {
			return nil
		}
	}
	s.loaded, s.capped = true, msg.capped
	s.buf.Reset(msg.rows)
	s.list.SetLen(s.buf.Len())
	s.list.Select(s.buf.Len() - 1)
	s.top, s.tailNew = max(0, s.buf.Len()-s.bodyH()), 0
	s.recount()
	if s.tailing && s.tail == nil {
		return s.startTail()
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
// lines, the column header and the footer.
func (s *Screen) bodyH() int { return max(1, s.h-4) }
