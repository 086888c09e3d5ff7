package runbooks

import (
	"net/url"
	"strings"
)

// Heading is one heading of a markdown document.
type Heading struct {
	// Level is 1 for "#", 2 for "##", … (setext: 1 for ===, 2 for ---).
	Level int
	// Text is the heading reduced to plain text (see PlainText).
	Text string
	// Slug is the GitHub anchor, numbered for duplicates.
	Slug string
	// Line is the 1-based line of the heading.
	Line int
}

// doc is one scanned markdown document. Fenced code, HTML comments and front
// matter are skipped when looking for headings.
type doc struct {
	lines    []string
	headings []Heading
	blocks   []Block
	front    frontMatter
}

// splitLines splits markdown into lines, dropping \r of CRLF endings.
func splitLines(md string) []string {
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	return lines
}

func scan(md string) doc {
	d := doc{lines: splitLines(md)}
	d.front = parseFrontMatter(d.lines)
	var (
		slugger   Slugger
		fence     *fenceOpen
		code      []string
		inComment bool
		paraStart = -1 // first line of the current plain paragraph
		inList    bool
	)
	for i := d.front.end; i < len(d.lines); i++ {
		line := d.lines[i]
		if fence != nil {
			if fence.closes(line) {
				d.blocks = append(d.blocks, newBlock(len(d.blocks), fence, code))
				fence, code = nil, nil
			} else {
				code = append(code, fence.unindent(line))
			}
			continue
		}
		if inComment {
			inComment = !strings.Contains(line, "-->")
			continue
		}
		trimmed := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if f := openFence(line, i+1); f != nil {
			fence, paraStart = f, -1
			continue
		}
		if indent < 4 && strings.HasPrefix(trimmed, "<!--") && !strings.Contains(trimmed[4:], "-->") {
			inComment, paraStart = true, -1
			continue
		}
		if trimmed == "" {
			paraStart, inList = -1, false
			continue
		}
		if level, text, ok := atxHeading(line); ok {
			d.headings = append(d.headings, Heading{Level: level, Text: PlainText(text), Slug: slugger.Slug(text), Line: i + 1})
			paraStart, inList = -1, false
			continue
		}
		if level := setextUnderline(line); level > 0 && paraStart >= 0 && !inList {
			text := strings.Join(trimAll(d.lines[paraStart:i]), " ")
			d.headings = append(d.headings, Heading{Level: level, Text: PlainText(text), Slug: slugger.Slug(text), Line: paraStart + 1})
			paraStart = -1
			continue
		}
		switch {
		case indent >= 4 && paraStart < 0:
			// indented code or list continuation: not a paragraph
		case isListItem(trimmed):
			inList, paraStart = true, -1
		case strings.HasPrefix(trimmed, ">") || strings.HasPrefix(trimmed, "|") || isThematicBreak(trimmed):
			paraStart = -1
		case paraStart < 0 && !inList:
			paraStart = i
		}
	}
	if fence != nil { // unclosed fence runs to the end of the document
		d.blocks = append(d.blocks, newBlock(len(d.blocks), fence, code))
	}
	return d
}

func trimAll(ls []string) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = strings.TrimSpace(l)
	}
	return out
}

// atxHeading parses "## Text ##" (at most 3 spaces of indent).
func atxHeading(line string) (level int, text string, ok bool) {
	s := strings.TrimLeft(line, " ")
	if len(line)-len(s) > 3 {
		return 0, "", false
	}
	for level < len(s) && s[level] == '#' {
		level++
	}
	if level == 0 || level > 6 {
		return 0, "", false
	}
	rest := s[level:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return 0, "", false
	}
	rest = strings.TrimSpace(rest)
	// optional closing sequence: spaces then only #s
	if t := strings.TrimRight(rest, "#"); t != rest && (t == "" || strings.HasSuffix(t, " ") || strings.HasSuffix(t, "\t")) {
		rest = strings.TrimSpace(t)
	}
	return level, rest, true
}

func setextUnderline(line string) int {
	s := strings.TrimSpace(line)
	if len(line)-len(strings.TrimLeft(line, " ")) > 3 || s == "" {
		return 0
	}
	switch {
	case strings.Trim(s, "=") == "":
		return 1
	case strings.Trim(s, "-") == "":
		return 2
	}
	return 0
}

func isListItem(s string) bool {
	if len(s) >= 2 && strings.ContainsRune("-*+", rune(s[0])) && (s[1] == ' ' || s[1] == '\t') {
		return true
	}
	n := 0
	for n < len(s) && n < 9 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n > 0 && n+1 < len(s) && (s[n] == '.' || s[n] == ')') && (s[n+1] == ' ' || s[n+1] == '\t')
}

func isThematicBreak(s string) bool {
	t := strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "\t", "")
	if len(t) < 3 {
		return false
	}
	for _, c := range []string{"*", "_", "-"} {
		if strings.Trim(t, c) == "" {
			return true
		}
	}
	return false
}

// fenceOpen is an open ``` or ~~~ fence.
type fenceOpen struct {
	char   byte
	n      int
	indent int
	info   string
	line   int
}

// openFence recognises an opening fence. Unlike strict CommonMark any indent
// is accepted, so fences nested in list items are found too.
func openFence(line string, lineNo int) *fenceOpen {
	s := strings.TrimLeft(line, " \t")
	if len(s) < 3 || (s[0] != '`' && s[0] != '~') {
		return nil
	}
	n := runLen(s, 0, s[0])
	if n < 3 {
		return nil
	}
	info := strings.TrimSpace(s[n:])
	if s[0] == '`' && strings.Contains(info, "`") {
		return nil
	}
	return &fenceOpen{char: s[0], n: n, indent: len(line) - len(s), info: info, line: lineNo}
}

func (f *fenceOpen) closes(line string) bool {
	s := strings.TrimLeft(line, " \t")
	n := runLen(s, 0, f.char)
	return n >= f.n && strings.TrimSpace(s[n:]) == ""
}

// unindent removes up to the fence's own indentation from a content line.
func (f *fenceOpen) unindent(line string) string {
	i := 0
	for i < f.indent && i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return line[i:]
}

func newBlock(index int, f *fenceOpen, code []string) Block {
	lang := ""
	if fields := strings.Fields(f.info); len(fields) > 0 {
		lang = strings.ToLower(strings.Trim(fields[0], "{}."))
	}
	c := strings.Join(code, "\n")
	if len(code) > 0 {
		c += "\n"
	}
	return Block{Index: index, Lang: lang, Code: c, Runnable: runnableLang(lang), Line: f.line}
}

// runnableLang reports whether a block of this language may be run as a
// query. Shell languages never are.
func runnableLang(lang string) bool {
	return lang == "promql" || lang == "logql"
}

// Headings lists the headings of a markdown document in order, skipping
// front matter and anything inside fenced code blocks or HTML comments.
func Headings(markdown string) []Heading { return scan(markdown).headings }

// Blocks lists the fenced code blocks of a markdown document in order.
func Blocks(markdown string) []Block { return scan(markdown).blocks }

// Section returns the part of markdown under the heading whose GitHub anchor
// is anchor (a leading '#' and %-escapes are allowed): the heading line and
// everything up to the next heading of the same or a higher level, or the end
// of the document. '#' lines inside fenced code do not count as headings.
// When no slug matches exactly, a case-insensitive match is tried.
func Section(markdown, anchor string) (string, bool) {
	d := scan(markdown)
	i := d.findAnchor(anchor)
	if i < 0 {
		return "", false
	}
	return d.section(i), true
}

func normalizeAnchor(anchor string) string {
	a := strings.TrimPrefix(strings.TrimSpace(anchor), "#")
	if u, err := url.PathUnescape(a); err == nil {
		a = u
	}
	return a
}

// findAnchor returns the index of the heading for anchor, or -1.
func (d doc) findAnchor(anchor string) int {
	a := normalizeAnchor(anchor)
	if a == "" {
		return -1
	}
	for i, h := range d.headings {
		if h.Slug == a {
			return i
		}
	}
	for i, h := range d.headings {
		if strings.EqualFold(h.Slug, a) || h.Slug == Slug(a) {
			return i
		}
	}
	return -1
}

// section returns the text of heading i up to the next heading of the same or
// a higher level.
func (d doc) section(i int) string {
	h := d.headings[i]
	end := len(d.lines)
	for _, next := range d.headings[i+1:] {
		if next.Level <= h.Level {
			end = next.Line - 1
			break
		}
	}
	return joinLines(d.lines[h.Line-1 : end])
}

// body returns the document without its front matter.
func (d doc) body() string { return joinLines(d.lines[d.front.end:]) }

func joinLines(ls []string) string {
	for len(ls) > 0 && strings.TrimSpace(ls[len(ls)-1]) == "" {
		ls = ls[:len(ls)-1]
	}
	for len(ls) > 0 && strings.TrimSpace(ls[0]) == "" {
		ls = ls[1:]
	}
	if len(ls) == 0 {
		return ""
	}
	return strings.Join(ls, "\n") + "\n"
}

// title returns the document's title: front matter title, the first
// level-1 heading, the first heading, or "".
func (d doc) title() string {
	if d.front.title != "" {
		return d.front.title
	}
	for _, h := range d.headings {
		if h.Level == 1 {
			return h.Text
		}
	}
	if len(d.headings) > 0 {
		return d.headings[0].Text
	}
	return ""
}
