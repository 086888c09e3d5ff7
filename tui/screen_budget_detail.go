package tui

import (
	"time"

	"oncall/internal/alerts"
	"oncall/internal/slo"
)

// detailLines is the budget screen's DetailExtra: for an alert linked to
// SLOs, each SLO's state, 1h burn rate and sentence, from the figures of the
// last evaluation (it never queries).
func (s *BudgetScreen) detailLines(a *alerts.Alert, st *Styles, _ time.Time) []string {
	var out []string
	var bs budgetStyles
	for _, r := range s.rows {
		if r.status == nil || !r.link.matches(a) {
			continue
		}
		if out == nil {
			bs = newBudgetStyles(st)
			out = append(out, st.Header.Render("Error budget"))
		}
		line := "  " + st.Bold.Render(r.name) + " " + bs.state(r.status.State)
		if b, ok := r.status.BurnRates[slo.Window1h]; ok {
			line += st.Muted.Render(" · 1h burn ") + bs.burn(b).Render(formatBurnCell(b))
		}
		line += st.Muted.Render(" · " + r.left + " of the budget left")
		if r.stale {
			line += st.Error.Render(" (stale)")
		}
		out = append(out, line, "  "+st.Value.Render(r.sentence))
	}
	return out
}
