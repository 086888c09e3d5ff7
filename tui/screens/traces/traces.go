// Package traces lists the recent traces with errors of the selected
// alert's service, from Jaeger; enter opens one in the trace screen (with
// kit.OpenTrace).
package traces

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/sanitize"
	"oncall/internal/waterfall"
	"oncall/sources/jaeger"
	"oncall/tui/kit"
)

// Name is the name the screen registers under; Action is the global action
// that opens it.
const (
	Name   = "traces"
	Action = "traces"
)

const (
	// lookback is how long before the alert started the search begins.
	lookback = 5 * time.Minute
	// limit caps the error traces listed.
	limit          = 50
	defaultTimeout = 15 * time.Second
)

// Options are the screen's sources, from the context's [jaeger] section.
type Options struct {
	// Jaeger is required: without it the screen is not available.
	Jaeger jaeger.Client
	// Services maps an alert's service to its Jaeger service name.
	Services map[string]string
	// Timeout bounds each search (0 = 15s).
	Timeout time.Duration
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return defaultTimeout
}

// Spec describes the screen: T opens it on the selected alert.
func Spec() kit.Spec {
	return kit.Spec{
		Name:  Name,
		Title: "Error traces",
		Open:  kit.Binding{Action: Action, Keys: []string{"T"}, Help: "error traces"},
		Keys: []kit.Binding{
			{Action: kit.Up, Help: "previous trace"},
			{Action: kit.Down, Help: "next trace"},
			{Action: kit.PageUp, Help: "page up"},
			{Action: kit.PageDown, Help: "page down"},
			{Action: kit.Top, Help: "first trace"},
			{Action: kit.Bottom, Help: "last trace"},
			{Action: kit.Enter, Help: "open the trace", Short: "opens"},
			{Action: kit.Refresh, Help: "search Jaeger again"},
		},
	}
}

// Entry registers the screen; without a Jaeger its key says so.
func Entry(o Options) kit.Entry {
	e := kit.Entry{Spec: Spec()}
	if o.Jaeger == nil {
		e.Unavailable = "no Jaeger configured for this context"
		return e
	}
	e.New = func(_ kit.Host, keys *kit.Keymap) kit.Screen { return &Screen{opts: o, keys: keys} }
	return e
}

// loadedMsg is the reply of the search.
type loadedMsg struct {
	seq  int
	rows []row
	err  error
}

// Screen implements kit.Routed.
func (loadedMsg) Screen() string { return Name }

// row is one error trace, its text sanitized once.
type row struct {
	id, root, services string
	start              time.Time
	dur                string
	spans, errors      int
}

// Screen is the error-trace list of one session.
type Screen struct {
	opts Options
	keys *kit.Keymap
	seq  int

	alert, service string
	start          time.Time
	loading        bool
	err            string
	rows           []row
	loadedAt       time.Time // when rows arrived: shown when a refresh fails
	list           kit.List
}

// Capturing implements kit.Screen.
func (s *Screen) Capturing() bool { return false }

// Loading reports whether a search is running.
func (s *Screen) Loading() bool { return s.loading }

// Err is the last search's failure ("" when it succeeded).
func (s *Screen) Err() string { return s.err }

// Len is the number of traces listed.
func (s *Screen) Len() int { return len(s.rows) }

// Open implements kit.Screen: search the alert's service for traces with
// errors since 5 minutes before the alert started.
func (s *Screen) Open(h kit.Host, a *alerts.Alert) tea.Cmd {
	s.rows, s.err = nil, ""
	s.list.SetLen(0)
	if a == nil {
		s.alert, s.service = "", ""
		s.err = "select an alert first: its service's error traces are listed"
		return nil
	}
	s.alert, s.service = a.Name(), jaeger.AlertService(a.Labels, s.opts.Services)
	s.start = a.Since().Add(-lookback)
	if s.service == "" {
		s.err = fmt.Sprintf("alert %s has no service or job label: no service to search traces for", a.Name())
		return nil
	}
	return s.fetch(h.Now())
}

// Refresh implements kit.Refresher: while shown, the list follows the tick.
func (s *Screen) Refresh(h kit.Host) tea.Cmd {
	if !h.Visible(Name) || s.service == "" || s.loading {
		return nil
	}
	return s.fetch(h.Now())
}

func (s *Screen) fetch(now time.Time) tea.Cmd {
	s.seq++
	s.loading = true
	seq, jc, to := s.seq, s.opts.Jaeger, s.opts.timeout()
	q := jaeger.SearchQuery{Service: s.service, Tags: map[string]string{"error": "true"}, Start: s.start, End: now, Limit: limit}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), to)
		defer cancel()
		list, err := jc.FindTraces(ctx, q)
		if err != nil {
			return loadedMsg{seq: seq, err: err}
		}
		rows := make([]row, 0, len(list))
		for _, t := range list {
			rows = append(rows, row{
				id: t.TraceID, root: sanitize.Truncate(t.Root, 120), services: sanitize.Truncate(strings.Join(t.Services, ", "), 120),
				start: t.Start, dur: waterfall.FormatDuration(t.Duration), spans: t.Spans, errors: t.Errors,
			})
		}
		return loadedMsg{seq: seq, rows: rows}
	}
}

// Update implements kit.Screen: a new list keeps the selected trace
// selected when it is still in it.
func (s *Screen) Update(h kit.Host, msg tea.Msg) tea.Cmd {
	m, ok := msg.(loadedMsg)
	if !ok || m.seq != s.seq {
		return nil
	}
	s.loading = false
	if m.err != nil {
		s.err = fmt.Sprintf("jaeger: %v", m.err)
		return nil
	}
	sel := ""
	if c := s.list.Cursor(); c < len(s.rows) {
		sel = s.rows[c].id
	}
	s.err, s.rows, s.loadedAt = "", m.rows, h.Now()
	s.list.SetLen(len(s.rows))
	s.list.Select(0)
	for i, r := range s.rows {
		if r.id == sel {
			s.list.Select(i)
		}
	}
	return nil
}

// HandleKey implements kit.Screen: move, enter opens the trace, refresh
// searches again.
func (s *Screen) HandleKey(h kit.Host, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	switch {
	case s.keys.Is(msg, kit.Enter):
		c := s.list.Cursor()
		if c >= len(s.rows) {
			return true, nil
		}
		r := s.rows[c]
		return true, kit.OpenTrace(r.id, "", r.start)
	case s.keys.Is(msg, kit.Refresh):
		if s.service == "" {
			return false, nil // nothing to search: the root refreshes the alerts
		}
		return true, s.fetch(h.Now())
	}
	return s.list.HandleKey(s.keys, msg), nil
}

// View implements kit.Screen.
func (s *Screen) View(w, h int, st *kit.Styles, now time.Time) string {
	head := st.Title.Render("Error traces")
	if s.service != "" {
		head += st.Muted.Render(fmt.Sprintf(" · service %s · since %s (%s − 5m)", sanitize.Text(s.service), s.start.Local().Format("15:04"), sanitize.Text(s.alert)))
	}
	lines := []string{head}
	switch {
	case s.err != "" && len(s.rows) == 0:
		lines = append(lines, "", st.Error.Render("  ✗ "+sanitize.Text(s.err)))
		return kit.Box(lines, w, h)
	case s.err != "":
		// A refresh failed: keep the last good list on screen, marked stale.
		lines = append(lines, kit.Fit(st.Error.Render("  ✗ "+sanitize.Text(s.err))+st.Muted.Render(fmt.Sprintf(" · stale: the list as of %s", s.loadedAt.Local().Format("15:04:05"))), w))
	case s.loading && len(s.rows) == 0:
		lines = append(lines, "", st.Muted.Render("  searching Jaeger for traces with errors…"))
		return kit.Box(lines, w, h)
	case len(s.rows) == 0:
		lines = append(lines, "", st.Muted.Render("  No traces with errors in this window."))
		return kit.Box(lines, w, h)
	}
	lines[0] += st.Muted.Render(fmt.Sprintf(" · %d found · %s", len(s.rows), s.keys.Hints()))
	lines = append(lines, st.Header.Render(kit.Fit("  STARTED   DURATION  SPANS  ERR  ROOT", w)))
	s.list.SetHeight(h - len(lines))
	from, to := s.list.Window()
	for i := from; i < to; i++ {
		r := s.rows[i]
		rest := fmt.Sprintf("%s  %s", r.root, st.Muted.Render(r.id[:min(len(r.id), 16)]+" · "+r.services))
		line := fmt.Sprintf("%-8s  %8s  %5d  %s  ", r.start.Local().Format("15:04:05"), r.dur, r.spans, st.Error.Render(fmt.Sprintf("%3d", r.errors)))
		if i == s.list.Cursor() {
			lines = append(lines, st.Cursor.Render("▌ ")+st.Selected.Render(kit.Fit(kit.Strip(line+rest), w-2)))
			continue
		}
		lines = append(lines, "  "+line+rest)
	}
	return kit.Box(lines, w, h)
}
