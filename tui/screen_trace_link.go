package tui

import tea "charm.land/bubbletea/v2"

// jumpTraced moves the logs screen's cursor to the nearest line that
// carries a trace id: dir -1 looks at older lines, +1 at newer ones. The
// logs screen binds it to "[" and "]", so that from an alert the trace of
// a failing request is three keys away: l, [, enter.
func (s *LogsScreen) jumpTraced(dir int) tea.Cmd {
	for i := s.cursor + dir; i >= 0 && i < s.buf.Len(); i += dir {
		if s.buf.At(i).TraceID != "" {
			s.move(i - s.cursor)
			return nil
		}
	}
	if dir < 0 {
		return Status("no older line carries a trace id", false)
	}
	return Status("no newer line carries a trace id", false)
}
