package promslo

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"golang.org/x/sync/errgroup"

	"oncall/internal/slo"
)

// maxParallel caps the queries one call runs at once.
const maxParallel = 8

// Evaluate computes def's status at instant at. It runs one instant query for
// the SLO window and one per burn window (slo.BurnWindows) in parallel, each
// bounded by ctx's deadline (DefaultTimeout when ctx has none). The ratio is
// sum(errors)/sum(total), errors counting as 0 when they have no data. No
// data for total (or for a ratio template) over the SLO window is an error;
// over a burn window it only leaves that window out of Status.BurnRates.
func Evaluate(ctx context.Context, api v1.API, def slo.Definition, at time.Time) (slo.Status, error) {
	if api == nil {
		return slo.Status{}, errNilAPI
	}
	if err := def.Validate(); err != nil {
		return slo.Status{}, err
	}
	ctx, cancel := withDeadline(ctx)
	defer cancel()

	windows := append([]time.Duration{def.EffectiveWindow()}, slo.BurnWindows()...)
	type result struct {
		ratio float64
		ok    bool
	}
	results := make([]result, len(windows))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(maxParallel)
	for i, w := range windows {
		g.Go(func() error {
			label := slo.FormatWindow(w)
			r, ok, err := instantRatio(gctx, api, def, ratioExpr(def, label), label, at)
			results[i] = result{r, ok}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return slo.Status{}, err
	}
	if !results[0].ok {
		return slo.Status{}, noDataError(def, slo.FormatWindow(windows[0]))
	}
	burns := make(map[string]float64, len(windows)-1)
	for i, w := range windows[1:] {
		if r := results[i+1]; r.ok {
			burns[slo.WindowLabel(w)] = r.ratio
		}
	}
	return slo.Compute(def, results[0].ratio, burns), nil
}

// ConsumedBetween returns the fraction of def's whole-window error budget
// consumed between from and to (e.g. during a shift). It evaluates the ratio
// template at to with $window set to the interval in seconds ("28800s").
// When a ratio template has no data for such a window (Sloth and Pyrra
// record only fixed windows), it falls back to the time average of the
// template's 5m ratio over the interval, which is how Sloth computes its
// period ratio.
func ConsumedBetween(ctx context.Context, api v1.API, def slo.Definition, from, to time.Time) (float64, error) {
	if api == nil {
		return 0, errNilAPI
	}
	if err := def.Validate(); err != nil {
		return 0, err
	}
	between := to.Sub(from)
	if between < time.Second {
		return 0, fmt.Errorf("slo %s: interval end %s is not at least 1s after its start %s",
			def.Name, to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	ctx, cancel := withDeadline(ctx)
	defer cancel()

	window := seconds(between)
	ratio, ok, err := instantRatio(ctx, api, def, ratioExpr(def, window), window, to)
	if err != nil {
		return 0, err
	}
	if !ok && def.UsesRatio() {
		short := ratioExpr(def, slo.WindowLabel(5*time.Minute))
		expr := fmt.Sprintf("avg_over_time((%s)[%s:1m])", short, window)
		if isSelector(short) {
			expr = fmt.Sprintf("avg_over_time(%s[%s])", short, window)
		}
		ratio, ok, err = instantRatio(ctx, api, def, expr, window, to)
		if err != nil {
			return 0, err
		}
	}
	if !ok {
		return 0, noDataError(def, window)
	}
	return slo.BudgetConsumedBetween(def, ratio, between), nil
}
