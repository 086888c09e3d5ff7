package handoff

import (
	"strings"
	"unicode"

	"oncall/internal/sanitize"
)

// Esc makes untrusted text (labels, comments, notes, errors) safe inline in
// GitHub-flavoured Markdown, in a table cell or a list item, and in Slack:
// it goes on one line with control characters escaped, Markdown
// punctuation that could format or link is backslash-escaped, and <, > and
// & become entities so that no raw HTML (or Slack <!here> mention) gets
// through. The result is cut to max runes (0: no limit).
func Esc(s string, max int) string {
	s = strings.Join(strings.Fields(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)), " ")
	if max > 0 {
		s = sanitize.Truncate(s, max)
	} else {
		s = sanitize.Text(s)
	}
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i, r := range rs {
		switch r {
		case '\\', '`', '*', '[', ']', '|', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '_':
			// Intraword underscores never emphasise in GFM; leave them
			// alone so that label values stay readable.
			if i > 0 && i < len(rs)-1 && isWord(rs[i-1]) && isWord(rs[i+1]) {
				b.WriteRune(r)
			} else {
				b.WriteString(`\_`)
			}
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
