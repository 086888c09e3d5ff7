package trace

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"oncall/internal/logview"
	"oncall/internal/sanitize"
	"oncall/internal/waterfall"
	"oncall/sources/jaeger"
	"oncall/tui/kit"
)

// sideBySide is the width from which the logs and the span detail sit side
// by side (the root's wide layout starts there too).
const sideBySide = 120

// styleCache holds the per-service styles, rebuilt when the session's
// Styles change (background detection), never package-level.
type styleCache struct {
	st  *kit.Styles
	svc [waterfall.Colors]lipgloss.Style
}

func (c *styleCache) get(st *kit.Styles) *styleCache {
	if c.st == st {
		return c
	}
	dark := []string{"#7AA2F7", "#9ECE6A", "#E0AF68", "#BB9AF7", "#7DCFFF", "#FF9E64", "#73DACA", "#C0CAF5"}
	light := []string{"#1F5FBF", "#2E7D32", "#8A5A00", "#6A3FBF", "#00738C", "#B3541E", "#00796B", "#4A4F6A"}
	cols := light
	if st.Dark {
		cols = dark
	}
	for i := range c.svc {
		c.svc[i] = lipgloss.NewStyle().Foreground(lipgloss.Color(cols[i]))
	}
	c.st = st
	return c
}

// layout is the column layout of the waterfall for one width.
type layout struct {
	nameW, barW int
}

const (
	marksW = 4 // cursor, error, critical path, space
	durW   = 8
)

func newLayout(w int) layout {
	nameW := min(max(w*38/100, 20), 56)
	barW := w - marksW - nameW - 1 - 1 - durW
	if barW < 10 {
		barW = 0
		nameW = max(1, w-marksW-1-durW)
	}
	return layout{nameW: nameW, barW: barW}
}

// url is the Jaeger UI link of the trace shown ("" without a UI URL).
func (s *Screen) url() string { return jaeger.TraceURL(s.opts.UIURL, s.traceID) }

// View implements kit.Screen: header and link, then the waterfall (only
// its visible rows are drawn), then the logs and, in span mode, the span's
// tags and events.
func (s *Screen) View(w, h int, st *kit.Styles, now time.Time) string {
	ts := s.cache.get(st)
	if s.spanMode && s.detailSt != st { // background changed: restyle
		s.detail, s.detailSt, s.wrapped = spanDetail(s.wf, s.spans.Cursor(), st), st, nil
	}
	lines := []string{s.headerLine(st), s.linkLine(st)}
	avail := h - len(lines)
	if s.wf == nil {
		switch {
		case s.traceID == "":
			lines = append(lines, "", st.Muted.Render("  No trace open: "+s.howToOpen()+"."))
		case s.err != "":
			lines = append(lines, "", st.Error.Render("  ✗ "+sanitize.Text(s.err)),
				st.Muted.Render(fmt.Sprintf("  %s retries · %s goes back", s.keys.Key(kit.Refresh), s.keys.Key(kit.Back))))
		default:
			lines = append(lines, "", st.Muted.Render("  loading trace from Jaeger…"))
		}
		if s.opts.Loki != nil && s.traceID != "" && avail > 6 {
			bottom := avail - 3
			lines = append(lines, s.sectionLine(w, st, "Logs", s.logsInfo(), s.focus == focusLogs))
			lines = append(lines, s.logLines(w, bottom-1, st, ts)...)
		}
		return kit.Box(lines, w, h)
	}
	lay := newLayout(w)
	if lay.barW > 0 {
		lines = append(lines, strings.Repeat(" ", marksW+lay.nameW+1)+st.Muted.Render(waterfall.Axis(s.wf.Ticks(lay.barW, 9), lay.barW, '│'))+" "+st.Muted.Render(fmt.Sprintf("%*s", durW, "duration")))
	} else {
		lines = append(lines, st.Muted.Render(fmt.Sprintf("%*s", w, "duration")))
	}
	avail--
	wfH, bottomH := avail, 0
	if s.opts.Loki != nil || s.spanMode {
		wfH = min(len(s.rows), max(3, avail*55/100))
		bottomH = avail - wfH
	}
	s.spans.SetHeight(wfH)
	from, to := s.spans.Window()
	if wfH <= 0 {
		to = from
	}
	cells := make([]waterfall.Cell, 0, lay.barW)
	for i := from; i < to; i++ {
		var row string
		row, cells = s.renderRow(i, lay, st, ts, cells)
		lines = append(lines, row)
	}
	for len(lines) < h-bottomH && bottomH > 0 {
		lines = append(lines, "")
	}
	if bottomH <= 0 {
		return kit.Box(lines, w, h)
	}
	return kit.Box(append(lines, s.bottom(w, bottomH, st, ts)...), w, h)
}

// howToOpen says which keys lead to a trace: enter on a log line with a
// trace id, or the error-traces key on an alert.
func (s *Screen) howToOpen() string {
	g := s.keys.Global()
	out := "press " + g.Key(kit.Enter) + " on a log line with a trace id"
	if k := g.Key(tracesAction); k != "" {
		out += ", or " + k + " on an alert"
	}
	return out
}

// bottom draws the logs and, in span mode, the span detail: side by side
// from 120 columns, stacked below that.
func (s *Screen) bottom(w, h int, st *kit.Styles, ts *styleCache) []string {
	if !s.spanMode {
		out := []string{s.sectionLine(w, st, "Logs", s.logsInfo(), s.focus == focusLogs)}
		return append(out, s.logLines(w, h-1, st, ts)...)
	}
	if w >= sideBySide {
		dw := w * 40 / 100
		lw := w - dw - 1
		left := append([]string{s.sectionLine(lw, st, "Logs", s.logsInfo(), s.focus == focusLogs)}, s.logLines(lw, h-1, st, ts)...)
		right := append([]string{s.sectionLine(dw, st, "Span", "", s.focus == focusSpan)}, s.detailLines(dw, h-1)...)
		out := make([]string, h)
		sep := st.Border.Render("│")
		for i := range out {
			l, r := "", ""
			if i < len(left) {
				l = left[i]
			}
			if i < len(right) {
				r = right[i]
			}
			out[i] = kit.Fit(l, lw) + sep + kit.Fit(r, dw)
		}
		return out
	}
	dh := min(len(s.wrapDetail(w)), max(3, (h-2)/2))
	out := []string{s.sectionLine(w, st, "Span", "", s.focus == focusSpan)}
	out = append(out, s.detailLines(w, dh)...)
	out = append(out, s.sectionLine(w, st, "Logs", s.logsInfo(), s.focus == focusLogs))
	return append(out, s.logLines(w, h-len(out), st, ts)...)
}

// detailLines is the visible window of the span detail, wrapped to w.
func (s *Screen) detailLines(w, h int) []string {
	lines := s.wrapDetail(w)
	if h <= 0 {
		return nil
	}
	s.detailH = h
	s.detailOffset = max(0, min(s.detailOffset, len(lines)-h))
	return lines[s.detailOffset:min(len(lines), s.detailOffset+h)]
}

// wrapDetail wraps the span detail to w columns once per detail and width
// (long tag values such as SQL stay readable); continuation lines are
// indented.
func (s *Screen) wrapDetail(w int) []string {
	if s.wrapped != nil && s.wrappedW == w {
		return s.wrapped
	}
	s.wrapped, s.wrappedW = make([]string, 0, len(s.detail)), w
	for _, l := range s.detail {
		if kit.Width(l) <= w || w < 16 {
			s.wrapped = append(s.wrapped, l)
			continue
		}
		for i, part := range strings.Split(ansi.Wrap(l, w-4, " ,=&/"), "\n") {
			if i > 0 {
				part = "    " + part
			}
			s.wrapped = append(s.wrapped, part)
		}
	}
	return s.wrapped
}

func (s *Screen) headerLine(st *kit.Styles) string {
	if s.traceID == "" {
		return st.Title.Render("Trace")
	}
	l := st.Title.Render("Trace " + s.traceID)
	if s.wf != nil {
		l += st.Muted.Render(" · " + summary(s.wf))
		if s.wf.Errors > 0 {
			l += st.Muted.Render(" · ") + st.Error.Render(fmt.Sprintf("%d errors", s.wf.Errors))
		}
	}
	return l
}

func (s *Screen) linkLine(st *kit.Styles) string {
	if s.traceID == "" {
		return ""
	}
	hint := st.Muted.Render("  " + s.keys.Hints())
	url := s.url()
	if url == "" {
		return st.Muted.Render("no Jaeger UI URL configured") + hint
	}
	return st.Label.Render("jaeger ") + kit.Hyperlink(url, st.Accent.Render(sanitize.Text(url))) + hint
}

// sectionLine is a rule with a section title; the focused one stands out.
func (s *Screen) sectionLine(w int, st *kit.Styles, title, info string, focused bool) string {
	t := st.Muted.Render(" " + title + " ")
	if focused {
		t = st.Key.Render("▸" + title + " ")
	}
	l := st.Border.Render("──") + t
	if info != "" {
		l += st.Muted.Render(info + " ")
	}
	return l + st.Border.Render(strings.Repeat("─", max(0, w-kit.Width(l))))
}

func (s *Screen) logsInfo() string {
	switch {
	case s.opts.Loki == nil:
		return ""
	case s.logsLoading:
		return "loading…"
	case s.logsErr != "":
		return "failed"
	}
	info := fmt.Sprintf("%d lines", len(s.shown))
	if s.logsTruncated {
		info += " (limit reached)"
	}
	if sp := s.selectedSpan(); s.spanMode && sp != nil {
		info += " of span " + sanitize.Text(sp.SpanID) + " · " + s.keys.Key(kit.Enter) + " shows all"
	} else if len(s.logs) > 0 {
		info += " · all spans"
	}
	return info
}

func (s *Screen) renderRow(i int, lay layout, st *kit.Styles, ts *styleCache, cells []waterfall.Cell) (string, []waterfall.Cell) {
	r, txt := &s.wf.Rows[i], &s.rows[i]
	var b strings.Builder
	selected := i == s.spans.Cursor()
	switch {
	case selected && s.focus == focusWaterfall:
		b.WriteString(st.Cursor.Render("▌"))
	case selected:
		b.WriteString(st.Muted.Render("▌"))
	default:
		b.WriteByte(' ')
	}
	if r.Error {
		b.WriteString(st.Error.Render("✗"))
	} else {
		b.WriteByte(' ')
	}
	if r.Critical {
		b.WriteString(st.Accent.Render("●"))
	} else {
		b.WriteByte(' ')
	}
	b.WriteByte(' ')
	svc := ts.svc[r.Color]
	if selected {
		b.WriteString(st.Selected.Render(kit.Fit(txt.indent+txt.service+" "+txt.op, lay.nameW)))
	} else {
		b.WriteString(kit.Fit(txt.indent+svc.Render(txt.service)+" "+txt.op, lay.nameW))
	}
	b.WriteByte(' ')
	if lay.barW > 0 {
		cells = s.wf.Paint(i, lay.barW, cells)
		barSt := svc
		if r.Error {
			barSt = st.Error
		}
		writeBar(&b, cells, barSt)
		b.WriteByte(' ')
	}
	dur := fmt.Sprintf("%*s", durW, txt.dur)
	if r.Error {
		b.WriteString(st.Error.Render(dur))
	} else {
		b.WriteString(st.Muted.Render(dur))
	}
	return b.String(), cells
}

// writeBar draws bar cells run by run: "█" on the critical path, "▒" for
// the rest of the span, blank outside it.
func writeBar(b *strings.Builder, cells []waterfall.Cell, style lipgloss.Style) {
	start := 0
	for j := 1; j <= len(cells); j++ {
		if j < len(cells) && cells[j] == cells[start] {
			continue
		}
		n := j - start
		switch cells[start] {
		case waterfall.Empty:
			b.WriteString(strings.Repeat(" ", n))
		case waterfall.Filled:
			b.WriteString(style.Render(strings.Repeat("▒", n)))
		case waterfall.Critical:
			b.WriteString(style.Render(strings.Repeat("█", n)))
		}
		start = j
	}
}

// logLines draws the visible window of the trace's logs.
func (s *Screen) logLines(w, h int, st *kit.Styles, ts *styleCache) []string {
	if h <= 0 {
		return nil
	}
	switch {
	case s.opts.Loki == nil:
		return []string{st.Muted.Render("  No Loki configured for this context: the trace's logs are not shown.")}
	case s.logsErr != "":
		return []string{st.Error.Render("  ✗ " + sanitize.Text(s.logsErr))}
	case s.logsLoading && len(s.logs) == 0:
		return []string{st.Muted.Render("  loading logs from Loki…")}
	case len(s.shown) == 0 && s.spanMode:
		return []string{st.Muted.Render("  No log line of this span carries its span id (" + s.keys.Key(kit.Enter) + " shows the whole trace's logs).")}
	case len(s.shown) == 0:
		return []string{st.Muted.Render("  No log line carries this trace id.")}
	}
	s.lines.SetHeight(h)
	from, to := s.lines.Window()
	sel := ""
	if sp := s.selectedSpan(); sp != nil {
		sel = sp.SpanID
	}
	svcW := 18
	out := make([]string, 0, h)
	for k := from; k < to; k++ {
		r := &s.logs[s.shown[k]]
		cur := k == s.lines.Cursor() && s.focus == focusLogs
		var b strings.Builder
		switch {
		case cur:
			b.WriteString(st.Cursor.Render("▌"))
		case r.spanID != "" && r.spanID == sel:
			b.WriteString(st.Accent.Render("•"))
		default:
			b.WriteByte(' ')
		}
		b.WriteString(st.Muted.Render(r.t.Local().Format("15:04:05.000")) + " ")
		svc := st.Label
		if s.wf != nil {
			if i := serviceIndex(s.wf.Services, r.service); i >= 0 {
				svc = ts.svc[s.wf.Colors[i]]
			}
		}
		b.WriteString(svc.Render(kit.Fit(r.service, svcW)) + " ")
		b.WriteString(st.LevelStyle(logview.ParseLevel(r.level)).Render(kit.Fit(r.level, 5)) + " ")
		line := kit.Cut(r.line, max(1, w-kit.Width(b.String())))
		switch lead := min(r.lead, len(line)); {
		case cur:
			b.WriteString(st.Selected.Render(line))
		case lead > 0 && lead < len(line):
			b.WriteString(line[:lead] + st.Muted.Render(line[lead:]))
		default:
			b.WriteString(line)
		}
		out = append(out, b.String())
	}
	return out
}

func serviceIndex(services []string, name string) int {
	for i, s := range services {
		if s == name {
			return i
		}
	}
	return -1
}
