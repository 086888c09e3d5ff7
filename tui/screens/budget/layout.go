package budget

import (
	"math"
	"strings"

	"charm.land/lipgloss/v2"

	"oncall/internal/slo"
	"oncall/tui/kit"
)

// layout is the SLO table's columns for one width. From the widest
// to the narrowest, the burn-rate columns move out of the rows (into a
// table under the selected SLO), then the remaining time, the objective
// and bar width go.
type layout struct {
	nameW, objW, sliW, barW int
	objective, timeLeft     bool
	burnsInRow              bool
}

const (
	pctW   = 5 // "100%", "-12%"
	timeW  = 9 // "29d 23h"
	burnW  = 7 // "372×" plus gap
	stateW = 6 // "TICKET"
)

func layoutFor(w int, rows []*row) layout {
	l := layout{objective: true, timeLeft: true, burnsInRow: true, barW: 16, sliW: 3}
	longest := 0
	for _, r := range rows {
		longest = max(longest, kit.Width(r.name))
		l.objW = max(l.objW, kit.Width(r.objective)+1+kit.Width(r.window))
		l.sliW = max(l.sliW, kit.Width(r.sli))
	}
	l.nameW = max(10, min(28, longest))
	steps := []func() bool{
		func() bool { l.burnsInRow, l.barW = false, 12; return true },
		func() bool { l.nameW = max(10, min(l.nameW, 20)); return true },
		func() bool { l.barW = 8; return true },
		func() bool { l.timeLeft = false; return true },
		func() bool { l.objective = false; return true },
		func() bool { l.barW = 4; return true },
	}
	for _, step := range steps {
		if l.width() <= w {
			break
		}
		step()
	}
	if over := l.width() - w; over > 0 {
		l.nameW = max(4, l.nameW-over)
	}
	return l
}

// width is the table's width in cells.
func (l layout) width() int {
	n := 2 + l.nameW + 1 + l.sliW + 1 + l.barW + 1 + pctW + 1 + stateW
	if l.objective {
		n += l.objW + 1
	}
	if l.timeLeft {
		n += timeW + 1
	}
	if l.burnsInRow {
		n += burnW * len(slo.BurnWindows())
	}
	return n
}

func (l layout) header(st *kit.Styles) string {
	var b strings.Builder
	b.WriteString("  " + kit.Fit("SLO", l.nameW) + " ")
	if l.objective {
		b.WriteString(kit.Fit("OBJECTIVE", l.objW) + " ")
	}
	b.WriteString(kit.PadLeft("SLI", l.sliW) + " ")
	budgetW := l.barW + 1 + pctW + 1
	if l.timeLeft {
		budgetW += timeW + 1
	}
	b.WriteString(kit.Fit("BUDGET LEFT", budgetW))
	if l.burnsInRow {
		for _, w := range windows() {
			b.WriteString(kit.Fit(w, burnW))
		}
	}
	b.WriteString("STATE")
	return st.Label.Render(b.String())
}

// row renders one SLO.
func (l layout) row(r *row, selected bool, st *kit.Styles, bs burnStyles) string {
	var b strings.Builder
	if selected {
		b.WriteString(st.Cursor.Render("▸ ") + st.Bold.Render(kit.Fit(r.name, l.nameW)))
	} else {
		b.WriteString("  " + kit.Fit(r.name, l.nameW))
	}
	b.WriteByte(' ')
	if l.objective {
		b.WriteString(st.Muted.Render(kit.Fit(r.objective+" "+r.window, l.objW)) + " ")
	}
	b.WriteString(kit.PadLeft(r.sli, l.sliW) + " ")
	if r.status == nil {
		b.WriteString(st.Muted.Render(kit.Fit("—", l.barW+1+pctW)) + " ")
	} else {
		left := r.status.BudgetRemaining
		style := bs.budget(left)
		b.WriteString(bar(left, l.barW, style, st) + " " + style.Render(kit.PadLeft(r.left, pctW)) + " ")
	}
	if l.timeLeft {
		b.WriteString(st.Muted.Render(kit.PadLeft(r.leftTime, timeW-1)) + "  ")
	}
	if l.burnsInRow {
		for _, w := range windows() {
			cell, ok := r.burns[w]
			if !ok {
				b.WriteString(st.Muted.Render(kit.Fit("—", burnW)))
				continue
			}
			b.WriteString(bs.burn(r.status.BurnRates[w]).Render(kit.Fit(cell, burnW)))
		}
	}
	switch {
	case r.status == nil:
		b.WriteString(st.Error.Render("ERROR"))
	case r.stale:
		b.WriteString(bs.state(r.status.State) + st.Error.Render(" (stale)"))
	default:
		b.WriteString(bs.state(r.status.State))
	}
	return b.String()
}

// bar draws the remaining budget as a bar of w cells.
func bar(left float64, w int, fill lipgloss.Style, st *kit.Styles) string {
	n := int(math.Round(math.Max(0, math.Min(1, left)) * float64(w)))
	if left > 0 && n == 0 {
		n = 1 // a sliver left is not nothing
	}
	return fill.Render(strings.Repeat("█", n)) + st.Subtle.Render(strings.Repeat("░", w-n))
}
