package budget

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"oncall/internal/slo"
	"oncall/internal/slo/promslo"
	"oncall/tui/chart"
	"oncall/tui/kit"
)

// viewCache is the rendered body for one size, style set, data version.
type viewCache struct {
	w, h, version int
	st            *kit.Styles
	lines         []string
}

// burnStyles are the burn-rate and budget colours, built from the
// session's palette when the body is rendered.
//
// Burn rates are coloured by the thresholds of the multi-window
// multi-burn-rate alerts (slo.PageFastBurn, slo.PageSlowBurn):
//
//	≥ 14.4×  red     fast burn: pages when the 5m and 1h windows agree
//	≥ 6×     orange  slow burn: pages when the 30m and 6h windows agree
//	≥ 1×     yellow  faster than sustainable: the budget will not last the period
//	<  1×    green   within budget
type burnStyles struct {
	red, orange, yellow, green lipgloss.Style
}

func newBurnStyles(st *kit.Styles) burnStyles {
	n := lipgloss.NewStyle
	return burnStyles{
		red:    n().Foreground(st.Palette.Critical).Bold(true),
		orange: n().Foreground(st.Palette.Warning),
		yellow: n().Foreground(st.Palette.Pending),
		green:  n().Foreground(st.Palette.OK),
	}
}

// burn returns the colour of a burn rate.
func (b burnStyles) burn(v float64) lipgloss.Style {
	switch {
	case v >= slo.PageFastBurn:
		return b.red
	case v >= slo.PageSlowBurn:
		return b.orange
	case v >= 1:
		return b.yellow
	}
	return b.green
}

// budget returns the colour of a remaining budget fraction.
func (b burnStyles) budget(left float64) lipgloss.Style {
	switch {
	case left <= 0:
		return b.red
	case left <= 0.25:
		return b.orange
	case left <= 0.5:
		return b.yellow
	}
	return b.green
}

// state renders the alerting state as a badge.
func (b burnStyles) state(s slo.State) string {
	switch s {
	case slo.StatePage:
		return b.red.Render("PAGE")
	case slo.StateTicket:
		return b.orange.Render("TICKET")
	}
	return b.green.Render("ok")
}

// View implements kit.Screen. Only the header line (its "evaluated … ago") is
// built per frame; the rest is cached until data, size or styles change.
func (s *screen) View(w, h int, st *kit.Styles, now time.Time) string {
	head := s.headerLine(w, st, now)
	if h <= 1 {
		return kit.Box([]string{head}, w, h)
	}
	c := &s.cache
	if c.st != st || c.w != w || c.h != h || c.version != s.version || c.lines == nil {
		*c = viewCache{w: w, h: h, version: s.version, st: st, lines: s.body(w, h-1, st)}
	}
	return kit.Box(append([]string{head}, c.lines...), w, h)
}

func (s *screen) headerLine(w int, st *kit.Styles, now time.Time) string {
	left := " " + st.Title.Render("Error budget")
	var info []string
	if n := len(s.rows); n > 0 {
		info = append(info, fmt.Sprintf("%d SLO%s", n, kit.Plural(n)))
	}
	switch {
	case s.inFlight && !s.loaded:
		info = append(info, "evaluating…")
	case s.loaded:
		info = append(info, "evaluated "+ago(s.evaluatedAt, now))
	}
	if len(info) > 0 {
		left += st.Muted.Render(" · " + strings.Join(info, " · "))
	}
	hints := s.keys.HintsWithin(w - kit.Width(left) - 3) // a gap of two, a space at the end
	if hints == "" {
		return left
	}
	right := st.Muted.Render(hints + " ")
	return left + strings.Repeat(" ", w-kit.Width(left)-kit.Width(right)) + right
}

// body lays out the SLO table, the selected SLO's sentence and burn rates,
// and its burn-rate chart.
func (s *screen) body(w, h int, st *kit.Styles) []string {
	if len(s.rows) == 0 {
		if s.loadErr != "" {
			return append([]string{""}, wrapStyled(st.Error, "✗ "+s.loadErr, w-2, " ")...)
		}
		return []string{"", st.Muted.Render("  evaluating SLOs…")}
	}
	bs := newBurnStyles(st)
	lay := layoutFor(w, s.rows)
	out := []string{lay.header(st)}
	listH := max(1, min(len(s.rows), h/3))
	off := max(0, min(s.list.Cursor()-listH/2, len(s.rows)-listH))
	for i := off; i < off+listH; i++ {
		out = append(out, lay.row(s.rows[i], i == s.list.Cursor(), st, bs))
	}
	if s.discoverErr != "" {
		out = append(out, st.Error.Render(" ✗ SLO discovery failed (showing configured SLOs): "+s.discoverErr))
	}
	r := s.selectedRow()
	if r == nil {
		return out
	}
	out = append(out, "")
	out = append(out, s.detailHead(r, w, st, bs)...)
	if !lay.burnsInRow && r.status != nil {
		out = append(out, burnTable(r, st, bs)...)
	}
	if lay.burnsInRow && w >= 150 {
		out = append(out, st.Muted.Render(" burn colours: ")+bs.red.Render("≥14.4× fast burn (page)")+st.Muted.Render(" · ")+
			bs.orange.Render("≥6× slow burn (page)")+st.Muted.Render(" · ")+bs.yellow.Render("≥1× faster than sustainable")+
			st.Muted.Render(" · ")+bs.green.Render("<1× within budget"))
	}
	rest := h - len(out) - 1
	return append(append(out, ""), s.chart(r, w, rest, st, bs)...)
}

// detailHead is the selected SLO's title, error and plain-words sentence.
func (s *screen) detailHead(r *row, w int, st *kit.Styles, bs burnStyles) []string {
	title := " " + st.Bold.Render(r.name) + st.Muted.Render(fmt.Sprintf(" · %s over %s · %s", r.objective, r.window, r.source))
	if r.status != nil {
		title += "  " + bs.state(r.status.State)
	}
	if r.alerts != "" {
		title += st.Muted.Render("  alerts: " + r.alerts)
	}
	out := []string{title}
	if r.err != "" {
		msg := "✗ " + r.err
		if r.stale {
			msg += " (showing the previous figures)"
		}
		out = append(out, wrapStyled(st.Error, msg, w-2, " ")...)
	}
	if r.sentence != "" {
		style := st.Value
		if r.status != nil && r.status.State != slo.StateOK {
			style = bs.burn(r.status.BurnRates[slo.Window1h])
		}
		out = append(out, wrapStyled(style, r.sentence, w-2, " ")...)
	}
	return out
}

// burnTable is the narrow layout's burn rates of one SLO.
func burnTable(r *row, st *kit.Styles, bs burnStyles) []string {
	head := st.Label.Render(kit.Fit(" burn rate", 12))
	vals := strings.Repeat(" ", 12)
	for _, w := range windows() {
		head += st.Label.Render(kit.Fit(w, 7))
		cell, ok := r.burns[w]
		if !ok {
			vals += st.Muted.Render(kit.Fit("—", 7))
			continue
		}
		vals += bs.burn(r.status.BurnRates[w]).Render(kit.Fit(cell, 7))
	}
	return []string{head, vals}
}

// chart draws the burn-rate history of the selected SLO in h lines.
func (s *screen) chart(r *row, w, h int, st *kit.Styles, bs burnStyles) []string {
	title := " " + st.Header.Render("Burn rate over the last "+formatSpan(s.opts.HistorySpan))
	hist := s.hist[r.def.Name]
	switch {
	case r.status == nil:
		return nil
	case h < 4:
		return []string{title + st.Muted.Render(" · enlarge the terminal to see it")}
	case hist == nil || (hist.series == nil && hist.err == "" && hist.inFlight):
		return []string{title, st.Muted.Render("  loading…")}
	case hist.series == nil:
		return append([]string{title}, wrapStyled(st.Error, "✗ "+hist.err, w-2, " ")...)
	}
	if hist.err != "" {
		title += st.Error.Render(" · ✗ refresh failed: " + hist.err)
	}
	colours := map[string]lipgloss.Style{
		"5m": lipgloss.NewStyle().Foreground(st.Palette.Muted),
		"1h": lipgloss.NewStyle().Foreground(st.Palette.Accent).Bold(true),
		"6h": lipgloss.NewStyle().Foreground(st.Palette.Acked).Bold(true),
	}
	glyphs := map[string]string{"5m": "·", "1h": "•", "6h": "▪"}
	var lines []chart.BurnLine
	for _, d := range promslo.HistoryWindows() {
		label := slo.WindowLabel(d)
		lines = append(lines, chart.BurnLine{Label: label, Glyph: glyphs[label], Style: colours[label], Points: hist.series[label]})
	}
	from := hist.end.Add(-s.opts.HistorySpan)
	plotH := min(h-3, 30)
	if plotH < 3 {
		return []string{title + st.Muted.Render(" · enlarge the terminal to see it")}
	}
	title += st.Muted.Render(" · log scale")
	// Braille (four rows a cell) where colour tells the windows apart; a
	// glyph per window in every column with 16 colours or NO_COLOR.
	thr := bs.red.UnsetBold()
	return append([]string{title}, chart.Burn(lines, from, hist.end, w-1, plotH, slo.PageFastBurn, thr, st.Subtle, st.Muted, st.Shapes)...)
}

// formatSpan renders a chart span: whole hours up to three days ("24h",
// "18h"), else two units ("7d", "1h 30m").
func formatSpan(d time.Duration) string {
	if d%time.Hour == 0 && d <= 72*time.Hour {
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return slo.HumanDuration(d)
}

// wrapStyled wraps plain text to w cells and styles each line, indented.
func wrapStyled(style lipgloss.Style, text string, w int, indent string) []string {
	if w < 10 {
		w = 10
	}
	lines := kit.Wrap(text, w)
	for i, l := range lines {
		lines[i] = indent + style.Render(l)
	}
	return lines
}
