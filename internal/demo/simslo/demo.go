package simslo

import (
	"sort"
	"time"

	"oncall/internal/config"
	"oncall/internal/demo/sim"
)

// Error ratios of the demo incident.
const (
	// BackendBaseline is conectcrm-backend's usual error ratio (0.05%: a
	// burn rate of 0.5 against 99.9%).
	BackendBaseline = 0.0005
	// BackendOutage is its error ratio since the outage began, the value
	// HighErrorRate and ErrorBudgetBurnFast report (37.2%).
	BackendOutage = 0.372
	// OutageStart is when the errors began, relative to the incident start:
	// as APIDown became pending (it fires after 1m, 12m before the start).
	OutageStart = -13 * time.Minute
)

// DemoTimelines returns the traffic of the demo's services, anchored at the
// incident start: conectcrm-backend fails 37.2% of requests since the
// outage began (and had a short 0.8% blip 19 hours earlier, after a
// deploy); api-gateway retries most of those on the healthy instance and
// fails only 1.2%.
func DemoTimelines(anchor time.Time) map[string]Timeline {
	return map[string]Timeline{
		sim.ServiceBackend: {
			Anchor: anchor, BaseRPS: 120, Diurnal: 0.35,
			Phases: []Phase{
				{At: -90 * 24 * time.Hour, ErrorRatio: BackendBaseline},
				{At: -19 * time.Hour, ErrorRatio: 0.008},
				{At: -19*time.Hour + 25*time.Minute, ErrorRatio: BackendBaseline},
				{At: OutageStart, ErrorRatio: BackendOutage},
			},
		},
		sim.ServiceGateway: {
			Anchor: anchor, BaseRPS: 310, Diurnal: 0.35,
			Phases: []Phase{
				{At: -90 * 24 * time.Hour, ErrorRatio: 0.001},
				{At: OutageStart, ErrorRatio: 0.012},
			},
		},
	}
}

// DemoSLOs is the demo context's SLO configuration: the 99.9%/30d
// availability of conectcrm-backend, linked to the alerts of the outage,
// and the 99.5%/30d availability of the gateway in front of it.
func DemoSLOs() []config.SLO {
	win := config.Duration(30 * 24 * time.Hour)
	return []config.SLO{{
		Name:      "availability",
		Objective: 99.9,
		Window:    win,
		Errors:    `sum(rate(http_requests_total{service="conectcrm-backend",code=~"5.."}[$window]))`,
		Total:     `sum(rate(http_requests_total{service="conectcrm-backend"}[$window]))`,
		Alerts:    []string{"APIDown", "HighErrorRate", "ErrorBudgetBurnFast"},
	}, {
		Name:      "gateway-availability",
		Objective: 99.5,
		Window:    win,
		Errors:    `sum(rate(http_requests_total{service="api-gateway",code=~"5.."}[$window]))`,
		Total:     `sum(rate(http_requests_total{service="api-gateway"}[$window]))`,
		Alerts:    []string{`service="api-gateway"`},
	}}
}

// Register makes the simulated Prometheus answer the SLO queries of the
// given timelines (see query.go for the shapes), for instant and range
// queries alike.
func Register(p *sim.Prometheus, timelines map[string]Timeline) {
	e := evaluator{services: make(map[string]Timeline, len(timelines))}
	for k, v := range timelines {
		e.services[k] = v
	}
	p.Handle(e.matches, e.eval)
}

// RegisterDemo registers DemoTimelines anchored at the sim's incident start.
func RegisterDemo(p *sim.Prometheus) {
	Register(p, DemoTimelines(p.IncidentStart()))
}

func sortedKeys(m map[string]Timeline) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
