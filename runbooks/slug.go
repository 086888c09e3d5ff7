package runbooks

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Slug returns the GitHub anchor for a heading: inline markdown (code spans,
// emphasis, links, images, HTML tags) is reduced to its text, the result is
// lowercased, every space becomes a dash, and everything except letters
// (accented and other Unicode letters included), marks, digits, '-' and '_'
// is dropped. "Diagnóstico: Conexões do Banco" → "diagnóstico-conexões-do-banco".
// It does not number duplicates; use a Slugger for a whole document.
func Slug(heading string) string {
	text := strings.ToLower(strings.TrimSpace(PlainText(heading)))
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_':
			b.WriteRune(r)
		case unicode.IsLetter(r), unicode.IsDigit(r), unicode.IsNumber(r),
			unicode.Is(unicode.M, r), unicode.Is(unicode.Pc, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Slugger hands out GitHub anchors for the headings of one document, adding
// -1, -2, … to repeated slugs the way GitHub does (foo, foo-1, foo-2). The
// zero value is ready to use; a Slugger is not safe for concurrent use.
type Slugger struct {
	seen map[string]int
}

// NewSlugger returns an empty Slugger.
func NewSlugger() *Slugger { return &Slugger{} }

// Slug returns the unique anchor for the next heading of the document.
func (s *Slugger) Slug(heading string) string {
	if s.seen == nil {
		s.seen = map[string]int{}
	}
	base := Slug(heading)
	slug := base
	for {
		if _, dup := s.seen[slug]; !dup {
			break
		}
		s.seen[base]++
		slug = base + "-" + strconv.Itoa(s.seen[base])
	}
	s.seen[slug] = 0
	return slug
}

// PlainText reduces one line of inline markdown to the text a reader sees:
// `code` keeps its content verbatim, **bold**/_em_/~~strike~~ lose their
// markers, [text](url) and ![alt](src) keep text/alt, <https://x> keeps the
// address, HTML tags disappear and backslash escapes are resolved.
func PlainText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '`':
			n := runLen(s, i, '`')
			if end := closingTicks(s, i+n, n); end >= 0 {
				b.WriteString(codeContent(s[i+n : end]))
				i = end + n
				continue
			}
			b.WriteString(s[i : i+n])
			i += n
		case c == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]):
			b.WriteByte(s[i+1])
			i += 2
		case c == '!' && i+1 < len(s) && s[i+1] == '[':
			if text, next, ok := parseLink(s, i+1); ok {
				b.WriteString(PlainText(text))
				i = next
				continue
			}
			b.WriteByte(c)
			i++
		case c == '[':
			if text, next, ok := parseLink(s, i); ok {
				b.WriteString(PlainText(text))
				i = next
				continue
			}
			b.WriteByte(c)
			i++
		case c == '<':
			if end := strings.IndexByte(s[i:], '>'); end > 0 {
				inner := s[i+1 : i+end]
				switch {
				case strings.Contains(inner, "://") || (strings.Contains(inner, "@") && !strings.ContainsAny(inner, " \t")):
					b.WriteString(inner)
					i += end + 1
					continue
				case isHTMLTag(inner):
					i += end + 1
					continue
				}
			}
			b.WriteByte(c)
			i++
		case c == '*' || c == '~' || c == '_':
			n := runLen(s, i, c)
			if isDelimiter(s, i, n, c) {
				i += n
				continue
			}
			b.WriteString(s[i : i+n])
			i += n
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func runLen(s string, i int, c byte) int {
	n := 0
	for i+n < len(s) && s[i+n] == c {
		n++
	}
	return n
}

// closingTicks finds a backtick run of exactly n starting at or after from.
func closingTicks(s string, from, n int) int {
	for j := from; j < len(s); {
		if s[j] != '`' {
			j++
			continue
		}
		m := runLen(s, j, '`')
		if m == n {
			return j
		}
		j += m
	}
	return -1
}

func codeContent(c string) string {
	if len(c) >= 2 && c[0] == ' ' && c[len(c)-1] == ' ' && strings.Trim(c, " ") != "" {
		return c[1 : len(c)-1]
	}
	return c
}

// parseLink parses [text](dest) or [text][ref] starting at s[i] == '['.
func parseLink(s string, i int) (text string, next int, ok bool) {
	depth := 0
	j := i
	for ; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
			continue
		case '[':
			depth++
		case ']':
			depth--
		}
		if depth == 0 {
			break
		}
	}
	if j >= len(s) || j+1 >= len(s) {
		return "", 0, false
	}
	text = s[i+1 : j]
	closer := map[byte]byte{'(': ')', '[': ']'}[s[j+1]]
	if closer == 0 {
		return "", 0, false
	}
	end := strings.IndexByte(s[j+2:], closer)
	if end < 0 {
		return "", 0, false
	}
	return text, j + 2 + end + 1, true
}

func isHTMLTag(inner string) bool {
	t := strings.TrimPrefix(inner, "/")
	if t == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t)
	return r < utf8.RuneSelf && unicode.IsLetter(r)
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

// isDelimiter decides whether a run of *, _ or ~ is emphasis markup: it must
// touch a non-space on one side, and a _ run must also sit at a word
// boundary (snake_case keeps its underscore).
func isDelimiter(s string, i, n int, c byte) bool {
	before, _ := utf8.DecodeLastRuneInString(s[:i])
	after, _ := utf8.DecodeRuneInString(s[i+n:])
	if i == 0 {
		before = ' '
	}
	if i+n >= len(s) {
		after = ' '
	}
	spaceBefore, spaceAfter := unicode.IsSpace(before), unicode.IsSpace(after)
	if spaceBefore && spaceAfter {
		return false
	}
	if c == '~' && n < 2 {
		return false
	}
	if c == '_' {
		word := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
		return !(word(before) && word(after))
	}
	return true
}
