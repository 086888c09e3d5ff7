package runbook

import (
	"regexp"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"oncall/internal/sanitize"
	"oncall/runbooks"
	"oncall/tui/kit"
)

// How results are placed under their block: the runbook is rendered in
// segments split at its fenced code blocks — prose, block 0, prose, block 1,
// …, prose — each segment by its own glamour call. Every block therefore
// occupies a known range of rendered lines, and a block's result lines are
// inserted right after that range without re-rendering anything and without
// guessing where glamour put the code (matching the rendered code text
// breaks on syntax highlighting, wrapping and repeated snippets). The cost is
// that markdown constructs spanning a block (a list whose item contains the
// fence) render as two parts; link reference definitions are copied into
// every prose segment so reference-style links still resolve.

// renderKey identifies one rendering: the lookup it belongs to, the width,
// the background, and whether runnable blocks show their template or the
// query filled for the alert.
type renderKey struct {
	gen      int
	width    int
	dark     bool
	template bool
}

// rendering is a runbook rendered for one key.
type rendering struct {
	key    renderKey
	prose  [][]string // len(blocks)+1 rendered prose segments
	blocks [][]string // rendered code of each fenced block
	heads  []headPos  // headings, in order
	err    string     // rendering failed: the raw (sanitized) text is shown
}

// headPos is a heading's prose segment and its line within it.
type headPos struct{ seg, line int }

var linkRefDef = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*\S`)

// renderRunbook renders rb in segments (see above), its runnable blocks
// filled in for the alert a unless key.template. It is pure and slow: call
// it from a command.
func renderRunbook(rb *runbooks.Runbook, a runbooks.Alert, key renderKey, render RenderFunc) *rendering {
	lines := strings.Split(strings.TrimRight(rb.Markdown, "\n"), "\n")
	var refs []string
	for _, l := range lines {
		if linkRefDef.MatchString(l) {
			refs = append(refs, l)
		}
	}
	r := &rendering{key: key}
	type span struct{ from, to int } // line indexes, to exclusive
	var prose []span
	var blocks [][]string
	prev := 0
	for _, b := range rb.Blocks {
		open := b.Line - 1
		if open < prev || open >= len(lines) {
			continue // cannot happen for blocks listed from this markdown
		}
		end := open + 1 + strings.Count(b.Code, "\n") // closing fence line
		if end >= len(lines) || !isFence(lines[end]) {
			end = len(lines) - 1 // unclosed fence: runs to the end
		}
		prose = append(prose, span{prev, open})
		bl := dedent(lines[open : end+1])
		if !key.template && b.Runnable {
			bl = filled(bl, b, a, end > open && isFence(lines[end]))
		}
		blocks = append(blocks, bl)
		prev = end + 1
	}
	prose = append(prose, span{prev, len(lines)})
	for len(blocks) < len(rb.Blocks) { // keep indexes aligned with rb.Blocks
		blocks = append(blocks, nil)
	}
	heads := runbooks.Headings(rb.Markdown)
	for i, sp := range prose {
		md := strings.Join(lines[sp.from:sp.to], "\n")
		if len(refs) > 0 && strings.TrimSpace(md) != "" {
			md += "\n\n" + strings.Join(refs, "\n")
		}
		out := r.renderPart(md, render)
		r.prose = append(r.prose, out)
		r.findHeadings(i, out, heads, sp.from, sp.to)
	}
	for _, bl := range blocks {
		r.blocks = append(r.blocks, r.renderPart(strings.Join(bl, "\n"), render))
	}
	return r
}

// renderPart renders one segment and trims its blank margins; on failure it
// shows the segment's text as it is (sanitized).
func (r *rendering) renderPart(md string, render RenderFunc) []string {
	if strings.TrimSpace(md) == "" {
		return nil
	}
	out, err := render(md+"\n", r.key.width, r.key.dark)
	if err != nil {
		if r.err == "" {
			r.err = err.Error()
		}
		return trimBlank(strings.Split(sanitize.Block(md), "\n"))
	}
	return trimBlank(strings.Split(strings.TrimRight(out, "\n"), "\n"))
}

// findHeadings locates the headings whose source lines lie in [from, to)
// in the rendered segment, in order, by their text.
func (r *rendering) findHeadings(seg int, out []string, heads []runbooks.Heading, from, to int) {
	at := 0
	for _, h := range heads {
		if h.Line-1 < from || h.Line-1 >= to || h.Text == "" {
			continue
		}
		for i := at; i < len(out); i++ {
			if strings.Contains(ansi.Strip(out[i]), h.Text) {
				r.heads = append(r.heads, headPos{seg: seg, line: i})
				at = i + 1
				break
			}
		}
	}
}

// filled is a runnable block's fence lines with its code replaced by the
// query filled in for the alert. A template that does not fill (its error
// shows when it runs), or whose filling would close the fence early, is
// left as written.
func filled(fence []string, b runbooks.Block, a runbooks.Alert, closed bool) []string {
	q, err := b.Substitute(a)
	if err != nil || len(fence) == 0 {
		return fence
	}
	code := strings.Split(strings.TrimRight(q, "\n"), "\n")
	for _, l := range code {
		if isFence(l) {
			return fence
		}
	}
	out := append([]string{fence[0]}, code...)
	if closed {
		out = append(out, fence[len(fence)-1])
	}
	return out
}

func isFence(l string) bool {
	t := strings.TrimLeft(l, " \t")
	return strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")
}

// dedent removes the opening fence's indentation from the block's lines, so
// a fence nested in a list item renders as a code block on its own.
func dedent(ls []string) []string {
	if len(ls) == 0 {
		return nil
	}
	n := len(ls[0]) - len(strings.TrimLeft(ls[0], " "))
	out := make([]string, len(ls))
	for i, l := range ls {
		j := 0
		for j < n && j < len(l) && l[j] == ' ' {
			j++
		}
		out[i] = l[j:]
	}
	return out
}

func trimBlank(ls []string) []string {
	blank := func(s string) bool { return strings.TrimSpace(ansi.Strip(s)) == "" }
	for len(ls) > 0 && blank(ls[0]) {
		ls = ls[1:]
	}
	for len(ls) > 0 && blank(ls[len(ls)-1]) {
		ls = ls[:len(ls)-1]
	}
	return ls
}

// layout is the laid-out body: rendered segments, block labels and results
// in one list of lines, with the positions keys jump to.
type layout struct {
	lines    []string
	plain    []string // lines without styling, for search
	blocks   []span
	headings []int
}

// span is a block's label, code and result lines: [start, end).
type span struct{ start, end int }

// relayout rebuilds the body lines from the rendering, the selection and
// the results. It runs when one of them changes, never per frame.
func (s *screen) relayout(st *kit.Styles) {
	s.st = st
	v := layout{}
	r := s.rend
	if s.rb == nil || r == nil {
		s.view = v
		return
	}
	add := func(l string) {
		v.lines = append(v.lines, l)
		v.plain = append(v.plain, ansi.Strip(l))
	}
	sep := func() {
		if n := len(v.plain); n > 0 && strings.TrimSpace(v.plain[n-1]) != "" {
			add("")
		}
	}
	if r.err != "" {
		add(st.Error.Render("  rendering failed (" + sanitize.Text(r.err) + "); showing the markdown as it is"))
	}
	hi := 0
	for i, seg := range r.prose {
		if len(seg) > 0 {
			sep()
			base := len(v.lines)
			for ; hi < len(r.heads) && r.heads[hi].seg == i; hi++ {
				v.headings = append(v.headings, base+r.heads[hi].line)
			}
			for _, l := range seg {
				add(l)
			}
		}
		if i >= len(r.blocks) || i >= len(s.rb.Blocks) {
			continue
		}
		sep()
		start := len(v.lines)
		add(s.blockLabel(i, st))
		for _, l := range r.blocks[i] {
			add(l)
		}
		for _, l := range s.resultLines(i, st, r.key.width) {
			add(l)
		}
		v.blocks = append(v.blocks, span{start, len(v.lines)})
	}
	s.view = v
	s.findMatches()
	s.scrollTo(s.offset)
}

// blockLabel is the line above a block: its language and what keys do.
func (s *screen) blockLabel(i int, st *kit.Styles) string {
	b := s.rb.Blocks[i]
	lang := b.Lang
	if lang == "" {
		lang = "code"
	}
	hint := "copy only (" + s.keys.Key(actCopy) + ")"
	if b.Runnable {
		shown := "filled for this alert · " + s.keys.Key(actTemplate) + " template"
		if s.template {
			shown = "template · " + s.keys.Key(actTemplate) + " filled"
		}
		hint = shown + " · " + s.keys.Key(kit.Enter) + " runs · " + s.keys.Key(actCopy) + " copies"
	}
	if i == s.sel {
		return "  " + st.Key.Render("▸ "+sanitize.Text(lang)) + st.Accent.Render(" · "+hint)
	}
	return "  " + st.Muted.Render("  "+sanitize.Text(lang))
}

// bodyHeight is how many body lines View shows for a screen h lines tall:
// two header lines and a footer.
func (s *screen) bodyHeight(h int) int { return max(1, h-3) }
