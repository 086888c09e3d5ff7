package promslo

import (
	"context"
	"fmt"
	"sync"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/config"
	"oncall/internal/slo"
)

// A session's SLOs come from two places: the context's configuration
// (FromConfig) and the Sloth or Pyrra recording rules found in Prometheus
// (Discover). WithDiscovered joins them, EvaluateAll evaluates them; the
// budget command and the budget screen both use these.

// FromConfig converts a context's configured SLOs into definitions.
func FromConfig(cfg []config.SLO) []slo.Definition {
	out := make([]slo.Definition, 0, len(cfg))
	for _, c := range cfg {
		out = append(out, slo.Definition{
			Name:      c.Name,
			Objective: c.Objective,
			Window:    c.Window.D(),
			Errors:    c.Errors,
			Total:     c.Total,
			Ratio:     c.Ratio,
			Alerts:    append([]string(nil), c.Alerts...),
			Source:    slo.SourceConfig,
		})
	}
	return out
}

// WithDiscovered returns the configured definitions plus those Sloth or
// Pyrra recording rules describe (Discover; slo.Merge: the config wins a
// name). A discovery failure is returned along with the configured
// definitions, which stay usable.
func WithDiscovered(ctx context.Context, api v1.API, configured []slo.Definition, at time.Time) ([]slo.Definition, error) {
	found, err := Discover(ctx, api, at)
	return slo.Merge(configured, found), err
}

// Result is one evaluated SLO: its status, or why it has none.
type Result struct {
	Def    slo.Definition
	Status slo.Status
	Err    error
}

// evalParallel caps how many SLOs EvaluateAll evaluates at once (each runs
// its windows' queries in parallel too).
const evalParallel = 4

// EvaluateAll evaluates every definition at instant at, a few at a time,
// each bounded by ctx. The results keep the order of defs; a failing SLO
// carries its error and does not stop the others.
func EvaluateAll(ctx context.Context, api v1.API, defs []slo.Definition, at time.Time) []Result {
	out := make([]Result, len(defs))
	sem := make(chan struct{}, evalParallel)
	var wg sync.WaitGroup
	for i, d := range defs {
		out[i].Def = d
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				out[i].Err = fmt.Errorf("slo %s: %w", d.Name, ctx.Err())
				return
			}
			out[i].Status, out[i].Err = Evaluate(ctx, api, d, at)
		}()
	}
	wg.Wait()
	return out
}

// NoSLOError is the one-line error for a context without SLOs: it says how
// to configure one.
func NoSLOError(context string) error {
	return fmt.Errorf("no SLO configured for context %q and none discovered from Sloth or Pyrra recording rules: add [[contexts.%s.slo]] with name, objective and errors+total (or ratio) queries", context, context)
}
