package kit

import tea "charm.land/bubbletea/v2"

// List is the cursor, paging and visible window of a list of n rows shown
// h rows at a time. Every list in the UI uses it; it draws nothing itself
// (rows differ per screen), but Window says which rows to draw.
//
// The zero value is an empty list; set its length with SetLen and its
// height with SetHeight (both keep the cursor in view).
type List struct {
	cursor, offset int
	n, h           int
}

// Len is the number of rows.
func (l *List) Len() int { return l.n }

// Height is the number of rows shown at a time.
func (l *List) Height() int { return l.h }

// Cursor is the selected row (0 when the list is empty).
func (l *List) Cursor() int { return l.cursor }

// Offset is the first row shown.
func (l *List) Offset() int { return l.offset }

// SetLen sets the number of rows, keeping the cursor inside.
func (l *List) SetLen(n int) {
	l.n = max(0, n)
	l.clamp()
}

// SetHeight sets how many rows are shown at a time.
func (l *List) SetHeight(h int) {
	l.h = max(1, h)
	l.clamp()
}

// Select puts the cursor on row i (clamped) and scrolls it into view.
func (l *List) Select(i int) {
	l.cursor = i
	l.clamp()
}

// Move moves the cursor by d rows (clamped).
func (l *List) Move(d int) { l.Select(l.cursor + d) }

// Page is how far page up/down moves: one row less than the height, so a
// row of context stays.
func (l *List) Page() int { return max(1, l.h-1) }

// ScrollTo sets the first row shown, keeping the cursor where it is unless
// it would leave the window.
func (l *List) ScrollTo(off int) {
	l.offset = max(0, min(off, l.n-l.h))
	if l.cursor < l.offset {
		l.cursor = l.offset
	}
	if l.h > 0 && l.cursor >= l.offset+l.h {
		l.cursor = l.offset + l.h - 1
	}
}

// AtEnd reports whether the cursor is on the last row.
func (l *List) AtEnd() bool { return l.n == 0 || l.cursor >= l.n-1 }

// Window returns the rows to draw: [from, to).
func (l *List) Window() (from, to int) {
	return l.offset, min(l.n, l.offset+max(1, l.h))
}

func (l *List) clamp() {
	l.cursor = max(0, min(l.cursor, l.n-1))
	h := max(1, l.h)
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+h {
		l.offset = l.cursor - h + 1
	}
	l.offset = max(0, min(l.offset, l.n-h))
}

// HandleKey moves the cursor for the movement actions (up, down, top,
// bottom, page up, page down) and reports whether the key was one of them.
func (l *List) HandleKey(k *Keymap, msg tea.KeyPressMsg) bool {
	switch {
	case k.Is(msg, Up):
		l.Move(-1)
	case k.Is(msg, Down):
		l.Move(1)
	case k.Is(msg, PageUp):
		l.Move(-l.Page())
	case k.Is(msg, PageDown):
		l.Move(l.Page())
	case k.Is(msg, Top):
		l.Select(0)
	case k.Is(msg, Bottom):
		l.Select(l.n - 1)
	default:
		return false
	}
	return true
}

// Scroll moves the first line shown of a text with no cursor, n lines
// shown h at a time, for the movement actions (up, down, page up and down
// by a line less than h, top, bottom) and clamps it (ClampOffset). ok is
// false, and off unchanged, when msg is no movement key.
func Scroll(k *Keymap, msg tea.KeyPressMsg, off, n, h int) (int, bool) {
	page := max(1, h-1)
	switch {
	case k.Is(msg, Up):
		off--
	case k.Is(msg, Down):
		off++
	case k.Is(msg, PageUp):
		off -= page
	case k.Is(msg, PageDown):
		off += page
	case k.Is(msg, Top):
		off = 0
	case k.Is(msg, Bottom):
		off = n
	default:
		return off, false
	}
	return ClampOffset(off, n, h), true
}

// ClampOffset keeps the first line shown of n lines, h at a time, between
// the top and the line that puts the last one at the bottom.
func ClampOffset(off, n, h int) int { return max(0, min(off, n-max(1, h))) }
