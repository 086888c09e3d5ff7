package tui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/logview"
	"oncall/tui/kit"
)

// HandleKey implements Screen. Keys of the screen: the keymap's movement
// keys, enter (open the line's trace, or the line when it has none), v (the
// line, JSON pretty-printed), e (errors and warnings only), w (wrap), t
// (live tail), / with n/N (search), r (reload); esc closes the line view,
// then clears the search, then leaves.
func (s *LogsScreen) HandleKey(m *Model, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	if s.searching {
		return true, s.searchKey(msg)
	}
	if s.detail != nil {
		return s.detailKey(m, msg)
	}
	k := s.keys
	n := s.buf.Len()
	page := max(1, s.bodyH()-1)
	switch {
	case matches(msg, k.Up):
		s.move(-1)
	case matches(msg, k.Down):
		s.move(1)
	case matches(msg, k.PageUp):
		s.move(-page)
	case matches(msg, k.PageDown):
		s.move(page)
	case matches(msg, k.Top):
		s.cursor, s.top = 0, 0
	case matches(msg, k.Bottom):
		s.cursor, s.tailNew = max(0, n-1), 0
	case matches(msg, k.Filter):
		s.searching = true
		s.input.SetValue(s.search.Query())
		s.input.CursorEnd()
		return true, s.input.Focus()
	case matches(msg, k.Refresh):
		if s.tailing {
			s.stopTail("")
			s.tailing = true // restarted once the window is reloaded
		}
		return true, s.reload(m)
	case matches(msg, k.Enter):
		r := s.row()
		if r == nil {
			return true, nil
		}
		if r.TraceID != "" {
			s.stopTail("tail stopped (trace opened)")
			return true, kit.OpenTrace(r.TraceID, r.SpanID, time.Time{})
		}
		s.openDetail(r)
	case matches(msg, k.Back):
		if !s.search.Empty() {
			s.search, s.matches = logview.Search{}, 0
			return true, nil
		}
		s.stopTail("tail stopped (screen left)")
		return false, nil // the root goes back to the alert list
	default:
		return s.letterKey(m, msg)
	}
	return true, nil
}

// letterKey handles the screen's own letters.
func (s *LogsScreen) letterKey(m *Model, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	switch msg.String() {
	case "e":
		s.errorsOnly = !s.errorsOnly
		if s.tailing {
			s.stopTail("")
			s.tailing = true // restarted on the new query once it has loaded
		}
		return true, s.reload(m)
	case "w":
		s.wrap = !s.wrap
	case "t":
		return true, s.toggleTail()
	case "v":
		if r := s.row(); r != nil {
			s.openDetail(r)
		}
	case "[", "]": // the nearest older/newer line with a trace id (screen_trace_link.go)
		if msg.String() == "[" {
			return true, s.jumpTraced(-1)
		}
		return true, s.jumpTraced(1)
	case "n", "N":
		if s.search.Empty() {
			return false, nil // not searching: the key keeps its global meaning
		}
		dir := 1
		if msg.String() == "N" {
			dir = -1
		}
		return true, s.jump(dir, false)
	default:
		return false, nil
	}
	return true, nil
}

// move moves the cursor by d rows.
func (s *LogsScreen) move(d int) {
	n := s.buf.Len()
	s.cursor = max(0, min(n-1, s.cursor+d))
	if s.cursor >= n-1 {
		s.tailNew = 0
	}
}

// searchKey edits the search box: enter searches from the cursor, esc
// closes the box and keeps the previous search.
func (s *LogsScreen) searchKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		s.searching = false
		s.input.Blur()
		return nil
	case "enter":
		s.searching = false
		s.input.Blur()
		s.search = logview.NewSearch(s.input.Value())
		s.recount()
		if s.search.Empty() {
			return nil
		}
		if s.matches == 0 { // recount read every line: no second scan
			return Status(fmt.Sprintf("no line matches %q", s.search.Query()), true)
		}
		return s.jump(1, true)
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	return cmd
}

// jump moves the cursor to the next (dir 1) or previous (-1) matching row,
// wrapping around once; inclusive also considers the cursor's own row.
func (s *LogsScreen) jump(dir int, inclusive bool) tea.Cmd {
	n := s.buf.Len()
	if n == 0 || s.search.Empty() {
		return nil
	}
	start := s.cursor + dir
	if inclusive {
		start = s.cursor
	}
	for k := 0; k < n; k++ {
		i := ((start+dir*k)%n + n) % n
		if s.search.Match(s.buf.At(i)) {
			wrapped := dir > 0 && i < s.cursor || dir < 0 && i > s.cursor
			s.cursor = i
			if wrapped {
				return Status("search wrapped around", false)
			}
			return nil
		}
	}
	return Status(fmt.Sprintf("no line matches %q", s.search.Query()), true)
}
