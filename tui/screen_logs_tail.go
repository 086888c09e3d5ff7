package tui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/logview"
	"oncall/internal/sanitize"
)

// The live tail runs in a logview.Follower (a goroutine reading Loki's
// WebSocket into a channel). A command reads one batch from it and comes
// back as logsTailMsg; Update applies it and re-arms the command. A read
// that waited tailWait without lines comes back idle, so the screen checks
// at least once a second that it is still shown and stops the tail when it
// is not. If the session ends, nobody re-arms the read, the follower's
// lease runs out and it stops by itself.
//
// Every start and stop bumps tailGen: a reply for an older generation is
// dropped (and a follower that connected too late is stopped).

type logsTailStartedMsg struct {
	gen int
	f   *logview.Follower
	err error
}

// Screen implements Routed.
func (logsTailStartedMsg) Screen() string { return LogsScreenName }

type logsTailMsg struct {
	gen int
	fr  logview.Frame
}

// Screen implements Routed.
func (logsTailMsg) Screen() string { return LogsScreenName }

// toggleTail starts or stops the live tail.
func (s *LogsScreen) toggleTail() tea.Cmd {
	if s.tailing {
		s.stopTail("tail off")
		return nil
	}
	if s.cfgErr != "" || s.query == "" {
		s.tailNote, s.tailErr = "nothing to tail yet", true
		return nil
	}
	s.tailing, s.dropped = true, 0
	return s.startTail()
}

// startTail connects in a command; lines since the newest one shown (or
// the window's end) are sent first, up to tailBackfill.
func (s *LogsScreen) startTail() tea.Cmd {
	s.tailGen++
	s.tailNote, s.tailErr = "connecting…", false
	gen, c, b, q := s.tailGen, s.opts.Client, s.b, s.query
	from := s.end
	if n := s.buf.Len(); n > 0 {
		from = s.buf.At(n - 1).Time.Add(time.Nanosecond)
	}
	return func() tea.Msg {
		f, err := logview.Follow(c, b, q, from, tailBackfill, 0)
		return logsTailStartedMsg{gen: gen, f: f, err: err}
	}
}

// stopTail ends the tail; note says why ("" for none).
func (s *LogsScreen) stopTail(note string) {
	s.tailGen++
	if s.tail != nil {
		s.tail.Stop()
		s.tail = nil
	}
	if s.tailing {
		s.tailNote, s.tailErr = note, false
	}
	s.tailing = false
}

func logsReadTail(gen int, f *logview.Follower) tea.Cmd {
	return func() tea.Msg { return logsTailMsg{gen: gen, fr: f.Next(tailWait)} }
}

func (s *LogsScreen) tailStarted(m *Model, msg logsTailStartedMsg) tea.Cmd {
	if msg.gen != s.tailGen || !s.tailing {
		if msg.f != nil {
			msg.f.Stop()
		}
		return nil
	}
	if msg.err != nil {
		s.tailing = false
		s.tailNote, s.tailErr = "tail failed: "+sanitize.Text(msg.err.Error()), true
		return nil
	}
	if !s.visible(m) {
		msg.f.Stop()
		s.tailing = false
		s.tailNote = "tail stopped (screen left)"
		return nil
	}
	s.tail, s.tailNote = msg.f, ""
	return logsReadTail(msg.gen, msg.f)
}

func (s *LogsScreen) tailFrame(m *Model, msg logsTailMsg) tea.Cmd {
	if msg.gen != s.tailGen || s.tail == nil {
		return nil // stopped meanwhile
	}
	fr := msg.fr
	if len(fr.Rows) > 0 {
		s.appendRows(fr.Rows)
	}
	s.dropped += fr.Dropped
	if fr.Closed {
		s.tail, s.tailing = nil, false
		s.tailNote, s.tailErr = "tail ended", false
		if fr.Err != nil {
			s.tailNote, s.tailErr = "tail failed: "+sanitize.Text(fr.Err.Error()), true
		}
		return nil
	}
	if !s.visible(m) {
		s.stopTail("tail stopped (screen left)")
		return nil
	}
	return logsReadTail(msg.gen, s.tail)
}

// appendRows adds tail rows. The cursor follows the newest line when it was
// on the newest line; otherwise it stays on its row and the new lines are
// counted.
func (s *LogsScreen) appendRows(rows []logview.Row) {
	atEnd := s.buf.Len() == 0 || s.cursor >= s.buf.Len()-1
	if !s.search.Empty() {
		over := s.buf.Overflow(len(rows))
		if over < s.buf.Len() && len(rows) < s.buf.Cap() {
			for i := 0; i < over; i++ {
				if s.search.Match(s.buf.At(i)) {
					s.matches--
				}
			}
			for i := range rows {
				if s.search.Match(&rows[i]) {
					s.matches++
				}
			}
		} else {
			defer s.recount()
		}
	}
	dropped := s.buf.Push(rows...)
	s.cursor, s.top = max(0, s.cursor-dropped), max(0, s.top-dropped)
	if atEnd {
		s.cursor, s.tailNew = s.buf.Len()-1, 0
	} else {
		s.tailNew += len(rows)
	}
}

// tailStatus is the tail's part of the status line.
func (s *LogsScreen) tailStatus(st *Styles) string {
	out := ""
	switch {
	case s.tailing && s.tail != nil:
		out = st.StatusOK.Render("● live")
	case s.tailNote != "" && s.tailErr:
		out = st.Error.Render(s.tailNote)
	case s.tailNote != "":
		out = st.Muted.Render(s.tailNote)
	default:
		out = st.Muted.Render("tail off")
	}
	if s.tailNew > 0 {
		out += st.Accent.Render(fmt.Sprintf(" · %d new below (G)", s.tailNew))
	}
	if s.dropped > 0 {
		out += st.Error.Render(fmt.Sprintf(" · %d dropped by Loki", s.dropped))
	}
	return out
}
