package budget

import (
	"time"

	"oncall/internal/alerts"
	"oncall/internal/slo"
	"oncall/tui/kit"
)

// DetailLines implements kit.DetailExtender: for an alert linked to SLOs,
// each SLO's state, 1h burn rate and sentence, from the figures of the last
// evaluation (it never queries).
func (s *screen) DetailLines(a *alerts.Alert, st *kit.Styles, _ time.Time) []string {
	var out []string
	var bs burnStyles
	for _, r := range s.rows {
		if r.status == nil || !r.link.matches(a) {
			continue
		}
		if out == nil {
			bs = newBurnStyles(st)
			out = append(out, st.Header.Render("Error budget"))
		}
		line := "  " + st.Bold.Render(r.name) + " " + bs.state(r.status.State)
		if b, ok := r.status.BurnRates[slo.Window1h]; ok {
			line += st.Muted.Render(" · 1h burn ") + bs.burn(b).Render(formatBurn(b))
		}
		line += st.Muted.Render(" · " + r.left + " of the budget left")
		if r.stale {
			line += st.Error.Render(" (stale)")
		}
		out = append(out, line, "  "+st.Value.Render(r.sentence))
	}
	return out
}
