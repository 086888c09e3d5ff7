package logs

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"oncall/internal/logview"
	"oncall/internal/timefmt"
	"oncall/tui/kit"
)

// cols is the column layout for one width.
type cols struct {
	tsW, svcW, lineW int
	tsFmt            string
}

func layout(w int) cols {
	c := cols{tsW: 12, tsFmt: "15:04:05.000", svcW: min(20, max(8, w/8))}
	if w < 70 {
		c.tsW, c.tsFmt = 8, "15:04:05"
	}
	// marker(2) ts sp svc sp level(5) sp line
	c.lineW = max(1, w-2-c.tsW-1-c.svcW-1-5-1)
	return c
}

func (c cols) prefixW() int { return 2 + c.tsW + 1 + c.svcW + 1 + 5 + 1 }

// View implements kit.Screen. It draws two header lines, the column header,
// the visible rows and a footer; only the visible rows are rendered.
func (s *Screen) View(w, h int, st *kit.Styles, now time.Time) string {
	s.setSize(w, h)
	if s.detail != nil {
		return s.detail.view(w, h, st)
	}
	c := layout(w)
	out := make([]string, 0, h)
	out = append(out, s.titleLine(w, st), s.statusLine(w, st, now))
	if len(s.report.notes) > 0 {
		out = append(out, st.Muted.Render(kit.Cut("  "+strings.Join(s.report.notes, " · "), w)))
	}
	if s.report.hint != "" {
		out = append(out, st.Error.Render(kit.Cut("  "+s.report.hint, w)))
	}
	out = append(out, st.Header.Render(kit.Fit("  "+kit.Fit("TIME", c.tsW)+" "+kit.Fit("SERVICE", c.svcW)+" LEVEL LINE", w)))
	body := s.bodyH()
	switch {
	case s.buf.Len() == 0:
		out = append(out, "", "  "+s.emptyText(st))
	default:
		s.ensureVisible(body, c.lineW)
		out = s.drawRows(out, body, c, st)
	}
	for len(out) < h-1 {
		out = append(out, "")
	}
	out = append(out[:h-1], s.footer(w, st))
	return kit.Box(out, w, h)
}

func (s *Screen) titleLine(w int, st *kit.Styles) string {
	t := st.Title.Render("Logs")
	if s.alertName != "" {
		t += st.Muted.Render(" · ") + st.Bold.Render(s.alertName)
	}
	if s.queryText != "" {
		t += "  " + st.Accent.Render(kit.Cut(s.queryText, max(1, w-kit.Width(t)-2)))
	}
	return t
}

func (s *Screen) statusLine(w int, st *kit.Styles, now time.Time) string {
	switch {
	case s.cfgErr != "":
		return st.Error.Render(kit.Cut("✗ "+s.cfgErr, w))
	case s.loading:
		return st.Muted.Render(fmt.Sprintf("loading %s…", s.window()))
	}
	var parts []string
	if s.err != "" {
		parts = append(parts, st.Error.Render("✗ "+s.err))
	}
	if s.loaded {
		n := fmt.Sprintf("%s lines", thousands(s.buf.Len()))
		if s.capped {
			n += fmt.Sprintf(" (newest %s)", thousands(s.buf.Cap()))
		}
		parts = append(parts, st.Muted.Render(s.window()), st.Value.Render(n)+st.Muted.Render(s.report.tookText()))
		switch {
		case s.logAlert && s.whole:
			parts = append(parts, st.Muted.Render("whole service"))
		case s.logAlert:
			parts = append(parts, st.Accent.Render("lines that fired it"))
		}
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
	return kit.Cut(strings.Join(parts, st.Muted.Render(" · ")), w)
}

// window renders the loaded window, e.g. "03:13:00–03:30:00 (17m)".
func (s *Screen) window() string {
	if s.start.IsZero() {
		return ""
	}
	loc := s.b.Location()
	return fmt.Sprintf("%s–%s (%s)", s.start.In(loc).Format("15:04:05"), s.end.In(loc).Format("15:04:05"), timefmt.Human(s.end.Sub(s.start)))
}

func (s *Screen) emptyText(st *kit.Styles) string {
	switch {
	case s.cfgErr != "", s.err != "":
		return st.Muted.Render("No lines.")
	case s.loading:
		return st.Muted.Render("Loading…")
	case !s.loaded:
		return st.Muted.Render("Select an alert and press " + s.keys.Key(Name) + ".")
	case s.errorsOnly:
		return st.Muted.Render("No error or warning lines in this window (" + s.keys.Key(actErrors) + " shows every level).")
	}
	return st.Muted.Render("No log lines in this window.")
}

// footer is the hint line: the line's own keys (enter, view), then the
// screen's labelled keys; while searching, the box or the search's keys.
func (s *Screen) footer(w int, st *kit.Styles) string {
	k := s.keys
	switch {
	case s.box.Active():
		s.box.SetWidth(max(10, w-4))
		return s.box.View()
	case !s.search.Empty():
		keys := fmt.Sprintf("  %d matching lines · %s/%s next/prev · %s clears", s.matches, k.Key(actNextMatch), k.Key(actPrevMatch), k.Key(kit.Back))
		return st.Accent.Render("/"+kit.Cut(s.search.Query(), w/2)) + st.Muted.Render(keys)
	}
	hint := k.Key(kit.Enter) + "/" + k.Key(actView) + " line"
	if r := s.row(); r != nil && r.TraceID != "" {
		hint = k.Key(kit.Enter) + " trace " + r.TraceID[:8] + "… · " + k.Key(actView) + " line"
	}
	return st.Muted.Render(kit.Cut(hint+" · "+k.Hints(), w))
}

// ensureVisible moves the window so the cursor row is shown. It looks only
// at rows between the window's top and the cursor, at most a screenful
// (wrapped rows take several lines, so the window is the screen's own, not
// the list's).
func (s *Screen) ensureVisible(body, lineW int) {
	n := s.buf.Len()
	cur := s.cursor()
	s.top = max(0, min(s.top, n-1))
	if cur < s.top {
		s.top = cur
	}
	if !s.wrap {
		if cur >= s.top+body {
			s.top = cur - body + 1
		}
		return
	}
	used := 0
	for i := cur; i >= s.top; i-- {
		used += logview.Lines(s.buf.At(i).Text, lineW, body+1)
		if used > body {
			s.top = min(i+1, cur)
			return
		}
	}
}

// drawRows renders rows from the window's top until body lines are
// filled.
func (s *Screen) drawRows(out []string, body int, c cols, st *kit.Styles) []string {
	want := len(out) + body
	for i := s.top; i < s.buf.Len() && len(out) < want; i++ {
		out = s.renderRow(out, i, want-len(out), c, st)
	}
	return out
}

// renderRow appends the display lines of row i (one, or up to room when
// wrapping).
func (s *Screen) renderRow(out []string, i, room int, c cols, st *kit.Styles) []string {
	r := s.buf.At(i)
	sel := i == s.cursor()
	if r.Gap != nil {
		return append(out, s.gapRow(r, sel, c, st))
	}
	svc := r.Service
	if svc == "" {
		svc = "-"
	}
	lvl := kit.Fit(levelLabel(r.Level), 5)
	prefix := kit.Fit(r.Time.Format(c.tsFmt), c.tsW) + " " + kit.Fit(svc, c.svcW) + " "
	var segs [][2]int
	if s.wrap {
		starts := logview.Wrap(r.Text, c.lineW, room)
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
		text, ell := clip(r.Text[sg[0]:sg[1]], c.lineW)
		var line string
		switch {
		case sel:
			p := strings.Repeat(" ", c.prefixW()-2)
			if k == 0 {
				p = prefix + lvl + " "
			}
			line = st.Cursor.Render("▌ ") + st.Selected.Render(kit.Fit(p+text+ell, c.prefixW()-2+c.lineW))
		default:
			p := strings.Repeat(" ", c.prefixW())
			if k == 0 {
				p = "  " + st.Muted.Render(prefix) + st.LevelStyle(r.Level).Render(lvl) + " "
			}
			line = p + s.paint(r, sg[0], text, st) + ell
		}
		out = append(out, line)
	}
	return out
}

// clip cuts text to w cells, leaving room for an ellipsis when cut.
func clip(text string, w int) (string, string) {
	n, _ := logview.Cut(text, w)
	if n == len(text) {
		return text, ""
	}
	n, _ = logview.Cut(text, w-1)
	return text[:n], "…"
}

// paint styles text, which starts at byte base of r.Text: the fields of
// a readable line after its message dim (from r.Lead), and over them the
// trace id and search matches. Text is sanitized; only oncall's styles add escape sequences.
func (s *Screen) paint(r *logview.Row, base int, text string, st *kit.Styles) string {
	type span struct {
		a, b  int
		style lipgloss.Style
	}
	var spans []span
	add := func(a, b int, style lipgloss.Style) {
		a, b = max(a-base, 0), min(b-base, len(text))
		if a < b {
			spans = append(spans, span{a, b, style})
		}
	}
	if r.TraceAt >= 0 {
		a := int(r.TraceAt)
		add(a, a+len(r.TraceID), st.Accent.Underline(true))
	}
	if !s.search.Empty() {
		ms := lipgloss.NewStyle().Reverse(true)
		for a := s.search.Index(r.Text, max(0, base-s.search.Len()+1)); a >= 0 && a < base+len(text); a = s.search.Index(r.Text, a+max(1, s.search.Len())) {
			add(a, a+s.search.Len(), ms)
		}
	}
	if len(spans) == 0 && r.Lead == 0 {
		return text
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].a < spans[j].a })
	s.dim.set(st)
	var b strings.Builder
	pos := 0
	for _, sp := range spans {
		a := max(sp.a, pos)
		if a >= sp.b {
			continue
		}
		s.dim.write(&b, r, base, text, pos, a)
		b.WriteString(sp.style.Render(text[a:sp.b]))
		pos = sp.b
	}
	s.dim.write(&b, r, base, text, pos, len(text))
	return b.String()
}

// dimStyle writes the fields of a readable line dim, with the muted
// style's escape sequences taken apart once per style set (a lipgloss
// render per piece would cost a frame's budget on long lines).
type dimStyle struct {
	st        *kit.Styles
	pre, post string
}

func (d *dimStyle) set(st *kit.Styles) {
	if d.st == st {
		return
	}
	out := st.Muted.Render("x")
	i := strings.IndexByte(out, 'x')
	d.st, d.pre, d.post = st, out[:i], out[i+1:]
}

// write writes text[from:to] (text starts at byte base of the row's
// Text): what lies before the row's Lead as it is, the fields after it
// dim.
func (d *dimStyle) write(b *strings.Builder, r *logview.Row, base int, text string, from, to int) {
	if from >= to {
		return
	}
	lead := int(r.Lead) - base
	if r.Lead == 0 || to <= lead {
		b.WriteString(text[from:to])
		return
	}
	mid := max(from, lead)
	b.WriteString(text[from:mid])
	b.WriteString(d.pre)
	b.WriteString(text[mid:to])
	b.WriteString(d.post)
}

// gapRow draws the marker a live tail leaves where it reconnected: where
// lines may be missing, and whether they were fetched.
func (s *Screen) gapRow(r *logview.Row, sel bool, c cols, st *kit.Styles) string {
	ts := kit.Fit(r.Time.Format(c.tsFmt), c.tsW) + " "
	text := kit.Cut(r.Text, max(1, c.prefixW()-2-len(ts)+c.lineW))
	if sel {
		return st.Cursor.Render("▌ ") + st.Selected.Render(kit.Fit(ts+text, c.prefixW()-2+c.lineW))
	}
	style := st.SevStyle("warning")
	if r.Gap.Backfilled {
		style = st.Muted
	}
	return "  " + st.Muted.Render(ts) + style.Render(text)
}

func levelLabel(l logview.Level) string {
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

// thousands renders 12345 as "12,345".
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
