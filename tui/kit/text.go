package kit

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"oncall/internal/sanitize"
)

// Text helpers shared by every pane, screen and dialog. Strings may hold
// oncall's own styling (ANSI SGR); widths are display cells.

// Fit truncates s to w cells (with …) and pads it with spaces to exactly w.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// Cut truncates s to w cells (with …) without padding.
func Cut(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// PadLeft right-aligns s in w cells (s is returned as is when wider).
func PadLeft(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}

// Box lays out exactly h lines of width w: extra lines are dropped, missing
// ones are blank, each line is fitted.
func Box(lines []string, w, h int) string {
	var b strings.Builder
	for i := 0; i < h; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		b.WriteString(Fit(l, w))
	}
	return b.String()
}

// Width is the display width of s.
func Width(s string) int { return ansi.StringWidth(s) }

// Strip removes styling from s.
func Strip(s string) string { return ansi.Strip(s) }

// Wrap wraps unstyled or styled text at word boundaries to w cells,
// breaking words longer than a line. It never returns fewer than one line.
func Wrap(s string, w int) []string {
	if w < 1 {
		w = 1
	}
	return strings.Split(ansi.Wrap(s, w, ""), "\n")
}

// Plural is "s" unless n is 1.
func Plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// ShortID is the first 8 characters of an id (silence ids are UUIDs).
func ShortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// Hyperlink wraps text in an OSC 8 link to url when url is a plain http(s)
// URL with nothing that could escape the sequence; otherwise it returns text.
func Hyperlink(url, text string) string {
	if !sanitize.Safe(url) || strings.ContainsAny(url, " ") || !(strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://")) {
		return text
	}
	return "\x1b]8;;" + url + "\x1b\\" + text + "\x1b]8;;\x1b\\"
}
