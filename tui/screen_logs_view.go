package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"oncall/internal/logview"
	"oncall/internal/timefmt"
)

// logsCols is the column layout for one width.
type logsCols struct {
	tsW, svcW, lineW int
	tsFmt            string
}

func logsLayout(w int) logsCols {
	c := logsCols{tsW: 12, tsFmt: "15:04:05.000", svcW: min(20, max(8, w/8))}
	if w < 70 {
		c.tsW, c.tsFmt = 8, "15:04:05"
	}
	// marker(2) ts sp svc sp level(5) sp line
	c.lineW = max(1, w-2-c.tsW-1-c.svcW-1-5-1)
	return c
}

func (c logsCols) prefixW() int { return 2 + c.tsW + 1 + c.svcW + 1 + 5 + 1 }

// View implements Screen. It draws two header lines, the column header,
// the visible rows and a footer; only the visible rows are rendered.
func (s *LogsScreen) View(w, h int, st *Styles, now time.Time) string {
	s.w, s.h = w, h
	if s.detail != nil {
		return s.detail.view(w, h, st)
	}
	cols := logsLayout(w)
	out := make([]string, 0, h)
	out = append(out, s.titleLine(w, st), s.statusLine(w, st, now))
	out = append(out, st.Header.Render(fit("  "+fit("TIME", cols.tsW)+" "+fit("SERVICE", cols.svcW)+" LEVEL LINE", w)))
	body := s.bodyH()
	switch {
	case s.buf.Len() == 0:
		out = append(out, "", "  "+s.emptyText(st))
	default:
		s.ensureVisible(body, cols.lineW)
		out = s.drawRows(out, body, cols, st)
	}
	for len(out) < h-1 {
		out = append(out, "")
	}
	out = append(out[:h-1], s.footer(w, st))
	return box(out, w, h)
}

func (s *LogsScreen) titleLine(w int, st *Styles) string {
	t := st.Title.Render("Logs")
	if s.alertName != "" {
		t += st.Muted.Render(" · ") + st.Bold.Render(s.alertName)
	}
	if s.queryText != "" {
		t += "  " + st.Accent.Render(cut(s.queryText, max(1, w-width(t)-2)))
	}
	return t
}

func (s *LogsScreen) statusLine(w int, st *Styles, now time.Time) string {
	switch {
	case s.cfgErr != "":
		return st.Error.Render(cut("✗ "+s.cfgErr, w))
	case s.loading:
		return st.Muted.Render(fmt.Sprintf("loading %s…", s.window()))
	}
	var parts []string
	if s.err != "" {
		parts = append(parts, st.Error.Render("✗ "+s.err))
	}
	if s.loaded {
		n := fmt.Sprintf("%s lines", logsThousands(s.buf.Len()))
		if s.capped {
			n += fmt.Sprintf(" (newest %s)", logsThousands(s.buf.Cap()))
		}
		parts = append(parts, st.Muted.Render(s.window()), st.Value.Render(n))
		if s.errorsOnly {
			parts = append(parts, st.SevStyle("warning").Render("errors+warnings"))
		} else {
			parts = append(parts, st.Muted.Render("all levels"))
		}
		if s.wrap {
			parts = append(parts, st.Muted.Render("wrap"))
		}
		parts = append(parts, s.tailStatus(st))
	}
	return cut(strings.Join(parts, st.Muted.Render(" · ")), w)
}

// window renders the loaded window, e.g. "03:13:00–03:30:00 (17m)".
func (s *LogsScreen) window() string {
	if s.start.IsZero() {
		return ""
	}
	loc := s.b.Location()
	return fmt.Sprintf("%s–%s (%s)", s.start.In(loc).Format("15:04:05"), s.end.In(loc).Format("15:04:05"), timefmt.Human(s.end.Sub(s.start)))
}

func (s *LogsScreen) emptyText(st *Styles) string {
	switch {
	case s.cfgErr != "", s.err != "":
		return st.Muted.Render("No lines.")
	case s.loading:
		return st.Muted.Render("Loading…")
	case !s.loaded:
		return st.Muted.Render("Select an alert and press l.")
	case s.errorsOnly:
		return st.Muted.Render("No error or warning lines in this window (e shows every level).")
	}
	return st.Muted.Render("No log lines in this window.")
}

func (s *LogsScreen) footer(w int, st *Styles) string {
	switch {
	case s.searching:
		s.input.SetWidth(max(10, w-4))
		return s.input.View()
	case !s.search.Empty():
		return st.Accent.Render("/"+cut(s.search.Query(), w/2)) + st.Muted.Render(fmt.Sprintf("  %d matching lines · n/N next/prev · esc clears", s.matches))
	}
	hint := "enter/v line"
	if r := s.row(); r != nil && r.TraceID != "" {
		hint = "enter trace " + r.TraceID[:8] + "… · v line"
	}
	return st.Muted.Render(cut(hint+" · e errors · w wrap · t tail · / search · r reload · esc back", w))
}

// ensureVisible moves the window so the cursor row is shown. It looks only
// at rows between the window's top and the cursor, at most a screenful.
func (s *LogsScreen) ensureVisible(body, lineW int) {
	n := s.buf.Len()
	s.cursor = max(0, min(s.cursor, n-1))
	s.top = max(0, min(s.top, n-1))
	if s.cursor < s.top {
		s.top = s.cursor
	}
	if !s.wrap {
		if s.cursor >= s.top+body {
			s.top = s.cursor - body + 1
		}
		return
	}
	used := 0
	for i := s.cursor; i >= s.top; i-- {
		used += logview.Lines(s.buf.At(i).Text, lineW, body+1)
		if used > body {
			s.top = min(i+1, s.cursor)
			return
		}
	}
}

// drawRows renders rows from the window's top until body lines are
// filled.
func (s *LogsScreen) drawRows(out []string, body int, cols logsCols, st *Styles) []string {
	want := len(out) + body
	for i := s.top; i < s.buf.Len() && len(out) < want; i++ {
		out = s.renderRow(out, i, want-len(out), cols, st)
	}
	return out
}

// renderRow appends the display lines of row i (one, or up to room when
// wrapping).
func (s *LogsScreen) renderRow(out []string, i, room int, cols logsCols, st *Styles) []string {
	r := s.buf.At(i)
	sel := i == s.cursor
	svc := r.Service
	if svc == "" {
		svc = "-"
	}
	lvl := fit(logsLevelLabel(r.Level), 5)
	prefix := fit(r.Time.Format(cols.tsFmt), cols.tsW) + " " + fit(svc, cols.svcW) + " "
	var segs [][2]int
	if s.wrap {
		starts := logview.Wrap(r.Text, cols.lineW, room)
		for k, a := range starts {
			b := len(r.Text)
			if k+1 < len(starts) {
				b = starts[k+1]
			}
			segs = append(segs, [2]int{a, b})
		}
	} else {
		segs = [][2]int{{0, len(r.Text)}}
	}
	for k, sg := range segs {
		text, ell := logsClip(r.Text[sg[0]:sg[1]], cols.lineW)
		var line string
		switch {
		case sel:
			p := strings.Repeat(" ", cols.prefixW()-2)
			if k == 0 {
				p = prefix + lvl + " "
			}
			line = st.Cursor.Render("▌ ") + st.Selected.Render(fit(p+text+ell, cols.prefixW()-2+cols.lineW))
		default:
			p := strings.Repeat(" ", cols.prefixW())
			if k == 0 {
				p = "  " + st.Muted.Render(prefix) + logsLevelStyle(st, r.Level).Render(lvl) + " "
			}
			line = p + s.paint(r, sg[0], text, st) + ell
		}
		out = append(out, line)
	}
	return out
}

// logsClip cuts text to w cells, leaving room for an ellipsis when cut.
func logsClip(text string, w int) (string, string) {
	n, _ := logview.Cut(text, w)
	if n == len(text) {
		return text, ""
	}
	n, _ = logview.Cut(text, w-1)
	return text[:n], "…"
}

// paint styles the trace id and search matches inside text, which starts
// at byte base of r.Text. Text is sanitized; only oncall's styles add
// escape sequences.
func (s *LogsScreen) paint(r *logview.Row, base int, text string, st *Styles) string {
	type span struct {
		a, b  int
		style lipgloss.Style
	}
	var spans []span
	clip := func(a, b int, style lipgloss.Style) {
		a, b = max(a-base, 0), min(b-base, len(text))
		if a < b {
			spans = append(spans, span{a, b, style})
		}
	}
	if r.TraceAt >= 0 {
		a := int(r.TraceAt)
		clip(a, a+len(r.TraceID), st.Accent.Underline(true))
	}
	if !s.search.Empty() {
		ms := lipgloss.NewStyle().Reverse(true)
		for a := s.search.Index(r.Text, max(0, base-s.search.Len()+1)); a >= 0 && a < base+len(text); a = s.search.Index(r.Text, a+max(1, s.search.Len())) {
			clip(a, a+s.search.Len(), ms)
		}
	}
	if len(spans) == 0 {
		return text
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].a < spans[j].a })
	var b strings.Builder
	pos := 0
	for _, sp := range spans {
		a := max(sp.a, pos)
		if a >= sp.b {
			continue
		}
		b.WriteString(text[pos:a])
		b.WriteString(sp.style.Render(text[a:sp.b]))
		pos = sp.b
	}
	b.WriteString(text[pos:])
	return b.String()
}

func logsLevelLabel(l logview.Level) string {
	switch l {
	case logview.LevelError:
		return "ERROR"
	case logview.LevelWarn:
		return "WARN"
	case logview.LevelInfo:
		return "INFO"
	case logview.LevelDebug:
		return "DEBUG"
	}
	return "-"
}

func logsLevelStyle(st *Styles, l logview.Level) lipgloss.Style {
	switch l {
	case logview.LevelError:
		return st.SevStyle("critical")
	case logview.LevelWarn:
		return st.SevStyle("warning")
	case logview.LevelInfo:
		return st.SevStyle("info")
	}
	return st.Muted
}

// logsThousands renders 12345 as "12,345".
func logsThousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
