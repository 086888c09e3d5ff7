package runbook

import (
	"fmt"
	"strings"
	"time"

	"oncall/internal/sanitize"
	"oncall/tui/kit"
)

// View implements kit.Screen: two header lines (title and origin; escalation and
// warning), the visible body lines with a two-cell gutter, and a footer
// (key hints, or the search box).
func (s *screen) View(w, h int, st *kit.Styles, now time.Time) string {
	out := make([]string, 0, h)
	out = append(out, s.headerLines(w, st, now)...)
	bodyH := s.bodyHeight(h)
	switch {
	case s.alert == nil:
		out = append(out, "", "  "+st.Muted.Render("Select an alert, then press "+s.keys.Global().Key("runbook")+" to open its runbook."))
	case s.err != "":
		out = append(out, "", "  "+st.Error.Render("✗ "+sanitize.Text(s.err)))
	case s.loading || s.rend == nil:
		out = append(out, "", "  "+st.Muted.Render("Finding the runbook for "+sanitize.Text(s.alert.Name())+"…"))
	default:
		out = append(out, s.bodyLines(w, bodyH, st)...)
	}
	for len(out) < h-1 {
		out = append(out, "")
	}
	out = append(out[:h-1], s.footer(w, bodyH, st))
	for i, l := range out {
		out[i] = kit.Fit(l, w)
	}
	return strings.Join(out, "\n")
}

// headerLines: the title and where the runbook came from; the alert's
// escalation state and any warning about the lookup.
func (s *screen) headerLines(w int, st *kit.Styles, now time.Time) []string {
	if s.alert == nil {
		return []string{st.Title.Render(" Runbook"), ""}
	}
	title := sanitize.Text(s.alert.Name())
	origin := ""
	if s.rb != nil {
		title = sanitize.Text(s.rb.Title)
		origin = "source: " + sanitize.Text(s.rb.Origin())
	}
	left := st.Title.Render(" " + title)
	if origin != "" {
		left += st.Muted.Render("  ·  " + origin)
	}
	line2 := " " + st.Label.Render(sanitize.Text(s.alert.Name())+" · ")
	if esc := escalationLine(s.alert, s.d.Steps, s.d.After, st, now); esc != "" {
		line2 += esc
	} else {
		line2 += st.Label.Render("escalation: ") + st.Muted.Render(fmt.Sprintf("none while %s", s.alert.State))
	}
	if s.rb != nil && s.rb.Warning != "" {
		line2 += "  " + st.Sev["warning"].Render("⚠ "+sanitize.Text(s.rb.Warning))
	}
	return []string{kit.Cut(left, w), kit.Cut(line2, w)}
}

// bodyLines draws the visible window of the laid-out lines with the gutter:
// a bar beside the selected block, a marker on the current search match.
func (s *screen) bodyLines(w, h int, st *kit.Styles) []string {
	v := &s.view
	start := max(0, min(s.offset, len(v.lines)-1))
	end := min(len(v.lines), start+h)
	cur := s.mark
	var sel span
	if s.sel >= 0 && s.sel < len(v.blocks) {
		sel = v.blocks[s.sel]
	}
	out := make([]string, 0, h)
	for i := start; i < end; i++ {
		g := "  "
		switch {
		case i == cur:
			g = st.Cursor.Render("› ")
		case i >= sel.start && i < sel.end:
			g = st.Accent.Render("▌ ")
		}
		out = append(out, g+kit.Fit(v.lines[i], w-2))
	}
	return out
}

// footer shows the search box while searching, else the key hints and
// where in the runbook the view is.
func (s *screen) footer(w, bodyH int, st *kit.Styles) string {
	if s.search.Active() {
		return " " + s.search.View()
	}
	right := ""
	if n := len(s.view.lines); n > 0 {
		right = fmt.Sprintf("%d%%", min(100, (s.offset+bodyH)*100/max(1, n)))
		if s.offset+bodyH >= n {
			right = "end"
			if s.offset == 0 {
				right = "all"
			}
		}
	}
	if s.query != "" {
		m := "no match"
		if len(s.matches) > 0 {
			m = fmt.Sprintf("match %d/%d", s.matchIdx+1, len(s.matches))
		}
		right = fmt.Sprintf("/%s: %s · %s/%s · %s", sanitize.Truncate(s.query, 20), m, s.keys.Key(actNextMatch), s.keys.Key(actPrevMatch), right)
	}
	hints := s.keys.HintsWithin(w - kit.Width(right) - 3) // a space before, a gap of one, one after
	if hints == "" {
		return st.Muted.Render(" " + right)
	}
	left := st.Muted.Render(" " + hints)
	gap := w - kit.Width(left) - kit.Width(right) - 1
	return left + strings.Repeat(" ", gap) + st.Muted.Render(right)
}
