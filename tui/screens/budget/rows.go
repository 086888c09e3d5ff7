package budget

import (
	"math"
	"strconv"
	"strings"
	"time"

	"oncall/internal/httpx"
	"oncall/internal/sanitize"
	"oncall/internal/slo"
	"oncall/internal/slo/promslo"
)

// row is one SLO, with every text it shows prepared (and sanitized)
// when the figures arrive, never per frame.
type row struct {
	def    slo.Definition
	link   sloLink
	status *slo.Status // nil until evaluated once
	err    string      // the latest evaluation's error (sanitized)
	stale  bool        // status is from an earlier evaluation

	name, objective, window, source, alerts string
	sli, left, leftTime, sentence           string
	burns                                   map[string]string
}

// apply installs an evaluation: rows are rebuilt, an SLO whose evaluation
// failed keeps its last good status (marked stale), and the selection stays
// on the same SLO.
func (s *screen) apply(msg loadedMsg) {
	s.inFlight = false
	s.loaded = true
	if msg.discoverRan {
		s.discoveredAt = msg.at
		s.discoverErr = ""
		if msg.discoverErr != nil {
			s.discoverErr = s.errText(msg.discoverErr)
		}
		s.discovered = msg.discovered
	}
	prev := make(map[string]*row, len(s.rows))
	for _, r := range s.rows {
		prev[r.def.Name] = r
	}
	selName := s.Selected()
	rows := make([]*row, 0, len(msg.results))
	for _, res := range msg.results {
		r := &row{def: res.Def, link: newSLOLink(res.Def)}
		if res.Err != nil {
			r.err = s.errText(res.Err)
			if old := prev[res.Def.Name]; old != nil && old.status != nil {
				r.status, r.stale = old.status, true
			}
		} else {
			st := res.Status
			r.status = &st
		}
		r.build()
		rows = append(rows, r)
	}
	s.rows = rows
	s.evaluatedAt = msg.at
	s.loadErr = ""
	if len(rows) == 0 {
		s.loadErr = oneLine(promslo.NoSLOError(s.context).Error())
		if s.discoverErr != "" {
			s.loadErr = "SLO discovery failed: " + s.discoverErr
		}
	}
	s.list.SetLen(len(rows))
	sel := 0
	for i, r := range rows {
		if r.def.Name == selName {
			sel = i
		}
	}
	s.list.Select(sel)
	s.version++
}

// build prepares the row's texts.
func (r *row) build() {
	d := r.def
	r.name = sanitize.Text(d.Name)
	r.objective = formatObjective(d.Objective)
	r.window = slo.FormatWindow(d.EffectiveWindow())
	r.source = sanitize.Text(d.Source)
	if r.source == "" {
		r.source = slo.SourceConfig
	}
	r.alerts = sanitize.Text(strings.Join(d.Alerts, ", "))
	r.burns = map[string]string{}
	if r.status == nil {
		r.sli, r.left, r.leftTime = "—", "—", "—"
		return
	}
	st := r.status
	r.sli = formatSLI(st.SLI, d.Objective)
	r.left = slo.Percent(st.BudgetRemaining)
	r.leftTime = slo.HumanDuration(st.BudgetRemainingTime)
	r.sentence = sanitize.Text(st.Sentence())
	for w, b := range st.BurnRates {
		r.burns[w] = formatBurn(b)
	}
}

// formatObjective renders 99.9 as "99.9%".
func formatObjective(o float64) string {
	return strconv.FormatFloat(o, 'f', -1, 64) + "%"
}

// formatSLI shows the SLI with two more decimals than the objective has, so
// the gap to the objective is visible (99.9 → 99.940%).
func formatSLI(sli, objective float64) string {
	dec := 2
	if s := strconv.FormatFloat(objective, 'f', -1, 64); strings.Contains(s, ".") {
		dec += len(s) - strings.Index(s, ".") - 1
	}
	dec = min(dec, 6)
	return strconv.FormatFloat(math.Floor(sli*100*math.Pow10(dec))/math.Pow10(dec), 'f', dec, 64) + "%"
}

// formatBurn renders a burn rate with three significant figures:
// "372×", "80.9×", "0.50×".
func formatBurn(b float64) string {
	switch {
	case math.IsNaN(b) || math.IsInf(b, 0):
		return "—"
	case b >= 100:
		return strconv.FormatFloat(b, 'f', 0, 64) + "×"
	case b >= 10:
		return strconv.FormatFloat(b, 'f', 1, 64) + "×"
	}
	return strconv.FormatFloat(b, 'f', 2, 64) + "×"
}

// errText is an error as one sanitized line without the session's secrets.
func (s *screen) errText(err error) string {
	return oneLine(httpx.Scrub(err.Error(), s.secrets))
}

// oneLine makes an error message one sanitized line.
func oneLine(s string) string {
	return sanitize.Text(strings.Join(strings.Fields(s), " "))
}

// ago renders how long ago t was, coarsely: "just now", "42s ago", "3m ago".
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return "never"
	case d < 2*time.Second:
		return "just now"
	}
	return slo.HumanDuration(d) + " ago"
}
