package waterfall

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"oncall/internal/sanitize"
)

// Text layout: marks, name, bar, duration.
const (
	textMarks  = 3 // error and critical-path marks, a space
	textDurW   = 8
	textMinBar = 10
	maxIndent  = 12 // depth levels indented; deeper rows stay at this level
)

// Label is the indented "service: operation" of a row, sanitized.
func (w *Waterfall) Label(row int) string {
	r := &w.Rows[row]
	s := w.Span(row)
	return strings.Repeat("  ", min(r.Depth, maxIndent)) + sanitize.Text(s.Service) + ": " + sanitize.Text(s.Operation)
}

// Text renders the waterfall as plain text lines of at most width columns:
// a summary, the time axis, one line per span (error mark "!", critical
// path mark "*", the indented "service: operation", an ASCII bar on the
// shared axis — "#" on the critical path, "=" elsewhere — and the
// duration), then a legend. Server text is sanitized.
func Text(w *Waterfall, width int) []string {
	width = max(width, 30)
	out := []string{cut(Summary(w), width)}
	if len(w.Rows) == 0 {
		return out
	}
	nameW := min(max(width*2/5, 16), 60)
	barW := width - textMarks - nameW - 4 - textDurW // " |" + bar + "| "
	if barW < textMinBar {
		barW = 0
		nameW = width - textMarks - 1 - textDurW
	}
	if barW > 0 {
		pad := strings.Repeat(" ", textMarks+nameW+2)
		out = append(out, strings.TrimRight(pad+Axis(w.Ticks(barW, 8), barW, '|'), " "))
	}
	cells := make([]Cell, 0, barW)
	var b strings.Builder
	for i := range w.Rows {
		r := &w.Rows[i]
		b.Reset()
		b.WriteByte(mark(r.Error, '!'))
		b.WriteByte(mark(r.Critical, '*'))
		b.WriteByte(' ')
		b.WriteString(fit(w.Label(i), nameW))
		if barW > 0 {
			b.WriteString(" |")
			cells = w.Paint(i, barW, cells)
			for _, c := range cells {
				b.WriteByte(" =#"[c])
			}
			b.WriteString("|")
		}
		fmt.Fprintf(&b, " %*s", textDurW, FormatDuration(r.Duration))
		out = append(out, b.String())
	}
	out = append(out, cut("! error  * critical path (# the part that sets the latency)", width))
	return out
}

// Summary is the one-line description of a trace: id, spans, services,
// duration and errors.
func Summary(w *Waterfall) string {
	if len(w.Rows) == 0 {
		return "trace " + sanitize.Text(w.TraceID) + ": no spans"
	}
	s := fmt.Sprintf("trace %s · %d spans · %d services · %s", sanitize.Text(w.TraceID), len(w.Rows), len(w.Services), FormatDuration(w.Duration))
	if w.Errors > 0 {
		s += fmt.Sprintf(" · %d errors", w.Errors)
	}
	return s
}

func mark(on bool, c byte) byte {
	if on {
		return c
	}
	return ' '
}

// cut shortens s to at most w columns.
func cut(s string, w int) string {
	if ansi.StringWidth(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	return s
}

// fit cuts s to w columns and pads it to exactly w.
func fit(s string, w int) string {
	s = cut(s, w)
	if sw := ansi.StringWidth(s); sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}
