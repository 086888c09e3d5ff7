package trace

import (
	tea "charm.land/bubbletea/v2"

	"oncall/tui/kit"
)

// The screen's own actions ([keys.trace]).
const actCopy = "copy"

// tracesAction is the global action of the error-traces list: the empty
// screen says which key leads to a trace.
const tracesAction = "traces"

// bindings are the screen's keys, in the order of its help; those with a
// Short label make the hint line beside the Jaeger link.
func bindings() []kit.Binding {
	return []kit.Binding{
		{Action: kit.Up, Help: "previous span / line"},
		{Action: kit.Down, Help: "next span / line"},
		{Action: kit.PageUp, Help: "page up"},
		{Action: kit.PageDown, Help: "page down"},
		{Action: kit.Top, Help: "first span / line"},
		{Action: kit.Bottom, Help: "last span / line"},
		{Action: actCopy, Keys: []string{"c"}, Help: "copy the Jaeger link", Short: "copy"},
		{Action: kit.Tab, Help: "waterfall ↔ logs ↔ span", Short: "focus"},
		{Action: kit.Enter, Help: "span detail (tags, logs)", Short: "span"},
		{Action: kit.Refresh, Help: "fetch again"},
		{Action: kit.Back, Help: "leave span, then back", Short: "back"},
	}
}

// HandleKey implements kit.Screen.
//
//	movement   in the focused part (waterfall, logs, span detail)
//	tab        waterfall → logs (→ span detail) → waterfall
//	enter      waterfall: span mode on/off (the span's tags and events;
//	           logs narrowed to its span_id); logs: select the line's
//	           span, span mode on
//	copy       the Jaeger link (OSC 52)
//	refresh    fetch trace and logs again
//	back       leave span mode, then go back where it came from
func (s *Screen) HandleKey(h kit.Host, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := s.keys
	switch {
	case k.Is(msg, actCopy):
		url := s.url()
		if url == "" {
			return true, h.Status("no Jaeger link to copy", true)
		}
		return true, tea.Batch(tea.SetClipboard(url), h.Status("copied "+url, false))
	case k.Is(msg, kit.Tab):
		s.cycleFocus()
		return true, nil
	case k.Is(msg, kit.Back):
		if s.spanMode {
			s.setSpanMode(h.Styles(), false)
			return true, nil
		}
		if s.prev != "" {
			h.Show(s.prev)
			if h.Shown() == s.prev {
				return true, nil
			}
		}
		return false, nil // the root goes back to the alert list
	case k.Is(msg, kit.Refresh):
		return true, s.reload(h.Now())
	case k.Is(msg, kit.Enter):
		return true, s.enter(h)
	}
	return s.move(h.Styles(), msg), nil
}

// move handles a movement key in the focused part.
func (s *Screen) move(st *kit.Styles, msg tea.KeyPressMsg) bool {
	switch s.focus {
	case focusLogs:
		return s.lines.HandleKey(s.keys, msg)
	case focusSpan:
		return s.scrollDetail(msg)
	}
	before := s.spans.Cursor()
	if !s.spans.HandleKey(s.keys, msg) {
		return false
	}
	s.moved(st, before)
	return true
}

// moved follows a move of the waterfall's cursor: the span detail starts
// at its top, and in span mode the logs follow the span.
func (s *Screen) moved(st *kit.Styles, before int) {
	if s.spans.Cursor() != before {
		s.detailOffset = 0
		s.selectionChanged(st)
	}
}

// scrollDetail scrolls the span detail (it has no cursor), no further than
// its last line at the bottom of its last drawn height.
func (s *Screen) scrollDetail(msg tea.KeyPressMsg) bool {
	off, ok := kit.Scroll(s.keys, msg, s.detailOffset, len(s.wrapped), s.detailH)
	s.detailOffset = off
	return ok
}

func (s *Screen) cycleFocus() {
	switch s.focus {
	case focusWaterfall:
		if s.opts.Loki != nil {
			s.focus = focusLogs
		} else if s.spanMode {
			s.focus = focusSpan
		}
	case focusLogs:
		s.focus = focusWaterfall
		if s.spanMode {
			s.focus = focusSpan
		}
	default:
		s.focus = focusWaterfall
	}
}

func (s *Screen) setSpanMode(st *kit.Styles, on bool) {
	s.spanMode = on
	s.detailOffset = 0
	if !on && s.focus == focusSpan {
		s.focus = focusWaterfall
	}
	s.selectionChanged(st)
}

func (s *Screen) enter(h kit.Host) tea.Cmd {
	if s.wf == nil || len(s.wf.Rows) == 0 {
		return nil
	}
	if s.focus != focusLogs {
		s.setSpanMode(h.Styles(), !s.spanMode)
		return nil
	}
	if s.lines.Cursor() >= len(s.shown) {
		return nil
	}
	li := s.shown[s.lines.Cursor()]
	row := &s.logs[li]
	r := s.wf.RowOf(row.spanID)
	if row.spanID == "" || r < 0 {
		return h.Status("this log line names no span of the trace", true)
	}
	s.spans.Select(r)
	s.focus = focusWaterfall
	s.setSpanMode(h.Styles(), true)
	// keep the same line under the cursor in the narrowed list
	for i, x := range s.shown {
		if x == li {
			s.lines.Select(i)
		}
	}
	return nil
}
