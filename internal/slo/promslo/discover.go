package promslo

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/slo"
)

// Discover finds SLOs that Sloth or Pyrra generated recording rules for, so
// oncall works without an SLO configuration. Results are sorted by source
// and name. See discoverSloth and discoverPyrra for what each looks for.
func Discover(ctx context.Context, api v1.API, at time.Time) ([]slo.Definition, error) {
	if api == nil {
		return nil, errNilAPI
	}
	ctx, cancel := withDeadline(ctx)
	defer cancel()

	defs, err := discoverSloth(ctx, api, at)
	if err != nil {
		return nil, err
	}
	pyrra, err := discoverPyrra(ctx, api)
	if err != nil {
		return nil, err
	}
	defs = append(defs, pyrra...)
	slices.SortFunc(defs, func(a, b slo.Definition) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Name, b.Name))
	})
	return defs, nil
}

// Sloth's recording rules (github.com/slok/sloth, internal/prometheus):
//
//	slo:sli_error:ratio_rate<window>  error ratio over 5m,30m,1h,2h,6h,1d,3d
//	                                  and the period (e.g. ratio_rate30d),
//	                                  <window> printed as a Prometheus duration
//	slo:objective:ratio               objective as a ratio, e.g. 0.999
//	slo:time_period:days              period in days, e.g. 30
//	slo:error_budget:ratio, slo:current_burn_rate:ratio,
//	slo:period_burn_rate:ratio, slo:period_error_budget_remaining:ratio,
//	sloth_slo_info                    (not needed here)
//
// all labelled sloth_id, sloth_service and sloth_slo (the SLI rules also
// carry sloth_window). Sloth's alerts inherit those labels.
const (
	slothObjective  = "slo:objective:ratio"
	slothPeriodDays = "slo:time_period:days"
	slothRatioTmpl  = `slo:sli_error:ratio_rate$window{sloth_id=%q}`
)

// discoverSloth returns one ratio-template Definition per sloth_id carrying
// slo:objective:ratio at instant at. The window is slo:time_period:days when
// present and slo.DefaultWindow otherwise.
func discoverSloth(ctx context.Context, api v1.API, at time.Time) ([]slo.Definition, error) {
	objectives, err := byLabel(ctx, api, slothObjective, "sloth_id", at)
	if err != nil {
		return nil, err
	}
	if len(objectives) == 0 {
		return nil, nil
	}
	periods, err := byLabel(ctx, api, slothPeriodDays, "sloth_id", at)
	if err != nil {
		return nil, err
	}
	var defs []slo.Definition
	for id, objective := range objectives {
		def := slo.Definition{
			Name:      id,
			Objective: percent(objective),
			Ratio:     fmt.Sprintf(slothRatioTmpl, id),
			Alerts:    []string{fmt.Sprintf("sloth_id=%q", id)},
			Source:    slo.SourceSloth,
		}
		if days, ok := periods[id]; ok && days > 0 && days < 3660 {
			def.Window = time.Duration(days * float64(24*time.Hour)).Round(time.Minute)
		}
		if def.Validate() == nil {
			defs = append(defs, def)
		}
	}
	return defs, nil
}

// byLabel evaluates metric at instant at and returns its value per value of
// label (the first series wins for duplicates).
func byLabel(ctx context.Context, api v1.API, metric, label string, at time.Time) (map[string]float64, error) {
	val, _, _, err := api.Query(ctx, metric, at, queryOptions(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("slo discovery: query %s: %w", metric, err)
	}
	vec, ok := val.(model.Vector)
	if !ok {
		return nil, nil
	}
	out := make(map[string]float64, len(vec))
	for _, s := range vec {
		key := string(s.Metric[model.LabelName(label)])
		v := float64(s.Value)
		if _, seen := out[key]; key == "" || seen || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		out[key] = v
	}
	return out, nil
}

// percent turns an objective ratio (0.999) into a percentage (99.9), rounding
// away float noise such as 99.89999999999999.
func percent(ratio float64) float64 {
	return math.Round(ratio*100*1e9) / 1e9
}
