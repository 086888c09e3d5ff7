package tui

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/logview"
	"oncall/tui/kit"
)

// logDetail is one line shown whole: its time, service, level, ids, labels
// and the line itself, JSON pretty-printed. Lines are built once when it
// opens and wrapped again only when the width changes.
type logDetail struct {
	row     logview.Row
	lines   []logDetailLine
	isJSON  bool
	offset  int
	wrapW   int
	wrapSt  *Styles
	wrapped []string
}

// logDetailLine is a key column (may be empty) and sanitized text.
type logDetailLine struct{ key, text string }

const logDetailKeyW = 9

func (s *LogsScreen) openDetail(r *logview.Row) {
	d := &logDetail{row: *r}
	add := func(k, v string) { d.lines = append(d.lines, logDetailLine{k, v}) }
	add("time", r.Time.Format("2006-01-02 15:04:05.000000000 MST"))
	if r.Service != "" {
		add("service", r.Service)
	}
	if r.Level != logview.LevelUnknown {
		add("level", r.Level.String())
	}
	if r.TraceID != "" {
		v := r.TraceID
		if r.SpanID != "" {
			v += "  span " + r.SpanID
		}
		add("trace", v+"  (enter opens the trace)")
	}
	add("labels", strings.Join(logview.SortedPairs(r.Labels), " "))
	if len(r.Meta) > 0 {
		add("metadata", strings.Join(logview.SortedPairs(r.Meta), " "))
	}
	add("", "")
	body, isJSON := logview.Pretty(r.Line)
	d.isJSON = isJSON
	for _, l := range body {
		add("", l)
	}
	s.detail = d
}

// detailKey scrolls the line view; esc or v closes it.
func (s *LogsScreen) detailKey(m *Model, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	d, k := s.detail, s.keys
	page := max(1, s.h-3)
	switch {
	case matches(msg, k.Up):
		d.offset--
	case matches(msg, k.Down):
		d.offset++
	case matches(msg, k.PageUp):
		d.offset -= page
	case matches(msg, k.PageDown):
		d.offset += page
	case matches(msg, k.Top):
		d.offset = 0
	case matches(msg, k.Bottom):
		d.offset = len(d.wrapped)
	case matches(msg, k.Back), msg.String() == "v":
		s.detail = nil
		return true, nil
	case matches(msg, k.Enter):
		if d.row.TraceID != "" {
			s.stopTail("tail stopped (trace opened)")
			return true, kit.OpenTrace(d.row.TraceID, d.row.SpanID, time.Time{})
		}
	default:
		return false, nil
	}
	d.offset = max(0, min(d.offset, len(d.wrapped)-max(1, s.h-2)))
	return true, nil
}

// view draws the line view into w×h.
func (d *logDetail) view(w, h int, st *Styles) string {
	if d.wrapW != w || d.wrapSt != st {
		d.rewrap(w, st)
	}
	kind := "text"
	if d.isJSON {
		kind = "JSON"
	}
	out := make([]string, 0, h)
	out = append(out, st.Title.Render("Log line")+st.Muted.Render(" · "+kind+" · whole line"))
	body := max(1, h-2)
	d.offset = max(0, min(d.offset, len(d.wrapped)-body))
	end := min(len(d.wrapped), d.offset+body)
	out = append(out, d.wrapped[d.offset:end]...)
	for len(out) < h-1 {
		out = append(out, "")
	}
	hint := "↑/↓ scroll · esc/v back"
	if d.row.TraceID != "" {
		hint += " · enter trace"
	}
	out = append(out, st.Muted.Render(hint))
	return box(out, w, h)
}

// rewrap wraps every line to the width (on open and on resize only).
func (d *logDetail) rewrap(w int, st *Styles) {
	d.wrapW, d.wrapSt, d.wrapped = w, st, d.wrapped[:0]
	for _, l := range d.lines {
		tw := w
		if l.key != "" {
			tw = w - logDetailKeyW
		}
		starts := logview.Wrap(l.text, max(1, tw), 0)
		for i, a := range starts {
			b := len(l.text)
			if i+1 < len(starts) {
				b = starts[i+1]
			}
			seg := l.text[a:b]
			switch {
			case l.key == "":
				d.wrapped = append(d.wrapped, seg)
			case i == 0:
				d.wrapped = append(d.wrapped, st.Label.Render(fit(l.key, logDetailKeyW))+seg)
			default:
				d.wrapped = append(d.wrapped, strings.Repeat(" ", logDetailKeyW)+seg)
			}
		}
	}
}
