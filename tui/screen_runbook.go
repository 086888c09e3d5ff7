package tui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/alerts"
	"oncall/internal/sanitize"
	"oncall/runbooks"
	"oncall/sources/loki"
)

// RunbookScreenName is the name the runbook screen is registered under.
const RunbookScreenName = "runbook"

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

// RunbookDeps is what the runbook screen needs. The Finder is built once
// and shared by every session (it is safe for concurrent use and holds the
// cache of fetched runbooks).
type RunbookDeps struct {
	// Finder finds runbooks; nil shows SetupErr instead.
	Finder *runbooks.Finder
	// SetupErr explains why there is no Finder (e.g. a bad rewrite rule).
	SetupErr string
	// Prom runs promql blocks; nil means the session's Prometheus (Deps.Prom).
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

// RunbookScreen returns the spec of the runbook screen (key action
// "runbook", R by default). Its factory also adds the escalation line to the
// alert detail.
func RunbookScreen(d RunbookDeps) ScreenSpec {
	if d.Timeout <= 0 {
		d.Timeout = 20 * time.Second
	}
	if d.Render == nil {
		d.Render = runbooks.Render
	}
	if len(d.Steps) == 0 {
		d.Steps = runbooks.DefaultEscalation()
	}
	return ScreenSpec{Name: RunbookScreenName, Key: "runbook", Factory: func(m *Model) Screen {
		s := newRunbookScreen(d)
		m.AddDetailExtra(s.detailExtra)
		return s
	}}
}

// runbookScreen shows the runbook of one alert, rendered in place, with its
// code blocks selectable and its promql/logql blocks runnable.
type runbookScreen struct {
	d RunbookDeps

	seq      int // lookup requests; replies for older ones are dropped
	alert    *alerts.Alert
	ra       runbooks.Alert
	context  string
	openKey  string
	loading  bool
	err      string
	rb       *runbooks.Runbook
	rend     *rbRender
	pending  rbKey // render in flight
	results  map[int]*rbResult
	runSeq   int
	origins  map[string]string // fingerprint → origin, for the detail
	st       *Styles           // the styles the lines were built with
	view     rbView
	sel      int // selected block, -1 none
	offset   int
	bodyH    int // body lines shown at the last key (for paging)
	input    textinput.Model
	search   bool // the search box has focus
	query    string
	matches  []int
	matchIdx int
	mark     int // line of the last search match or heading jumped to, -1 none
}

func newRunbookScreen(d RunbookDeps) *runbookScreen {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "search the runbook"
	in.CharLimit = 200
	return &runbookScreen{d: d, sel: -1, mark: -1, results: map[int]*rbResult{}, origins: map[string]string{}, input: in}
}

// Message types; each is addressed to this screen and carries the sequence
// number of its request so stale replies are dropped.
type (
	runbookFoundMsg struct {
		seq  int
		rb   *runbooks.Runbook
		rend *rbRender
		err  error
	}
	runbookRenderedMsg struct{ rend *rbRender }
	runbookRunMsg      struct {
		block int
		res   *rbResult
	}
)

func (runbookFoundMsg) Screen() string    { return RunbookScreenName }
func (runbookRenderedMsg) Screen() string { return RunbookScreenName }
func (runbookRunMsg) Screen() string      { return RunbookScreenName }

// Title implements Screen.
func (s *runbookScreen) Title() string { return "Runbook" }

// Capturing implements Screen: the search box takes every key.
func (s *runbookScreen) Capturing() bool { return s.search }

// Open implements Screen: it looks the runbook up and renders it, both in a
// command.
func (s *runbookScreen) Open(m *Model, a *alerts.Alert) tea.Cmd {
	s.seq++
	s.alert, s.rb, s.rend, s.err, s.loading = a, nil, nil, "", false
	s.results, s.sel, s.offset = map[int]*rbResult{}, -1, 0
	s.pending = rbKey{}
	s.search, s.query, s.matches, s.mark = false, "", nil, -1
	s.context = m.Deps().Config.CurrentContext
	s.openKey = m.Keys().Runbook.Help().Key
	s.bodyH = s.bodyHeight(m.bodyHeight())
	s.view = rbView{}
	if a == nil {
		return nil
	}
	s.ra = RunbookAlert(a, ruleRunbookURL(m.rules, a.Name()), m.Now())
	if s.d.Finder == nil {
		s.err = "runbooks are not available: " + s.d.SetupErr
		return nil
	}
	s.loading = true
	key := s.wantKey(m)
	s.pending = key
	f, ra, render, timeout := s.d.Finder, s.ra, s.d.Render, s.d.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		rb, err := f.Find(ctx, ra)
		if err != nil {
			return runbookFoundMsg{seq: key.gen, err: err}
		}
		return runbookFoundMsg{seq: key.gen, rb: rb, rend: renderRunbook(rb, key, render)}
	}
}

// RunbookAlert converts an alert for the runbooks package. ruleURL is the
// runbook_url annotation of the alert's rule, used when the alert itself
// has none.
func RunbookAlert(a *alerts.Alert, ruleURL string, now time.Time) runbooks.Alert {
	ann := make(map[string]string, len(a.Annotations)+1)
	for k, v := range a.Annotations {
		ann[k] = v
	}
	if strings.TrimSpace(ann["runbook_url"]) == "" && ruleURL != "" {
		ann["runbook_url"] = ruleURL
	}
	ra := runbooks.Alert{Name: a.Name(), Labels: a.Labels, Annotations: ann, GeneratorURL: a.GeneratorURL,
		ActiveFor: now.Sub(a.Since()), Acked: a.Ack != nil}
	if a.Rule != nil {
		ra.Expr = a.Rule.Expr
	}
	return ra
}

// ruleRunbookURL is the runbook_url annotation of the first rule named
// name; a templated one (with {{ }}) cannot be used without its alert.
func ruleRunbookURL(rules map[string][]v1.AlertingRule, name string) string {
	rs := rules[name]
	if len(rs) == 0 {
		return ""
	}
	u := strings.TrimSpace(string(rs[0].Annotations["runbook_url"]))
	if strings.Contains(u, "{{") {
		return ""
	}
	return u
}

// Update implements Screen.
func (s *runbookScreen) Update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case runbookFoundMsg:
		if msg.seq != s.seq {
			return nil
		}
		s.loading, s.pending = false, rbKey{}
		if msg.err != nil {
			s.err = msg.err.Error()
			return nil
		}
		s.rb, s.rend = msg.rb, msg.rend
		if s.alert != nil {
			s.origins[s.alert.Fingerprint] = msg.rb.Origin()
			m.syncDetail()
		}
		s.relayout(m.Styles())
		return s.ensureRender(m)
	case runbookRenderedMsg:
		if msg.rend.key != s.pending {
			return nil
		}
		s.pending = rbKey{}
		s.rend = msg.rend
		s.relayout(m.Styles())
		return s.ensureRender(m)
	case runbookRunMsg:
		cur := s.results[msg.block]
		if cur == nil || cur.seq != msg.res.seq {
			return nil
		}
		s.results[msg.block] = msg.res
		s.relayout(m.Styles())
	}
	return nil
}

// Refresh implements Refresher: on each tick the alert is re-read (its ack
// and age change) and a resize or background change re-renders.
func (s *runbookScreen) Refresh(m *Model) tea.Cmd {
	live := make(map[string]bool, len(m.Alerts()))
	for _, a := range m.Alerts() {
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
	if m.view != viewScreen || m.screen != RunbookScreenName {
		return nil
	}
	return s.ensureRender(m)
}

// rbRenderWidth is the width the markdown is rendered at: the body minus the
// two-cell gutter that marks the selected block and the search match.
func rbRenderWidth(m *Model) int { return max(20, m.width-2) }

func (s *runbookScreen) wantKey(m *Model) rbKey {
	return rbKey{gen: s.seq, width: rbRenderWidth(m), dark: m.Styles().Dark}
}

// ensureRender starts a re-render when the width or background changed
// since the shown rendering (rendering is slow: it runs as a command).
func (s *runbookScreen) ensureRender(m *Model) tea.Cmd {
	if s.st != m.Styles() && s.rend != nil {
		s.relayout(m.Styles())
	}
	if s.rb == nil || s.rend == nil {
		return nil
	}
	want := s.wantKey(m)
	if s.rend.key == want || s.pending == want {
		return nil
	}
	s.pending = want
	rb, render := s.rb, s.d.Render
	return func() tea.Msg { return runbookRenderedMsg{rend: renderRunbook(rb, want, render)} }
}

// detailExtra adds the escalation state (and the runbook's origin once it
// was looked up) to the alert detail.
func (s *runbookScreen) detailExtra(a *alerts.Alert, st *Styles, now time.Time) []string {
	var out []string
	if line := rbEscalationLine(a, s.d.Steps, s.d.After, st, now); line != "" {
		out = append(out, line)
	}
	if o := s.origins[a.Fingerprint]; o != "" {
		out = append(out, st.Label.Render("runbook: ")+st.Muted.Render(sanitize.Text(o)))
	}
	return out
}

// rbEscalationLine is "escalation: unacked for 12m; escalate to L2 at 15m"
// for firing or acked alerts, "" for others (pending, silenced, …).
func rbEscalationLine(a *alerts.Alert, steps []string, after time.Duration, st *Styles, now time.Time) string {
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

// Resize re-renders the runbook at the new width right away.
func (s *runbookScreen) Resize(m *Model, _, _ int) tea.Cmd { return s.ensureRender(m) }
