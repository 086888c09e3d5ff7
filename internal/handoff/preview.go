package handoff

import (
	"net/url"
	"strings"
)

// PreviewMarkdown renders the summary as Markdown laid out for the
// terminal preview (rendered with glamour, e.g. runbooks.Render): the
// sections of Markdown, but every record a bullet with its details
// (labels, comments, times) as sub-bullets instead of table rows, so
// glamour wraps between words instead of cutting table cells. Hyphens
// inside words become non-breaking hyphens (U+2011), since glamour's
// wrapping would otherwise break conectcrm-backend after its hyphen. Only
// a word longer than the whole line is ever split. Untrusted text is
// escaped as in Markdown (Esc). Exports keep Markdown's tables.
func PreviewMarkdown(s *Summary) string { return writeList(s, previewDialect()) }

func previewDialect() dialect {
	text := func(s string, max int) string { return nbHyphens(Esc(s, max)) }
	return dialect{
		text:   text,
		ident:  text,
		own:    nbHyphens,
		bold:   func(s string) string { return "**" + s + "**" },
		strike: func(s string) string { return "~~" + s + "~~" },
		h1:     func(s string) string { return "# " + s },
		h2:     func(s string) string { return "## " + s },
		h3:     func(s string) string { return "### " + s },
		// An autolink, which glamour shows once (a [label](url) link shows
		// the label and the URL), first on its line: a URL that fits the
		// line is never wrapped at one of its hyphens.
		link: func(u *url.URL, label string) string {
			return "<" + safeURL(u) + "> (" + Esc(label, 80) + ")"
		},
		item: "- ",
		sub:  "  - ",
		task: "- [ ] ",
	}
}

// nonBreakingHyphen looks like a hyphen but is no place to wrap a line.
const nonBreakingHyphen = '\u2011'

// nbHyphens makes every hyphen between two non-space characters
// non-breaking.
func nbHyphens(s string) string {
	if !strings.Contains(s, "-") {
		return s
	}
	rs := []rune(s)
	for i, r := range rs {
		if r == '-' && i > 0 && i < len(rs)-1 && rs[i-1] != ' ' && rs[i+1] != ' ' {
			rs[i] = nonBreakingHyphen
		}
	}
	return string(rs)
}
