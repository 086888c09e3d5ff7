// Package sanitize makes untrusted text from servers (labels, annotations,
// comments, log lines, span tags) safe to put on a terminal: control
// characters, escape sequences, bidi overrides, zero-width characters and
// invalid UTF-8 are shown escaped, never passed through raw.
package sanitize

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxText and MaxBlock bound what Text and Block return: text meant for a
// terminal is cut (with a note of how much) before it is escaped, so a
// hostile 1 MB label costs a frame what an 8 KB one does. One line of 8 KiB
// fills 50 rows of a 160-column pane; 64 KiB is more than any screen shows.
const (
	MaxText  = 8 << 10
	MaxBlock = 64 << 10
)

// Text escapes everything unsafe in s and keeps it on one line: newlines and
// tabs are shown as \n and \t. Text longer than MaxText is cut.
func Text(s string) string { return clean(Clip(s, MaxText), false) }

// Line is Text for a message: surrounding space trimmed, each newline
// shown as "; ", so an error of several lines reads as one.
func Line(s string) string { return Text(strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ")) }

// Block escapes everything unsafe in s but keeps newlines, and turns tabs
// into spaces. For multi-line annotations and runbook-adjacent text. Text
// longer than MaxBlock is cut.
func Block(s string) string { return clean(Clip(s, MaxBlock), true) }

// Clip cuts s to at most max bytes (at a rune boundary) and says how many
// bytes were left out; s is returned as is when it fits.
func Clip(s string, max int) string {
	if len(s) <= max || max <= 0 {
		return s
	}
	cut := max
	for cut > 0 && cut > max-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("…[%d bytes cut]", len(s)-cut)
}

// Truncate cleans s as Text and cuts it to at most max runes, marking the cut
// with an ellipsis.
func Truncate(s string, max int) string {
	t := Text(s)
	if max <= 0 || utf8.RuneCountInString(t) <= max {
		return t
	}
	r := []rune(t)
	if max == 1 {
		return "…"
	}
	return string(r[:max-1]) + "…"
}

// Safe reports whether s would pass through Text unchanged.
func Safe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c >= 0x80 {
			return isSafeSlow(s)
		}
	}
	return true
}

func isSafeSlow(s string) bool {
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		if r == utf8.RuneError && size <= 1 {
			return false
		}
		if unsafeRune(r) {
			return false
		}
	}
	return true
}

func clean(s string, multiline bool) string {
	if Safe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
			i++
			continue
		}
		i += size
		switch {
		case r == '\n' && multiline:
			b.WriteByte('\n')
		case r == '\t' && multiline:
			b.WriteString("    ")
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f:
			fmt.Fprintf(&b, `\u%04x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unsafeRune reports runes that must never reach a terminal raw: controls,
// C1, bidi embedding/override/isolate controls, zero-width and other
// invisible format characters.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x200b && r <= 0x200f: // zero-width space/joiners, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // LRE RLE PDF LRO RLO
		return true
	case r >= 0x2060 && r <= 0x2069: // word joiner, invisible ops, isolates
		return true
	case r == 0xfeff, r == 0x061c, r == 0x180e, r == 0x00ad:
		return true
	case r >= 0xfff9 && r <= 0xfffb: // interlinear annotations
		return true
	case r >= 0xe0000 && r <= 0xe007f: // tag characters
		return true
	}
	return false
}

// Map returns a copy of m with keys and values cleaned as Text.
func Map(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[Text(k)] = Text(v)
	}
	return out
}
