package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"oncall/runbooks"
)

// HandleKey implements Screen.
func (s *runbookScreen) HandleKey(m *Model, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	if s.search {
		return true, s.searchKey(m, msg)
	}
	s.bodyH = s.bodyHeight(m.bodyHeight())
	cmd := s.ensureRender(m)
	k := m.Keys()
	page := max(1, s.bodyH-1)
	switch key := msg.String(); {
	case matches(msg, k.Down):
		s.scrollTo(s.offset + 1)
	case matches(msg, k.Up):
		s.scrollTo(s.offset - 1)
	case matches(msg, k.PageDown):
		s.scrollTo(s.offset + page)
	case matches(msg, k.PageUp):
		s.scrollTo(s.offset - page)
	case matches(msg, k.Top):
		s.scrollTo(0)
	case matches(msg, k.Bottom):
		s.scrollTo(len(s.view.lines))
	case matches(msg, k.Filter):
		s.search = true
		s.input.SetValue(s.query)
		s.input.CursorEnd()
		return true, tea.Batch(cmd, s.input.Focus())
	case key == "n" && s.query != "":
		s.nextMatch(1)
	case key == "N" && s.query != "":
		s.nextMatch(-1)
	case key == "]":
		s.jumpHeading(1)
	case key == "[":
		s.jumpHeading(-1)
	case key == "shift+tab":
		return true, tea.Batch(cmd, s.cycleBlock(m, -1))
	case matches(msg, k.Tab):
		return true, tea.Batch(cmd, s.cycleBlock(m, 1))
	case matches(msg, k.Enter):
		return true, tea.Batch(cmd, s.runSelected(m))
	case key == "c":
		return true, tea.Batch(cmd, s.copySelected())
	case matches(msg, k.Back) && s.query != "":
		s.query, s.matches, s.mark = "", nil, -1
		s.relayout(m.Styles())
	default:
		return false, cmd
	}
	return true, cmd
}

// searchKey edits the search box: enter searches, esc cancels.
func (s *runbookScreen) searchKey(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "enter":
		s.search = false
		s.input.Blur()
		s.query = strings.TrimSpace(s.input.Value())
		s.findMatches()
		s.relayout(m.Styles())
		if s.query != "" && len(s.matches) == 0 {
			return Status(fmt.Sprintf("no match for %q", s.query), false)
		}
		s.matchIdx = -1
		s.nextMatch(1)
		return nil
	case "esc":
		s.search = false
		s.input.Blur()
		return nil
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	return cmd
}

// cycleBlock selects the next (dir 1) or previous (dir -1) code block and
// scrolls it into view.
func (s *runbookScreen) cycleBlock(m *Model, dir int) tea.Cmd {
	if s.rb == nil || len(s.rb.Blocks) == 0 {
		return Status("this runbook has no code blocks", false)
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
	s.relayout(m.Styles())
	s.showBlock(s.sel)
	return nil
}

// firstBlockFrom is the first block that starts at or below line, else 0.
func (s *runbookScreen) firstBlockFrom(line int) int {
	for i, sp := range s.view.blocks {
		if sp.start >= line {
			return i
		}
	}
	return 0
}

// showBlock scrolls so the block (and as much of its result as fits) is
// visible.
func (s *runbookScreen) showBlock(i int) {
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

func (s *runbookScreen) scrollTo(off int) {
	s.offset = max(0, min(off, len(s.view.lines)-max(1, s.bodyH)))
}

// jumpHeading moves to the next or previous heading, counting from the
// heading or match jumped to last while it is in view, else from the top
// of the view.
func (s *runbookScreen) jumpHeading(dir int) {
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
func (s *runbookScreen) jumpTo(line int) {
	s.mark = line
	s.scrollTo(line)
}

// findMatches lists the lines holding the query (case-insensitive).
func (s *runbookScreen) findMatches() {
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
func (s *runbookScreen) nextMatch(dir int) {
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
func (s *runbookScreen) copySelected() tea.Cmd {
	b, ok := s.selected()
	if !ok {
		return Status("select a code block with tab first", false)
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
	return tea.Batch(tea.SetClipboard(text), Status(fmt.Sprintf("copied %s %s (%d line%s) to the clipboard", lang, what, n, plural(n)), false))
}

func (s *runbookScreen) selected() (runbooks.Block, bool) {
	if s.rb == nil || s.sel < 0 || s.sel >= len(s.rb.Blocks) {
		return runbooks.Block{}, false
	}
	return s.rb.Blocks[s.sel], true
}
