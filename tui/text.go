package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/ansi"
)

// fit truncates s (which may hold oncall's own styling) to w cells and pads
// it with spaces to exactly w cells.
func fit(s string, w int) string {
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

// cut truncates s to w cells without padding.
func cut(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// box lays out exactly h lines of width w: extra lines are dropped, missing
// ones are blank, each line is fitted.
func box(lines []string, w, h int) string {
	var b strings.Builder
	for i := 0; i < h; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		b.WriteString(fit(l, w))
	}
	return b.String()
}

// width is the display width of s.
func width(s string) int { return ansi.StringWidth(s) }

// ansiStrip removes oncall's own styling from s.
func ansiStrip(s string) string { return ansi.Strip(s) }

// matches reports whether a key press triggers a binding.
func matches(msg tea.KeyPressMsg, b ...key.Binding) bool { return key.Matches(msg, b...) }
