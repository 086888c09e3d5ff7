package runbook

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"oncall/runbooks"
	"oncall/tui/kit"
)

// HandleKey implements kit.Screen. Keys it does not use (n and N without
// a search, esc without one) go on to the global keys.
func (s *screen) HandleKey(h kit.Host, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	if s.search.Active() {
		return true, s.searchKey(h, msg)
	}
	_, bodyH := h.BodySize()
	s.bodyH = s.bodyHeight(bodyH)
	cmd := s.ensureRender(h)
	k := s.keys
	if off, ok := kit.Scroll(k, msg, s.offset, len(s.view.lines), s.bodyH); ok {
		s.offset = off
		return true, cmd
	}
	switch {
	case k.Is(msg, kit.Filter):
		return true, tea.Batch(cmd, s.search.Open(s.query))
	case k.Is(msg, actNextMatch) && s.query != "":
		s.nextMatch(1)
	case k.Is(msg, actPrevMatch) && s.query != "":
		s.nextMatch(-1)
	case k.Is(msg, actNextHeading):
		s.jumpHeading(1)
	case k.Is(msg, actPrevHeading):
		s.jumpHeading(-1)
	case k.Is(msg, actPrevBlock):
		return true, tea.Batch(cmd, s.cycleBlock(h, -1))
	case k.Is(msg, kit.Tab):
		return true, tea.Batch(cmd, s.cycleBlock(h, 1))
	case k.Is(msg, kit.Enter):
		return true, tea.Batch(cmd, s.runSelected(h))
	case k.Is(msg, actCopy):
		return true, tea.Batch(cmd, s.copySelected())
	case k.Is(msg, actTemplate):
		// Runnable blocks switch between the query filled for the alert
		// and its template: rendered again in a command.
		s.template = !s.template
		s.relayout(h.Styles())
		return true, tea.Batch(cmd, s.ensureRender(h))
	case k.Is(msg, kit.Back) && s.query != "":
		s.query, s.matches, s.mark = "", nil, -1
		s.relayout(h.Styles())
	default:
		return false, cmd
	}
	return true, cmd
}

// searchKey edits the search box: enter searches, esc cancels.
func (s *screen) searchKey(h kit.Host, msg tea.KeyPressMsg) tea.Cmd {
	ev, cmd := s.search.HandleKey(msg)
	if ev != kit.SearchCommit {
		return cmd
	}
	s.query = strings.TrimSpace(s.search.Value())
	s.findMatches()
	s.relayout(h.Styles())
	if s.query != "" && len(s.matches) == 0 {
		return kit.Status(fmt.Sprintf("no match for %q", s.query), false)
	}
	s.matchIdx = -1
	s.nextMatch(1)
	return nil
}

// cycleBlock selects the next (dir 1) or previous (dir -1) code block and
// scrolls it into view.
func (s *screen) cycleBlock(h kit.Host, dir int) tea.Cmd {
	if s.rb == nil || len(s.rb.Blocks) == 0 {
		return kit.Status("this runbook has no code blocks", false)
	}
	n := len(s.rb.Blocks)
	switch {
	case s.sel < 0 && dir > 0:
		s.sel = s.firstBlockFrom(s.offset)
	case s.sel < 0:
		s.sel = n - 1
	default:
		s.sel = (s.sel + dir + n) % n
	}
	s.relayout(h.Styles())
	s.showBlock(s.sel)
	return nil
}

// firstBlockFrom is the first block that starts at or below line, else 0.
func (s *screen) firstBlockFrom(line int) int {
	for i, sp := range s.view.blocks {
		if sp.start >= line {
			return i
		}
	}
	return 0
}

// showBlock scrolls so the block (and as much of its result as fits) is
// visible.
func (s *screen) showBlock(i int) {
	if i < 0 || i >= len(s.view.blocks) {
		return
	}
	sp := s.view.blocks[i]
	h := max(1, s.bodyH)
	switch {
	case sp.start < s.offset:
		s.scrollTo(sp.start)
	case sp.end > s.offset+h:
		s.scrollTo(min(sp.start, sp.end-h))
	}
}

func (s *screen) scrollTo(off int) {
	s.offset = kit.ClampOffset(off, len(s.view.lines), s.bodyH)
}

// jumpHeading moves to the next or previous heading, counting from the
// heading or match jumped to last while it is in view, else from the top
// of the view.
func (s *screen) jumpHeading(dir int) {
	ref := s.offset
	if s.mark >= s.offset && s.mark < s.offset+max(1, s.bodyH) {
		ref = s.mark
	}
	hs := s.view.headings
	if dir > 0 {
		for _, h := range hs {
			if h > ref {
				s.jumpTo(h)
				return
			}
		}
		return
	}
	for i := len(hs) - 1; i >= 0; i-- {
		if hs[i] < ref {
			s.jumpTo(hs[i])
			return
		}
	}
}

// jumpTo marks a line and scrolls it to the top (as far as possible).
func (s *screen) jumpTo(line int) {
	s.mark = line
	s.scrollTo(line)
}

// findMatches lists the lines holding the query (case-insensitive).
func (s *screen) findMatches() {
	s.matches = s.matches[:0]
	if s.query == "" {
		return
	}
	q := strings.ToLower(s.query)
	for i, p := range s.view.plain {
		if strings.Contains(strings.ToLower(p), q) {
			s.matches = append(s.matches, i)
		}
	}
}

// nextMatch moves to the next (1) or previous (-1) match, wrapping.
func (s *screen) nextMatch(dir int) {
	if len(s.matches) == 0 {
		return
	}
	s.matchIdx = (s.matchIdx + dir + len(s.matches)) % len(s.matches)
	line := s.matches[s.matchIdx]
	s.mark = line
	if line < s.offset || line >= s.offset+max(1, s.bodyH) {
		s.scrollTo(line - max(1, s.bodyH)/3)
	}
}

// copySelected copies the selected block with OSC 52. Query blocks are
// copied filled in with the alert; shell blocks exactly as written, because
// label values are escaped for PromQL strings, not for a shell.
func (s *screen) copySelected() tea.Cmd {
	b, ok := s.selected()
	if !ok {
		return kit.Status(fmt.Sprintf("select a code block with %s first", s.keys.Key(kit.Tab)), false)
	}
	text, what := b.Code, "block"
	if b.Runnable {
		if q, err := b.Substitute(s.ra); err == nil {
			text, what = q, "query"
		}
	}
	lang := b.Lang
	if lang == "" {
		lang = "code"
	}
	n := strings.Count(strings.TrimRight(text, "\n"), "\n") + 1
	return tea.Batch(tea.SetClipboard(text), kit.Status(fmt.Sprintf("copied %s %s (%d line%s) to the clipboard", lang, what, n, kit.Plural(n)), false))
}

func (s *screen) selected() (runbooks.Block, bool) {
	if s.rb == nil || s.sel < 0 || s.sel >= len(s.rb.Blocks) {
		return runbooks.Block{}, false
	}
	return s.rb.Blocks[s.sel], true
}
