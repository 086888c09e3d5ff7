package promslo

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/slo"
)

// Pyrra (github.com/pyrra-dev/pyrra, slo/rules.go) writes, per SLO, rules
// labelled slo="<name>" (plus the SLO's equality matchers):
//
//	<metric>:burnrate<window>  recording rules holding the error *ratio*
//	                           (despite the name), e.g.
//	                           sum(rate(errors[5m])) / sum(rate(total[5m]));
//	                           <metric> is the total metric without
//	                           _total/_count, <window> a Prometheus duration.
//	                           The windows scale with the SLO window (5m, 30m,
//	                           1h, 2h, 6h, 1d, 4d for 28d).
//	<metric>:increase<window>  increase of the counters over the SLO window.
//	ErrorBudgetBurn alerts     expr "... > (14 * (1-0.99)) and ...".
//	pyrra_objective, pyrra_window
//	                           "generic rules" (optional): the target ratio
//	                           and the window in seconds.
//
// Only recording-rule *definitions* say how the ratio is computed, so Pyrra
// SLOs are found through the rules API rather than by series. Assumptions:
// the shortest burnrate rule's query, with its range "[<window>]" replaced by
// "[$window]", is a valid ratio template for every window (true for Pyrra's
// ratio, latency and bool-gauge indicators); SLOs whose burnrate rules group
// by labels ("sum by (...)") yield several series and are skipped, as are
// SLOs whose objective cannot be found. Without pyrra_window or an increase
// rule, the window is taken as 7x the longest burnrate window (Pyrra's
// slowest alert uses window/7), rounded to the hour.
var (
	pyrraBurnrateRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*:burnrate([0-9a-z]+)$`)
	pyrraIncreaseRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*:increase([0-9a-z]+)$`)
	pyrraAlertRE    = regexp.MustCompile(`\(\s*[0-9.]+\s*\*\s*\(\s*1\s*-\s*([0-9.eE+-]+)\s*\)\s*\)`)
	pyrraGroupedRE  = regexp.MustCompile(`\b(by|without)\s*\(`)
)

const (
	pyrraSLOLabel    model.LabelName = "slo"
	pyrraObjective                   = "pyrra_objective"
	pyrraWindowRule                  = "pyrra_window"
	pyrraMaxRatioLen                 = 1 << 16
)

type pyrraSLO struct {
	target    float64 // ratio, e.g. 0.999; 0 when unknown
	window    time.Duration
	increase  time.Duration
	burnrates map[time.Duration]string // window → recording rule query
}

// discoverPyrra lists the rules and assembles one Definition per Pyrra SLO.
func discoverPyrra(ctx context.Context, api v1.API) ([]slo.Definition, error) {
	res, err := api.Rules(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("slo discovery: list rules: %w", err)
	}
	found := map[string]*pyrraSLO{}
	get := func(name string) *pyrraSLO {
		if found[name] == nil {
			found[name] = &pyrraSLO{burnrates: map[time.Duration]string{}}
		}
		return found[name]
	}
	for _, g := range res.Groups {
		for _, r := range g.Rules {
			switch rule := r.(type) {
			case v1.RecordingRule:
				name := string(rule.Labels[pyrraSLOLabel])
				if name == "" {
					continue
				}
				collectPyrraRecording(get(name), rule)
			case v1.AlertingRule:
				name := string(rule.Labels[pyrraSLOLabel])
				if name == "" {
					continue
				}
				if m := pyrraAlertRE.FindStringSubmatch(rule.Query); m != nil && get(name).target == 0 {
					if t, err := strconv.ParseFloat(m[1], 64); err == nil && t > 0 && t < 1 {
						get(name).target = t
					}
				}
			}
		}
	}
	var defs []slo.Definition
	for name, p := range found {
		if def, ok := p.definition(name); ok {
			defs = append(defs, def)
		}
	}
	return defs, nil
}

func collectPyrraRecording(p *pyrraSLO, rule v1.RecordingRule) {
	query := strings.TrimSpace(rule.Query)
	switch {
	case rule.Name == pyrraObjective:
		if t, err := strconv.ParseFloat(query, 64); err == nil && t > 0 && t < 1 {
			p.target = t
		}
	case rule.Name == pyrraWindowRule:
		if s, err := strconv.ParseFloat(query, 64); err == nil && s >= 60 {
			p.window = time.Duration(s) * time.Second
		}
	default:
		if m := pyrraBurnrateRE.FindStringSubmatch(rule.Name); m != nil {
			if d, err := slo.ParseWindow(m[1]); err == nil && len(query) < pyrraMaxRatioLen {
				p.burnrates[d] = query
			}
		} else if m := pyrraIncreaseRE.FindStringSubmatch(rule.Name); m != nil {
			if d, err := slo.ParseWindow(m[1]); err == nil {
				p.increase = d
			}
		}
	}
}

// definition turns what was collected into a Definition, if usable.
func (p *pyrraSLO) definition(name string) (slo.Definition, bool) {
	if p.target == 0 || len(p.burnrates) == 0 {
		return slo.Definition{}, false
	}
	var shortest, longest time.Duration
	for d := range p.burnrates {
		if shortest == 0 || d < shortest {
			shortest = d
		}
		longest = max(longest, d)
	}
	query := p.burnrates[shortest]
	if pyrraGroupedRE.MatchString(query) {
		return slo.Definition{}, false
	}
	rangeText := "[" + slo.FormatWindow(shortest) + "]"
	if !strings.Contains(query, rangeText) {
		return slo.Definition{}, false
	}
	window := p.window
	if window == 0 {
		window = p.increase
	}
	if window == 0 {
		window = (7 * longest).Round(time.Hour)
	}
	def := slo.Definition{
		Name:      name,
		Objective: percent(p.target),
		Window:    window,
		Ratio:     strings.ReplaceAll(query, rangeText, "["+slo.WindowPlaceholder+"]"),
		Alerts:    []string{fmt.Sprintf("%s=%q", pyrraSLOLabel, name)},
		Source:    slo.SourcePyrra,
	}
	if def.Validate() != nil {
		return slo.Definition{}, false
	}
	return def, true
}
