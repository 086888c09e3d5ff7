package logs

import (
	"fmt"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/logview"
	"oncall/internal/sanitize"
	"oncall/tui/kit"
)

// The live tail runs in a logview.Follower (a goroutine reading Loki's
// WebSocket into a channel). A command reads one batch from it and comes
// back as tailMsg; Update applies it and re-arms the command. A read
// that waited tailWait without lines comes back idle, so the screen checks
// at least once a second that it is still shown and stops the tail when it
// is not. If the session ends, nobody re-arms the read, the follower's
// lease runs out and it stops by itself.
//
// Every start and stop bumps tailGen: a reply for an older generation is
// dropped (and a follower that connected too late is stopped).

type tailStartedMsg struct {
	gen int
	f   *logview.Follower
	err error
}

// Screen implements kit.Routed.
func (tailStartedMsg) Screen() string { return Name }

type tailMsg struct {
	gen int
	fr  logview.Frame
}

// Screen implements kit.Routed.
func (tailMsg) Screen() string { return Name }

// toggleTail starts or stops the live tail.
func (s *Screen) toggleTail() tea.Cmd {
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
func (s *Screen) startTail() tea.Cmd {
	s.tailGen++
	s.tailNote, s.tailErr = "connecting…", false
	gen, c, b, q := s.tailGen, s.opts.Client, s.b, s.query
	from := s.end
	if n := s.buf.Len(); n > 0 {
		from = s.buf.At(n - 1).Time.Add(time.Nanosecond)
	}
	return func() tea.Msg {
		f, err := logview.Follow(c, b, q, from, tailBackfill, 0)
		return tailStartedMsg{gen: gen, f: f, err: err}
	}
}

// stopTail ends the tail; note says why ("" for none).
func (s *Screen) stopTail(note string) {
	s.tailGen++
	if s.tail != nil {
		s.tail.Stop()
		s.tail = nil
	}
	if s.tailing {
		s.tailNote, s.tailErr = note, false
	}
	s.tailing, s.tailRetry = false, nil
}

func readTail(gen int, f *logview.Follower) tea.Cmd {
	return func() tea.Msg { return tailMsg{gen: gen, fr: f.Next(tailWait)} }
}

func (s *Screen) tailStarted(h kit.Host, msg tailStartedMsg) tea.Cmd {
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
	if !h.Visible(Name) {
		msg.f.Stop()
		s.tailing = false
		s.tailNote = "tail stopped (screen left)"
		return nil
	}
	s.tail, s.tailNote = msg.f, ""
	return readTail(msg.gen, msg.f)
}

func (s *Screen) tailFrame(h kit.Host, msg tailMsg) tea.Cmd {
	if msg.gen != s.tailGen || s.tail == nil {
		return nil // stopped meanwhile
	}
	fr := msg.fr
	rows := fr.Rows
	if s.keep != nil { // a line-filter errors plan: its filter keeps lines that only mention a level
		rows = slices.DeleteFunc(rows, func(r logview.Row) bool { return r.Gap == nil && !s.keep(&r) })
	}
	if len(rows) > 0 {
		s.appendRows(rows)
	}
	s.dropped += fr.Dropped
	switch {
	case fr.Retrying != nil:
		s.tailRetry = fr.Retrying
	case len(fr.Gaps) > 0 || len(fr.Rows) > 0:
		s.tailRetry = nil // reconnected
	}
	if fr.Closed {
		s.tail, s.tailing = nil, false
		s.tailNote, s.tailErr = "tail ended", false
		if fr.Err != nil {
			s.tailNote, s.tailErr = "tail failed: "+sanitize.Text(fr.Err.Error()), true
		}
		return nil
	}
	if !h.Visible(Name) {
		s.stopTail("tail stopped (screen left)")
		return nil
	}
	return readTail(msg.gen, s.tail)
}

// appendRows adds tail rows. The cursor follows the newest line when it was
// on the newest line; otherwise it stays on its row and the new lines are
// counted.
func (s *Screen) appendRows(rows []logview.Row) {
	atEnd := s.list.AtEnd()
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
	cur := s.cursor()
	s.list.SetLen(s.buf.Len())
	s.list.Select(cur - dropped)
	s.top = max(0, s.top-dropped)
	if atEnd {
		s.list.Select(s.buf.Len() - 1)
		s.tailNew = 0
	} else {
		s.tailNew += len(rows)
	}
}

// tailStatus is the tail's part of the status line.
func (s *Screen) tailStatus(st *kit.Styles) string {
	out := ""
	switch {
	case s.tailing && s.tail != nil && s.tailRetry != nil:
		r := s.tailRetry
		out = st.SevStyle("warning").Render(fmt.Sprintf("◌ tail lost (%s): reconnecting in %s, attempt %d", sanitize.Text(r.Reason), r.In.Round(100*time.Millisecond), r.Attempt))
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
		out += st.Accent.Render(fmt.Sprintf(" · %d new below (%s)", s.tailNew, s.keys.Key(kit.Bottom)))
	}
	if s.dropped > 0 {
		out += st.Error.Render(fmt.Sprintf(" · %d dropped by Loki", s.dropped))
	}
	return out
}
