package tui

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

// tracesLookback is how long before the alert started the error-trace
// search begins.
const tracesLookback = 5 * time.Minute

// tracesLimit caps the error traces listed.
const tracesLimit = 50

// TraceService is the Jaeger service an alert's traces are searched
// under: its "service" label, else its "job" label, mapped through
// [jaeger] services when listed there.
func TraceService(a *alerts.Alert, mapping map[string]string) string {
	if a == nil {
		return ""
	}
	for _, l := range []string{"service", "job"} {
		if v := strings.TrimSpace(a.Labels[l]); v != "" {
			if mapped := mapping[v]; mapped != "" {
				return mapped
			}
			return v
		}
	}
	return ""
}

// tracesLoadedMsg is the reply of the error-trace search.
type tracesLoadedMsg struct {
	seq  int
	rows []tracesRow
	err  error
}

// Screen implements Routed.
func (tracesLoadedMsg) Screen() string { return TracesScreenName }

// tracesRow is one error trace, its text sanitized once.
type tracesRow struct {
	id, root, services string
	start              time.Time
	dur                string
	spans, errors      int
}

// TracesScreen lists the recent traces with errors of the selected alert's
// service; enter opens one in the trace screen.
type TracesScreen struct {
	src TraceSources
	seq int

	alert, service string
	start          time.Time
	loading        bool
	err            string
	rows           []tracesRow
	loadedAt       time.Time // when rows arrived: shown when a refresh fails
	cursor, offset int
	h              int
}

// Title implements Screen.
func (s *TracesScreen) Title() string { return "Error traces" }

// Capturing implements Screen.
func (s *TracesScreen) Capturing() bool { return false }

// Open implements Screen: search the alert's service for traces with
// errors since 5 minutes before the alert started.
func (s *TracesScreen) Open(m *Model, a *alerts.Alert) tea.Cmd {
	s.rows, s.cursor, s.offset, s.err = nil, 0, 0, ""
	if a == nil {
		s.alert, s.service = "", ""
		s.err = "select an alert first: its service's error traces are listed"
		return nil
	}
	s.alert, s.service = a.Name(), TraceService(a, s.src.Services)
	s.start = a.Since().Add(-tracesLookback)
	if s.service == "" {
		s.err = fmt.Sprintf("alert %s has no service or job label: no service to search traces for", a.Name())
		return nil
	}
	return s.fetch(m)
}

// Refresh implements Refresher: while shown, the list follows the tick.
func (s *TracesScreen) Refresh(m *Model) tea.Cmd {
	if m.view != viewScreen || m.screen != TracesScreenName || s.service == "" || s.loading {
		return nil
	}
	return s.fetch(m)
}

func (s *TracesScreen) fetch(m *Model) tea.Cmd {
	s.seq++
	s.loading = true
	seq, jc, to := s.seq, s.src.Jaeger, s.src.timeout()
	q := jaeger.SearchQuery{Service: s.service, Tags: map[string]string{"error": "true"}, Start: s.start, End: m.Now(), Limit: tracesLimit}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), to)
		defer cancel()
		list, err := jc.FindTraces(ctx, q)
		if err != nil {
			return tracesLoadedMsg{seq: seq, err: err}
		}
		rows := make([]tracesRow, 0, len(list))
		for _, t := range list {
			rows = append(rows, tracesRow{
				id: t.TraceID, root: sanitize.Truncate(t.Root, 120), services: sanitize.Truncate(strings.Join(t.Services, ", "), 120),
				start: t.Start, dur: waterfall.FormatDuration(t.Duration), spans: t.Spans, errors: t.Errors,
			})
		}
		return tracesLoadedMsg{seq: seq, rows: rows}
	}
}

// Update implements Screen.
func (s *TracesScreen) Update(m *Model, msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(tracesLoadedMsg); ok && msg.seq == s.seq {
		s.loading = false
		if msg.err != nil {
			s.err = fmt.Sprintf("jaeger: %v", msg.err)
			return nil
		}
		sel := ""
		if s.cursor < len(s.rows) {
			sel = s.rows[s.cursor].id
		}
		s.err, s.rows, s.cursor, s.loadedAt = "", msg.rows, 0, m.Now()
		for i, r := range s.rows {
			if r.id == sel {
				s.cursor = i
			}
		}
	}
	return nil
}

// HandleKey implements Screen: move, enter opens the trace, r searches again.
func (s *TracesScreen) HandleKey(m *Model, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := m.Keys()
	page := max(1, s.h-3)
	switch {
	case matches(msg, k.Enter):
		if s.cursor >= len(s.rows) {
			return true, nil
		}
		r := s.rows[s.cursor]
		return true, kit.OpenTrace(r.id, "", r.start)
	case matches(msg, k.Refresh):
		if s.service == "" {
			return false, nil
		}
		return true, s.fetch(m)
	case matches(msg, k.Up):
		s.cursor--
	case matches(msg, k.Down):
		s.cursor++
	case matches(msg, k.PageUp):
		s.cursor -= page
	case matches(msg, k.PageDown):
		s.cursor += page
	case matches(msg, k.Top):
		s.cursor = 0
	case matches(msg, k.Bottom):
		s.cursor = len(s.rows)
	default:
		return false, nil
	}
	s.cursor = max(0, min(s.cursor, len(s.rows)-1))
	return true, nil
}

// View implements Screen.
func (s *TracesScreen) View(w, h int, st *Styles, now time.Time) string {
	s.h = h
	head := st.Title.Render("Error traces")
	if s.service != "" {
		head += st.Muted.Render(fmt.Sprintf(" · service %s · since %s (%s − 5m)", sanitize.Text(s.service), s.start.Local().Format("15:04"), sanitize.Text(s.alert)))
	}
	lines := []string{head}
	switch {
	case s.err != "" && len(s.rows) == 0:
		lines = append(lines, "", st.Error.Render("  ✗ "+sanitize.Text(s.err)))
		return box(lines, w, h)
	case s.err != "":
		// A refresh failed: keep the last good list on screen, marked stale.
		lines = append(lines, fit(st.Error.Render("  ✗ "+sanitize.Text(s.err))+st.Muted.Render(fmt.Sprintf(" · stale: the list as of %s", s.loadedAt.Local().Format("15:04:05"))), w))
	case s.loading && len(s.rows) == 0:
		lines = append(lines, "", st.Muted.Render("  searching Jaeger for traces with errors…"))
		return box(lines, w, h)
	case len(s.rows) == 0:
		lines = append(lines, "", st.Muted.Render("  No traces with errors in this window."))
		return box(lines, w, h)
	}
	lines[0] += st.Muted.Render(fmt.Sprintf(" · %d found · enter opens", len(s.rows)))
	lines = append(lines, st.Header.Render(fit("  STARTED   DURATION  SPANS  ERR  ROOT", w)))
	body := h - len(lines)
	s.offset = traceScrollTo(s.cursor, s.offset, body, len(s.rows))
	for i := s.offset; i < min(len(s.rows), s.offset+body); i++ {
		r := s.rows[i]
		rest := fmt.Sprintf("%s  %s", r.root, st.Muted.Render(r.id[:min(len(r.id), 16)]+" · "+r.services))
		line := fmt.Sprintf("%-8s  %8s  %5d  %s  ", r.start.Local().Format("15:04:05"), r.dur, r.spans, st.Error.Render(fmt.Sprintf("%3d", r.errors)))
		if i == s.cursor {
			lines = append(lines, st.Cursor.Render("▌ ")+st.Selected.Render(fit(ansiStrip(line+rest), w-2)))
			continue
		}
		lines = append(lines, "  "+line+rest)
	}
	return box(lines, w, h)
}
