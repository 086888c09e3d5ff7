package logs

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/logview"
	"oncall/tui/kit"
)

// The screen's own actions, as [keys.logs] names them.
const (
	actErrors    = "errors"
	actWrap      = "wrap"
	actTail      = "tail"
	actView      = "view"
	actPrevTrace = "prev_trace"
	actNextTrace = "next_trace"
	actNextMatch = "next_match"
	actPrevMatch = "prev_match"
	actWhole     = "whole_service"
)

// Spec describes the logs screen: the global "logs" key (l) opens it; its
// own keys are listed in the order of its help. The labelled ones (Short)
// make its hint line: "e errors · w wrap · t tail · / search · r reload ·
// esc back".
func Spec() kit.Spec {
	return kit.Spec{
		Name:  Name,
		Title: "Logs",
		Open:  kit.Binding{Action: Name, Keys: []string{"l"}, Help: "logs"},
		Keys: []kit.Binding{
			{Action: kit.Up, Help: "older line"},
			{Action: kit.Down, Help: "newer line"},
			{Action: kit.Top, Help: "oldest line"},
			{Action: kit.Bottom, Help: "newest line"},
			{Action: kit.PageUp, Help: "page up"},
			{Action: kit.PageDown, Help: "page down"},
			{Action: kit.Enter, Help: "open trace/line"},
			{Action: actView, Keys: []string{"v"}, Help: "view line (JSON)"},
			{Action: actPrevTrace, Keys: []string{"["}, Help: "prev traced line"},
			{Action: actNextTrace, Keys: []string{"]"}, Help: "next traced line"},
			{Action: actErrors, Keys: []string{"e"}, Help: "errors+warnings", Short: "errors"},
			{Action: actWrap, Keys: []string{"w"}, Help: "wrap lines", Short: "wrap"},
			{Action: actTail, Keys: []string{"t"}, Help: "live tail", Short: "tail"},
			{Action: actWhole, Keys: []string{"W"}, Help: "whole service log"},
			{Action: kit.Filter, Help: "search lines", Short: "search"},
			{Action: actNextMatch, Keys: []string{"n"}, Help: "next match"},
			{Action: actPrevMatch, Keys: []string{"N"}, Help: "previous match"},
			{Action: kit.Refresh, Help: "reload", Short: "reload"},
			{Action: kit.Back, Help: "close/clear/back", Short: "back"},
		},
	}
}

// HandleKey implements kit.Screen: the movement keys, enter (open the
// line's trace, or the line when it has none), view (the line, JSON
// pretty-printed), errors (errors and warnings only), wrap, tail (live),
// whole_service (a log-based alert: the lines that fired it ↔ its
// service's whole log),
// filter with next/previous match (search), [ and ] (the nearest line with
// a trace id), refresh (reload); back closes the line view, then clears the
// search, then leaves.
func (s *Screen) HandleKey(h kit.Host, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	if s.box.Active() {
		return true, s.searchKey(msg)
	}
	if s.detail != nil {
		return s.detailKey(msg)
	}
	k := s.keys
	if s.list.HandleKey(k, msg) {
		if s.list.AtEnd() {
			s.tailNew = 0
		}
		return true, nil
	}
	switch {
	case k.Is(msg, kit.Filter):
		return true, s.box.Open(s.search.Query())
	case k.Is(msg, kit.Refresh):
		if s.tailing {
			s.stopTail("")
			s.tailing = true // restarted once the window is reloaded
		}
		return true, s.reload(h)
	case k.Is(msg, kit.Enter):
		r := s.row()
		if r == nil {
			return true, nil
		}
		if r.TraceID != "" {
			s.stopTail("tail stopped (trace opened)")
			return true, kit.OpenTrace(r.TraceID, r.SpanID, time.Time{})
		}
		s.openDetail(r)
	case k.Is(msg, kit.Back):
		if !s.search.Empty() {
			s.search, s.matches = logview.Search{}, 0
			return true, nil
		}
		s.stopTail("tail stopped (screen left)")
		return false, nil // the root goes back to the alert list
	case k.Is(msg, actErrors):
		s.errorsOnly = !s.errorsOnly
		if s.tailing {
			s.stopTail("")
			s.tailing = true // restarted on the new query once it has loaded
		}
		return true, s.reload(h)
	case k.Is(msg, actWrap):
		s.wrap = !s.wrap
	case k.Is(msg, actWhole):
		return true, s.toggleWhole(h)
	case k.Is(msg, actTail):
		return true, s.toggleTail()
	case k.Is(msg, actView):
		if r := s.row(); r != nil {
			s.openDetail(r)
		}
	case k.Is(msg, actPrevTrace):
		return true, s.jumpTraced(-1)
	case k.Is(msg, actNextTrace):
		return true, s.jumpTraced(1)
	case k.Is(msg, actNextMatch), k.Is(msg, actPrevMatch):
		if s.search.Empty() {
			return false, nil // not searching: the key keeps its global meaning
		}
		dir := 1
		if k.Is(msg, actPrevMatch) {
			dir = -1
		}
		return true, s.jump(dir, false)
	default:
		return false, nil
	}
	return true, nil
}

// moveTo puts the cursor on row i; on the newest row the count of lines
// that arrived below is cleared.
func (s *Screen) moveTo(i int) {
	s.list.Select(i)
	if s.list.AtEnd() {
		s.tailNew = 0
	}
}

// searchKey edits the search box: enter searches from the cursor, esc
// closes the box and keeps the previous search.
func (s *Screen) searchKey(msg tea.KeyPressMsg) tea.Cmd {
	ev, cmd := s.box.HandleKey(msg)
	if ev != kit.SearchCommit {
		return cmd
	}
	s.search = logview.NewSearch(s.box.Value())
	s.recount()
	if s.search.Empty() {
		return nil
	}
	if s.matches == 0 { // recount read every line: no second scan
		return kit.Status(fmt.Sprintf("no line matches %q", s.search.Query()), true)
	}
	return s.jump(1, true)
}

// jump moves the cursor to the next (dir 1) or previous (-1) matching row,
// wrapping around once; inclusive also considers the cursor's own row.
func (s *Screen) jump(dir int, inclusive bool) tea.Cmd {
	n := s.buf.Len()
	if n == 0 || s.search.Empty() {
		return nil
	}
	cur := s.cursor()
	start := cur + dir
	if inclusive {
		start = cur
	}
	for k := 0; k < n; k++ {
		i := ((start+dir*k)%n + n) % n
		if s.search.Match(s.buf.At(i)) {
			wrapped := dir > 0 && i < cur || dir < 0 && i > cur
			s.list.Select(i)
			if wrapped {
				return kit.Status("search wrapped around", false)
			}
			return nil
		}
	}
	return kit.Status(fmt.Sprintf("no line matches %q", s.search.Query()), true)
}

// jumpTraced moves the cursor to the nearest line that carries a trace id:
// dir -1 looks at older lines, +1 at newer ones. Bound to "[" and "]", so
// that from an alert the trace of a failing request is three keys away:
// l, [, enter.
func (s *Screen) jumpTraced(dir int) tea.Cmd {
	for i := s.cursor() + dir; i >= 0 && i < s.buf.Len(); i += dir {
		if s.buf.At(i).TraceID != "" {
			s.moveTo(i)
			return nil
		}
	}
	if dir < 0 {
		return kit.Status("no older line carries a trace id", false)
	}
	return kit.Status("no newer line carries a trace id", false)
}
