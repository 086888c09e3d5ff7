package promslo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"golang.org/x/sync/errgroup"

	"oncall/internal/slo"
)

// maxPoints is Prometheus's limit on points per series in a range query.
const maxPoints = 11000

// errNoHistory is returned when no burn window has any data.
var errNoHistory = errors.New("no data for any burn window")

// HistoryWindows returns the burn windows BurnHistory charts: 5m, 1h and 6h.
func HistoryWindows() []time.Duration {
	return []time.Duration{5 * time.Minute, time.Hour, 6 * time.Hour}
}

// BurnHistory returns, for each of HistoryWindows (keyed "5m", "1h", "6h"),
// the burn rate every step over (end-span, end], via parallel range queries.
// A window without data is left out; no data at all is an error. Steps with
// no traffic (0/0) are skipped.
func BurnHistory(ctx context.Context, api v1.API, def slo.Definition, end time.Time, span, step time.Duration) (map[string][]Point, error) {
	if api == nil {
		return nil, errNilAPI
	}
	if err := def.Validate(); err != nil {
		return nil, err
	}
	switch {
	case span <= 0 || step <= 0:
		return nil, fmt.Errorf("slo %s: burn history needs a positive span and step, got %s and %s", def.Name, span, step)
	case span/step > maxPoints:
		return nil, fmt.Errorf("slo %s: burn history of %s every %s is over %d points; use a larger step", def.Name, span, step, maxPoints)
	}
	ctx, cancel := withDeadline(ctx)
	defer cancel()

	windows := HistoryWindows()
	series := make([][]Point, len(windows))
	budget := def.BudgetFraction()
	rng := v1.Range{Start: end.Add(-span), End: end, Step: step}
	g, gctx := errgroup.WithContext(ctx)
	for i, w := range windows {
		g.Go(func() error {
			label := slo.WindowLabel(w)
			pts, err := rangeRatio(gctx, api, def, ratioExpr(def, label), label, rng)
			for j := range pts {
				pts[j].Value = math.Max(pts[j].Value, 0) / budget
			}
			series[i] = pts
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make(map[string][]Point, len(windows))
	for i, w := range windows {
		if len(series[i]) > 0 {
			out[slo.WindowLabel(w)] = series[i]
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("slo %s: burn history: %w", def.Name, errNoHistory)
	}
	return out, nil
}

// rangeRatio runs a range query expected to yield at most one series.
func rangeRatio(ctx context.Context, api v1.API, def slo.Definition, expr, window string, rng v1.Range) ([]Point, error) {
	val, _, _, err := api.QueryRange(ctx, expr, rng, queryOptions(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("slo %s: range query over %s: %w", def.Name, window, err)
	}
	if val == nil {
		return nil, nil
	}
	m, ok := val.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("slo %s: range query over %s returned a %s, want a matrix", def.Name, window, val.Type())
	}
	switch len(m) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, fmt.Errorf("slo %s: range query over %s returned %d series, want one (aggregate it with sum)", def.Name, window, len(m))
	}
	pts := make([]Point, 0, len(m[0].Values))
	for _, sp := range m[0].Values {
		if v := float64(sp.Value); !math.IsNaN(v) && !math.IsInf(v, 0) {
			pts = append(pts, Point{Time: sp.Timestamp.Time(), Value: v})
		}
	}
	return pts, nil
}
