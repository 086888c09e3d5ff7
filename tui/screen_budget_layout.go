package tui

import (
	"math"
	"strings"

	"charm.land/lipgloss/v2"

	"oncall/internal/slo"
)

// budgetLayout is the SLO table's columns for one width. From the widest
// to the narrowest, the burn-rate columns move out of the rows (into a
// table under the selected SLO), then the remaining time, the objective
// and bar width go.
type budgetLayout struct {
	nameW, objW, sliW, barW int
	objective, timeLeft     bool
	burnsInRow              bool
}

const (
	budgetPctW   = 5 // "100%", "-12%"
	budgetTimeW  = 9 // "29d 23h"
	budgetBurnW  = 7 // "372×" plus gap
	budgetStateW = 6 // "TICKET"
)

func budgetLayoutFor(w int, rows []*budgetRow) budgetLayout {
	l := budgetLayout{objective: true, timeLeft: true, burnsInRow: true, barW: 16, sliW: 3}
	longest := 0
	for _, r := range rows {
		longest = max(longest, width(r.name))
		l.objW = max(l.objW, width(r.objective)+1+width(r.window))
		l.sliW = max(l.sliW, width(r.sli))
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
func (l budgetLayout) width() int {
	n := 2 + l.nameW + 1 + l.sliW + 1 + l.barW + 1 + budgetPctW + 1 + budgetStateW
	if l.objective {
		n += l.objW + 1
	}
	if l.timeLeft {
		n += budgetTimeW + 1
	}
	if l.burnsInRow {
		n += budgetBurnW * len(slo.BurnWindows())
	}
	return n
}

func (l budgetLayout) header(st *Styles) string {
	var b strings.Builder
	b.WriteString("  " + fit("SLO", l.nameW) + " ")
	if l.objective {
		b.WriteString(fit("OBJECTIVE", l.objW) + " ")
	}
	b.WriteString(budgetPadLeft("SLI", l.sliW) + " ")
	budgetW := l.barW + 1 + budgetPctW + 1
	if l.timeLeft {
		budgetW += budgetTimeW + 1
	}
	b.WriteString(fit("BUDGET LEFT", budgetW))
	if l.burnsInRow {
		for _, w := range budgetWindows() {
			b.WriteString(fit(w, budgetBurnW))
		}
	}
	b.WriteString("STATE")
	return st.Label.Render(b.String())
}

// row renders one SLO.
func (l budgetLayout) row(r *budgetRow, selected bool, st *Styles, bs budgetStyles) string {
	var b strings.Builder
	if selected {
		b.WriteString(st.Cursor.Render("▸ ") + st.Bold.Render(fit(r.name, l.nameW)))
	} else {
		b.WriteString("  " + fit(r.name, l.nameW))
	}
	b.WriteByte(' ')
	if l.objective {
		b.WriteString(st.Muted.Render(fit(r.objective+" "+r.window, l.objW)) + " ")
	}
	b.WriteString(budgetPadLeft(r.sli, l.sliW) + " ")
	if r.status == nil {
		b.WriteString(st.Muted.Render(fit("—", l.barW+1+budgetPctW)) + " ")
	} else {
		left := r.status.BudgetRemaining
		style := bs.budget(left)
		b.WriteString(budgetBar(left, l.barW, style, st) + " " + style.Render(budgetPadLeft(r.left, budgetPctW)) + " ")
	}
	if l.timeLeft {
		b.WriteString(st.Muted.Render(budgetPadLeft(r.leftTime, budgetTimeW-1)) + "  ")
	}
	if l.burnsInRow {
		for _, w := range budgetWindows() {
			cell, ok := r.burns[w]
			if !ok {
				b.WriteString(st.Muted.Render(fit("—", budgetBurnW)))
				continue
			}
			b.WriteString(bs.burn(r.status.BurnRates[w]).Render(fit(cell, budgetBurnW)))
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

// budgetBar draws the remaining budget as a bar of w cells.
func budgetBar(left float64, w int, fill lipgloss.Style, st *Styles) string {
	n := int(math.Round(math.Max(0, math.Min(1, left)) * float64(w)))
	if left > 0 && n == 0 {
		n = 1 // a sliver left is not nothing
	}
	return fill.Render(strings.Repeat("█", n)) + st.Subtle.Render(strings.Repeat("░", w-n))
}
