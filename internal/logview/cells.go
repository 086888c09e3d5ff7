package logview

import "github.com/charmbracelet/x/ansi"

// next returns the byte length and cell width of the first grapheme
// cluster of s (which holds no escape sequences: it is sanitized text).
func next(s string) (size, cells int) {
	if c := s[0]; c >= 0x20 && c < 0x7f && (len(s) == 1 || s[1] < 0x80) {
		return 1, 1
	}
	cl, w := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
	if len(cl) == 0 {
		return 1, 1
	}
	return len(cl), w
}

// Cut returns the byte length n of the longest prefix of s that is at
// most w cells wide, and that prefix's width.
func Cut(s string, w int) (n, cells int) {
	for n < len(s) {
		size, cw := next(s[n:])
		if cells+cw > w {
			break
		}
		n += size
		cells += cw
	}
	return n, cells
}

// Wrap breaks s into lines of at most w cells (w >= 1) and returns the byte
// offset at which each line starts; the first is 0. At most maxLines
// offsets are returned (maxLines <= 0: no limit), so wrapping a long line
// costs only what is shown.
func Wrap(s string, w, maxLines int) []int {
	w = max(w, 1)
	starts := []int{0}
	cells := 0
	for i := 0; i < len(s); {
		size, cw := next(s[i:])
		if cells+cw > w && cells > 0 {
			if maxLines > 0 && len(starts) >= maxLines {
				return starts
			}
			starts = append(starts, i)
			cells = 0
		}
		cells += cw
		i += size
	}
	return starts
}

// Lines is how many lines Wrap would give, counting at most maxLines.
func Lines(s string, w, maxLines int) int { return len(Wrap(s, w, maxLines)) }
