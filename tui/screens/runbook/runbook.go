// Package runbook is the runbook screen (R): the selected alert's runbook
// rendered in place, its code blocks selectable, its promql and logql blocks
// runnable with the results under them; and the escalation line and the
// runbook's source in the alert detail.
package runbook

import (
	"context"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/alerts"
	"oncall/internal/sanitize"
	"oncall/runbooks"
	"oncall/sources/loki"
	"oncall/tui/kit"
)

// Name is the name the screen is registered under.
const Name = "runbook"

// PromQuerier runs the PromQL diagnostics of a runbook
// (*prometheus.Client implements it).
type PromQuerier interface {
	Query(ctx context.Context, q string, at time.Time) (model.Value, error)
	QueryRange(ctx context.Context, q string, r v1.Range) (model.Value, error)
}

// LogQuerier runs the LogQL diagnostics of a runbook (*loki.Client
// implements it).
type LogQuerier interface {
	QueryRange(ctx context.Context, q loki.Query) (*loki.Result, error)
}

// RenderFunc renders markdown for a terminal width and background.
type RenderFunc func(markdown string, width int, dark bool) (string, error)

// Options is what the runbook screen needs. The Finder is built once and
// shared by every session (it is safe for concurrent use and holds the
// cache of fetched runbooks).
type Options struct {
	// Finder finds runbooks; nil shows SetupErr instead.
	Finder *runbooks.Finder
	// SetupErr explains why there is no Finder (e.g. a bad rewrite rule).
	SetupErr string
	// Prom runs promql blocks; nil means the session's Prometheus.
	Prom PromQuerier
	// Loki runs logql blocks; nil means logql blocks cannot run (LokiErr says why).
	Loki    LogQuerier
	LokiErr string
	// Steps and After are the escalation ladder ([escalation] steps/after);
	// empty/zero mean runbooks.DefaultEscalation() and 15m.
	Steps []string
	After time.Duration
	// Timeout bounds one lookup or one query (0: 20s).
	Timeout time.Duration
	// Render renders markdown (nil: runbooks.Render, glamour).
	Render RenderFunc
}

// The screen's own actions ([keys.runbook]).
const (
	actPrevBlock   = "prev_block"
	actCopy        = "copy"
	actNextMatch   = "next_match"
	actPrevMatch   = "prev_match"
	actPrevHeading = "prev_heading"
	actNextHeading = "next_heading"
	actTemplate    = "template"
)

// Spec is the screen's name, title, opening key (R, action "runbook") and
// keys, in the order of its help; the hint line shows those with a Short.
func Spec() kit.Spec {
	return kit.Spec{
		Name:  Name,
		Title: "Runbook",
		Open:  kit.Binding{Action: "runbook", Keys: []string{"R"}, Help: "runbook"},
		Keys: []kit.Binding{
			{Action: kit.Tab, Help: "next code block", Short: "block"},
			{Action: actPrevBlock, Keys: []string{"shift+tab"}, Help: "previous code block"},
			{Action: kit.Enter, Help: "run promql/logql", Short: "run"},
			{Action: actCopy, Keys: []string{"c"}, Help: "copy the block", Short: "copy"},
			{Action: actTemplate, Keys: []string{"t"}, Help: "queries: template ↔ filled", Short: "template"},
			{Action: kit.Filter, Help: "search the runbook", Short: "search"},
			{Action: actNextMatch, Keys: []string{"n"}, Help: "next match"},
			{Action: actPrevMatch, Keys: []string{"N"}, Help: "previous match"},
			{Action: actPrevHeading, Keys: []string{"["}, Help: "previous heading", Short: "heading"},
			{Action: actNextHeading, Keys: []string{"]"}, Help: "next heading", Short: "heading"},
			{Action: kit.Back, Help: "clear search, back", Short: "back"},
			{Action: kit.Down, Help: "scroll down"},
			{Action: kit.Up, Help: "scroll up"},
			{Action: kit.PageDown, Help: "page down"},
			{Action: kit.PageUp, Help: "page up"},
			{Action: kit.Top, Help: "top"},
			{Action: kit.Bottom, Help: "bottom"},
		},
	}
}

// Entry registers the runbook screen. It is always available: without a
// Finder it says why runbooks cannot be looked up. Each session's screen
// also adds the escalation line (and the runbook's source once looked up)
// to the alert detail (kit.DetailExtender).
func Entry(o Options) kit.Entry {
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.Render == nil {
		o.Render = runbooks.Render
	}
	if len(o.Steps) == 0 {
		o.Steps = runbooks.DefaultEscalation()
	}
	return kit.Entry{Spec: Spec(), New: func(_ kit.Host, keys *kit.Keymap) kit.Screen { return newScreen(o, keys) }}
}

// screen shows the runbook of one alert, rendered in place, with its code
// blocks selectable and its promql/logql blocks runnable.
type screen struct {
	d    Options
	keys *kit.Keymap

	seq      int // lookup requests; replies for older ones are dropped
	alert    *alerts.Alert
	ra       runbooks.Alert
	context  string
	loading  bool
	err      string
	rb       *runbooks.Runbook
	rend     *rendering
	pending  renderKey // render in flight
	results  map[int]*result
	runSeq   int
	origins  map[string]string // fingerprint → origin, for the detail
	st       *kit.Styles       // the styles the lines were built with
	view     layout
	sel      int // selected block, -1 none
	offset   int
	bodyH    int // body lines shown at the last key (for paging)
	search   kit.SearchBox
	query    string
	matches  []int
	matchIdx int
	mark     int  // line of the last search match or heading jumped to, -1 none
	template bool // runnable blocks show their template, not the filled query
}

func newScreen(o Options, keys *kit.Keymap) *screen {
	return &screen{d: o, keys: keys, sel: -1, mark: -1, results: map[int]*result{}, origins: map[string]string{},
		search: kit.NewSearchBox("search the runbook", 200)}
}

// Message types; each is addressed to this screen and carries the sequence
// number of its request so stale replies are dropped.
type (
	foundMsg struct {
		seq  int
		rb   *runbooks.Runbook
		rend *rendering
		err  error
	}
	renderedMsg struct{ rend *rendering }
	ranMsg      struct {
		block int
		res   *result
	}
)

func (foundMsg) Screen() string    { return Name }
func (renderedMsg) Screen() string { return Name }
func (ranMsg) Screen() string      { return Name }

// Capturing implements kit.Screen: the search box takes every key.
func (s *screen) Capturing() bool { return s.search.Active() }

// Open implements kit.Screen: it looks the runbook up and renders it, both
// in a command.
func (s *screen) Open(h kit.Host, a *alerts.Alert) tea.Cmd {
	s.seq++
	s.alert, s.rb, s.rend, s.err, s.loading = a, nil, nil, "", false
	s.results, s.sel, s.offset = map[int]*result{}, -1, 0
	s.pending = renderKey{}
	s.query, s.matches, s.mark = "", nil, -1
	s.context = h.Sources(a).Context
	_, bodyH := h.BodySize()
	s.bodyH = s.bodyHeight(bodyH)
	s.view = layout{}
	if a == nil {
		return nil
	}
	s.ra = runbooks.FromAlert(a, h.Rules(), h.Now())
	if s.d.Finder == nil {
		s.err = "runbooks are not available: " + s.d.SetupErr
		return nil
	}
	s.loading = true
	key := s.wantKey(h)
	s.pending = key
	f, ra, render, timeout := s.d.Finder, s.ra, s.d.Render, s.d.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		rb, err := f.Find(ctx, ra)
		if err != nil {
			return foundMsg{seq: key.gen, err: err}
		}
		return foundMsg{seq: key.gen, rb: rb, rend: renderRunbook(rb, ra, key, render)}
	}
}

// Update implements kit.Screen.
func (s *screen) Update(h kit.Host, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case foundMsg:
		if msg.seq != s.seq {
			return nil
		}
		s.loading, s.pending = false, renderKey{}
		if msg.err != nil {
			s.err = msg.err.Error()
			return nil
		}
		s.rb, s.rend = msg.rb, msg.rend
		if s.alert != nil {
			s.origins[s.alert.Fingerprint] = msg.rb.Origin()
			h.DetailChanged()
		}
		s.relayout(h.Styles())
		return s.ensureRender(h)
	case renderedMsg:
		if msg.rend.key != s.pending {
			return nil
		}
		s.pending = renderKey{}
		s.rend = msg.rend
		s.relayout(h.Styles())
		return s.ensureRender(h)
	case ranMsg:
		cur := s.results[msg.block]
		if cur == nil || cur.seq != msg.res.seq {
			return nil
		}
		s.results[msg.block] = msg.res
		s.relayout(h.Styles())
	}
	return nil
}

// Refresh implements kit.Refresher: on each tick the alert is re-read (its
// ack and age change) and a resize or background change re-renders.
func (s *screen) Refresh(h kit.Host) tea.Cmd {
	live := make(map[string]bool, len(h.Alerts()))
	for _, a := range h.Alerts() {
		live[a.Fingerprint] = true
		if s.alert != nil && a.Fingerprint == s.alert.Fingerprint {
			s.alert = a
			s.ra.Acked = a.Ack != nil
		}
	}
	for fp := range s.origins { // forget alerts that are gone
		if !live[fp] {
			delete(s.origins, fp)
		}
	}
	if !h.Visible(Name) {
		return nil
	}
	return s.ensureRender(h)
}

// Resize implements kit.Resizer: it re-renders the runbook at the new
// width right away.
func (s *screen) Resize(h kit.Host, _, _ int) tea.Cmd { return s.ensureRender(h) }

// renderWidth is the width the markdown is rendered at: the body minus the
// two-cell gutter that marks the selected block and the search match.
func renderWidth(h kit.Host) int {
	w, _ := h.BodySize()
	return max(20, w-2)
}

func (s *screen) wantKey(h kit.Host) renderKey {
	return renderKey{gen: s.seq, width: renderWidth(h), dark: h.Styles().Dark, template: s.template}
}

// ensureRender starts a re-render when the width or background changed
// since the shown rendering (rendering is slow: it runs as a command).
func (s *screen) ensureRender(h kit.Host) tea.Cmd {
	if s.st != h.Styles() && s.rend != nil {
		s.relayout(h.Styles())
	}
	if s.rb == nil || s.rend == nil {
		return nil
	}
	want := s.wantKey(h)
	if s.rend.key == want || s.pending == want {
		return nil
	}
	s.pending = want
	rb, ra, render := s.rb, s.ra, s.d.Render
	return func() tea.Msg { return renderedMsg{rend: renderRunbook(rb, ra, want, render)} }
}

// DetailLines implements kit.DetailExtender: the escalation state (and the
// runbook's origin once it was looked up) in the alert detail.
func (s *screen) DetailLines(a *alerts.Alert, st *kit.Styles, now time.Time) []string {
	var out []string
	if line := escalationLine(a, s.d.Steps, s.d.After, st, now); line != "" {
		out = append(out, line)
	}
	if o := s.origins[a.Fingerprint]; o != "" {
		out = append(out, st.Label.Render("runbook: ")+st.Muted.Render(sanitize.Text(o)))
	}
	return out
}

// escalationLine is "escalation: unacked for 12m; escalate to L2 at 15m"
// for firing or acked alerts, "" for others (pending, silenced, …).
func escalationLine(a *alerts.Alert, steps []string, after time.Duration, st *kit.Styles, now time.Time) string {
	if a == nil || (a.State != alerts.StateFiring && a.Ack == nil) {
		return ""
	}
	ra := runbooks.Alert{ActiveFor: now.Sub(a.Since()), Acked: a.Ack != nil}
	state := runbooks.EscalationState(ra, steps, after)
	style := st.Sev["warning"]
	switch {
	case ra.Acked:
		style = st.StateStyle("acked")
	case strings.Contains(state, "past ") || strings.Contains(state, " since "):
		style = st.Sev["critical"]
	}
	return st.Label.Render("escalation: ") + style.Render(state)
}
