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
	rs := []rune(plain(s, max))
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

// plain puts untrusted text on one line (newlines and tabs become spaces,
// runs of spaces one) with anything unsafe for a terminal escaped
// (sanitize), cut to max runes (0: no limit).
func plain(s string, max int) string {
	s = strings.Join(strings.Fields(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)), " ")
	if max > 0 {
		return sanitize.Truncate(s, max)
	}
	return sanitize.Text(s)
}

// SlackEsc makes untrusted text safe inline in Slack mrkdwn. Slack's
// control characters &, < and > become &amp;, &lt; and &gt;, so no
// <!here> mention, <@U…> ping or <url|text> link gets through. mrkdwn has
// no escape for its formatting characters, so those that could format are
// replaced by look-alikes: * by ∗, ~ by ∼, ` by ˋ, and _ (unless it is
// inside a word, where Slack does not format) by ˍ. The text is on one
// line, sanitized and cut to max runes (0: no limit); empty becomes "-".
func SlackEsc(s string, max int) string {
	rs := []rune(plain(s, max))
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i, r := range rs {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '*':
			b.WriteRune('∗')
		case '~':
			b.WriteRune('∼')
		case '`':
			b.WriteRune('ˋ')
		case '_':
			if i > 0 && i < len(rs)-1 && isWord(rs[i-1]) && isWord(rs[i+1]) {
				b.WriteRune(r)
			} else {
				b.WriteRune('ˍ')
			}
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

// SlackCode shows untrusted text (label values, matchers) as Slack inline
// code, where *, _ and ~ do not format: only &, < and > are escaped and a
// backquote, which would end the code, becomes ˋ.
func SlackCode(s string, max int) string {
	t := plain(s, max)
	if t == "" {
		return "-"
	}
	return "`" + strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "`", "ˋ").Replace(t) + "`"
}
