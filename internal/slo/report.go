package slo

import (
	"math"
)

// Report is the JSON shape of one SLO for `oncall budget -o json`.
type Report struct {
	Name                   string             `json:"name"`
	Objective              float64            `json:"objective"` // percent, e.g. 99.9
	Window                 string             `json:"window"`    // e.g. "30d"
	SLI                    float64            `json:"sli"`
	BudgetRemaining        float64            `json:"budgetRemaining"` // fraction, negative when overspent
	BudgetRemainingSeconds float64            `json:"budgetRemainingSeconds"`
	BurnRates              map[string]float64 `json:"burnRates"` // window label -> burn rate
	State                  State              `json:"state"`
	ExhaustionSeconds      *float64           `json:"exhaustionSeconds"` // null when not burning
	Sentence               string             `json:"sentence"`
	Source                 string             `json:"source"`
}

// Report converts the status to its JSON shape. Non-finite numbers, which
// JSON cannot carry, are reported as 0.
func (s Status) Report() Report {
	r := Report{
		Name:                   s.Def.Name,
		Objective:              finite(s.Def.Objective),
		Window:                 FormatWindow(s.Def.EffectiveWindow()),
		SLI:                    finite(s.SLI),
		BudgetRemaining:        finite(s.BudgetRemaining),
		BudgetRemainingSeconds: finite(s.BudgetRemainingTime.Seconds()),
		BurnRates:              make(map[string]float64, len(s.BurnRates)),
		State:                  s.State,
		Sentence:               s.Sentence(),
		Source:                 s.Def.Source,
	}
	if r.State == "" {
		r.State = StateOK
	}
	if r.Source == "" {
		r.Source = SourceConfig
	}
	for w, b := range s.BurnRates {
		r.BurnRates[w] = finite(b)
	}
	if s.Exhaustion != nil {
		secs := finite(s.Exhaustion.Seconds())
		r.ExhaustionSeconds = &secs
	}
	return r
}

func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}
