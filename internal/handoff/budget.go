package handoff

import (
	"context"
	"fmt"
	"sync"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/config"
	"oncall/internal/slo"
	"oncall/internal/slo/promslo"
)

// Definitions converts the config's SLOs.
func Definitions(in []config.SLO) []slo.Definition {
	out := make([]slo.Definition, 0, len(in))
	for _, s := range in {
		out = append(out, slo.Definition{Name: s.Name, Objective: s.Objective, Window: s.Window.D(),
			Errors: s.Errors, Total: s.Total, Ratio: s.Ratio, Alerts: s.Alerts, Source: slo.SourceConfig})
	}
	return out
}

// PromBudgets computes budgets with promslo against Prometheus: for each
// SLO the remaining budget at the window's start and end (Evaluate) and
// what was consumed in between (ConsumedBetween). With no Defs it discovers
// Sloth and Pyrra SLOs.
type PromBudgets struct {
	API  v1.API
	Defs []slo.Definition
}

// Budgets implements BudgetSource. An SLO that cannot be evaluated carries
// its error; the others are still reported.
func (p PromBudgets) Budgets(ctx context.Context, from, to time.Time) ([]Budget, error) {
	defs := p.Defs
	if len(defs) == 0 {
		found, err := promslo.Discover(ctx, p.API, to)
		if err != nil {
			return nil, fmt.Errorf("discovering SLOs: %w", err)
		}
		defs = found
	}
	out := make([]Budget, len(defs))
	var wg sync.WaitGroup
	for i, def := range defs {
		out[i] = Budget{Name: def.Name, Objective: def.Objective, Window: slo.FormatWindow(def.EffectiveWindow())}
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := &out[i]
			var errs []string
			if st, err := promslo.Evaluate(ctx, p.API, def, from); err != nil {
				errs = append(errs, "at start: "+oneLine(err.Error()))
			} else {
				b.RemainingStart = finite(st.BudgetRemaining)
			}
			if st, err := promslo.Evaluate(ctx, p.API, def, to); err != nil {
				errs = append(errs, "at end: "+oneLine(err.Error()))
			} else {
				b.RemainingEnd = finite(st.BudgetRemaining)
			}
			if c, err := promslo.ConsumedBetween(ctx, p.API, def, from, to); err != nil {
				errs = append(errs, "consumed: "+oneLine(err.Error()))
			} else {
				b.Consumed = finite(c)
			}
			if len(errs) > 0 {
				b.Error = errs[0]
			}
		}()
	}
	wg.Wait()
	return out, nil
}

func finite(f float64) *float64 {
	if f != f || f > 1e300 || f < -1e300 {
		return nil
	}
	return &f
}
