package tui

import (
	"context"
	"maps"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/logview"
	"oncall/internal/sanitize"
	"oncall/internal/traceid"
	"oncall/sources/loki"
)

// LogsScreenName is the name the logs screen is registered under.
const LogsScreenName = "logs"

// LogsOptions configures the logs screen.
type LogsOptions struct {
	// Client reaches Loki. Without one the screen shows Err (or that no
	// Loki is configured).
	Client *loki.Client
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

// LogsScreenSpec registers the logs screen on the "logs" key (l).
func LogsScreenSpec(o LogsOptions) ScreenSpec {
	return ScreenSpec{Name: LogsScreenName, Key: "logs", Factory: func(m *Model) Screen { return NewLogsScreen(m, o) }}
}

// tailWait is how long one tail read waits before reporting idle, which is
// also how soon a tail notices that its screen was left.
const tailWait = time.Second

// tailBackfill is how many lines a new tail may send from before it
// started (the gap since the window was loaded).
const tailBackfill = 1000

// LogsScreen shows an alert's logs: a LogQL window from the alert's start,
// an error/warn toggle, wrap, search, a JSON view, and a live tail. Rows
// are built when data arrives (in the fetch command); View draws only the
// visible rows of a bounded ring buffer.
type LogsScreen struct {
	opts   LogsOptions
	keys   *KeyMap
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

	// position; w and h are the last drawn size
	cursor, top int
	w, h        int

	// search
	input     textinput.Model
	searching bool
	search    logview.Search
	matches   int

	detail *logDetail

	// live tail
	tailGen  int
	tail     *logview.Follower
	tailing  bool // asked for: connecting or running
	tailNote string
	tailErr  bool
	tailNew  int // lines that arrived while scrolled up
	dropped  int
}

// NewLogsScreen builds the screen for one model (one session).
func NewLogsScreen(m *Model, o LogsOptions) *LogsScreen {
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "search the lines shown (smart case)"
	in.CharLimit = 256
	s := &LogsScreen{opts: o, keys: m.Keys(), buf: logview.NewRing(o.MaxLines), input: in, h: 20, w: 80}
	x, err := traceid.NewExtractor(o.TraceRegex)
	if err != nil {
		s.cfgErr = "loki trace_regex: " + err.Error()
	}
	s.b = logview.NewBuilder(x, m.Now().Location())
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

// Title implements Screen.
func (s *LogsScreen) Title() string { return "Logs" }

// Capturing implements Screen: the search box takes every key.
func (s *LogsScreen) Capturing() bool { return s.searching }

// Open implements Screen: it loads the selected alert's window (the same
// alert again keeps what is shown; r reloads).
func (s *LogsScreen) Open(m *Model, a *alerts.Alert) tea.Cmd {
	s.detail = nil
	if s.cfgErr != "" {
		return nil
	}
	if a == nil {
		if s.query == "" && !s.loading {
			s.err = "select an alert in the list, then press l"
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
	s.cursor, s.top, s.dropped, s.tailNew, s.matches = 0, 0, 0, 0, 0
	return s.reload(m)
}

// logsLoadedMsg is the reply to one window load.
type logsLoadedMsg struct {
	seq             int
	selector, query string
	rows            []logview.Row
	capped          bool
	err             error
}

// Screen implements Routed.
func (logsLoadedMsg) Screen() string { return LogsScreenName }

// reload fetches the window again: from AlertLead before the alert started
// until now.
func (s *LogsScreen) reload(m *Model) tea.Cmd {
	if s.cfgErr != "" || s.labels == nil {
		return nil
	}
	s.seq++
	s.loading, s.err = true, ""
	if !s.tailing {
		s.tailNote, s.tailErr = "", false
	}
	s.start, s.end = logview.AlertWindow(s.started, m.Now())
	seq, c, b, tmpl, labels, sel := s.seq, s.opts.Client, s.b, s.tmpl, s.labels, s.selector
	load := logview.Load{Start: s.start, End: s.end, Max: s.buf.Cap()}
	errorsOnly, timeout := s.errorsOnly, s.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		msg := logsLoadedMsg{seq: seq, selector: sel}
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

// Update implements Screen.
func (s *LogsScreen) Update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case logsLoadedMsg:
		return s.applyLoaded(m, msg)
	case logsTailStartedMsg:
		return s.tailStarted(m, msg)
	case logsTailMsg:
		return s.tailFrame(m, msg)
	}
	return nil
}

func (s *LogsScreen) applyLoaded(m *Model, msg logsLoadedMsg) tea.Cmd {
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
	s.cursor, s.top, s.tailNew = max(0, s.buf.Len()-1), max(0, s.buf.Len()-s.bodyH()), 0
	s.recount()
	if s.tailing && s.tail == nil {
		return s.startTail()
	}
	return nil
}

// visible reports whether the logs screen is what the session shows.
func (s *LogsScreen) visible(m *Model) bool {
	return !m.quitting && m.view == viewScreen && m.screen == LogsScreenName
}

// row returns the row under the cursor, or nil.
func (s *LogsScreen) row() *logview.Row {
	if s.buf.Len() == 0 {
		return nil
	}
	return s.buf.At(max(0, min(s.cursor, s.buf.Len()-1)))
}

// recount counts the rows matching the search (on a new search or a new
// window, never per frame).
func (s *LogsScreen) recount() {
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

// bodyH is the number of lines for rows: the screen minus the two header
// lines, the column header and the footer.
func (s *LogsScreen) bodyH() int { return max(1, s.h-4) }
