package logs

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/logview"
	"oncall/tui/kit"
)

// lineView is one line shown whole: its time, service, level, ids, labels
// and the line itself, JSON pretty-printed. Lines are built once when it
// opens and wrapped again only when the width changes.
type lineView struct {
	row     logview.Row
	lines   []viewLine
	isJSON  bool
	offset  int
	keys    *kit.Keymap
	wrapW   int
	wrapSt  *kit.Styles
	wrapped []string
}

// viewLine is a key column (may be empty) and sanitized text.
type viewLine struct{ key, text string }

const keyW = 9

func (s *Screen) openDetail(r *logview.Row) {
	d := &lineView{row: *r, keys: s.keys}
	add := func(k, v string) { d.lines = append(d.lines, viewLine{k, v}) }
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
		add("trace", v+"  ("+s.keys.Key(kit.Enter)+" opens the trace)")
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

// detailKey scrolls the line view; back or view closes it, enter opens
// the line's trace.
func (s *Screen) detailKey(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	d, k := s.detail, s.keys
	if off, ok := kit.Scroll(k, msg, d.offset, len(d.wrapped), s.h-2); ok {
		d.offset = off
		return true, nil
	}
	switch {
	case k.Is(msg, kit.Back), k.Is(msg, actView):
		s.detail = nil
		return true, nil
	case k.Is(msg, kit.Enter):
		if d.row.TraceID != "" {
			s.stopTail("tail stopped (trace opened)")
			return true, kit.OpenTrace(d.row.TraceID, d.row.SpanID, time.Time{})
		}
		return true, nil
	}
	return false, nil
}

// view draws the line view into w×h.
func (d *lineView) view(w, h int, st *kit.Styles) string {
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
	d.offset = kit.ClampOffset(d.offset, len(d.wrapped), body)
	end := min(len(d.wrapped), d.offset+body)
	out = append(out, d.wrapped[d.offset:end]...)
	for len(out) < h-1 {
		out = append(out, "")
	}
	out = append(out, st.Muted.Render(d.hint()))
	return kit.Box(out, w, h)
}

// hint is the line view's hint line, from the screen's bindings.
func (d *lineView) hint() string {
	k := d.keys
	hint := firstKey(k.Key(kit.Up)) + "/" + firstKey(k.Key(kit.Down)) + " scroll · " + k.Key(kit.Back) + "/" + k.Key(actView) + " back"
	if d.row.TraceID != "" {
		hint += " · " + k.Key(kit.Enter) + " trace"
	}
	return hint
}

// firstKey is the first of the keys a binding shows ("↑" of "↑/k").
func firstKey(display string) string {
	if len(display) > 1 {
		if i := strings.IndexByte(display[1:], '/'); i >= 0 {
			return display[:i+1]
		}
	}
	return display
}

// rewrap wraps every line to the width (on open and on resize only).
func (d *lineView) rewrap(w int, st *kit.Styles) {
	d.wrapW, d.wrapSt, d.wrapped = w, st, d.wrapped[:0]
	for _, l := range d.lines {
		tw := w
		if l.key != "" {
			tw = w - keyW
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
				d.wrapped = append(d.wrapped, st.Label.Render(kit.Fit(l.key, keyW))+seg)
			default:
				d.wrapped = append(d.wrapped, strings.Repeat(" ", keyW)+seg)
			}
		}
	}
}
