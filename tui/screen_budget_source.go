package tui

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/slo"
	"oncall/internal/slo/promslo"
)

// SLODefinitions converts a context's configured SLOs into definitions.
func SLODefinitions(cfg []config.SLO) []slo.Definition {
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

// MergeSLOs returns the configured definitions followed by the discovered
// ones whose names are not configured: the config wins a name clash.
func MergeSLOs(configured, discovered []slo.Definition) []slo.Definition {
	seen := make(map[string]bool, len(configured))
	out := make([]slo.Definition, 0, len(configured)+len(discovered))
	for _, d := range configured {
		seen[d.Name] = true
		out = append(out, d)
	}
	for _, d := range discovered {
		if !seen[d.Name] {
			seen[d.Name] = true
			out = append(out, d)
		}
	}
	return out
}

// SessionSLOs returns the configured definitions plus those Sloth or Pyrra
// recording rules describe (promslo.Discover). A discovery failure is
// returned along with the configured definitions, which stay usable.
func SessionSLOs(ctx context.Context, api v1.API, configured []slo.Definition, at time.Time) ([]slo.Definition, error) {
	found, err := promslo.Discover(ctx, api, at)
	return MergeSLOs(configured, found), err
}

// SLOResult is one evaluated SLO: its status, or why it has none.
type SLOResult struct {
	Def    slo.Definition
	Status slo.Status
	Err    error
}

// sloParallel caps how many SLOs are evaluated at once (each runs its
// windows' queries in parallel too).
const sloParallel = 4

// EvaluateSLOs evaluates every definition at instant at, a few at a time,
// each bounded by ctx. The results keep the order of defs; a failing SLO
// carries its error and does not stop the others.
func EvaluateSLOs(ctx context.Context, api v1.API, defs []slo.Definition, at time.Time) []SLOResult {
	out := make([]SLOResult, len(defs))
	sem := make(chan struct{}, sloParallel)
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
			out[i].Status, out[i].Err = promslo.Evaluate(ctx, api, d, at)
		}()
	}
	wg.Wait()
	return out
}

// NoSLOError is the one-line error for a context without SLOs.
func NoSLOError(context string) error {
	return fmt.Errorf("no SLO configured for context %q and none discovered from Sloth or Pyrra recording rules: add [[contexts.%s.slo]] with name, objective and errors+total (or ratio) queries", context, context)
}

// sloLink says which alerts belong to an SLO: Definition.Alerts holds alert
// names and matcher strings (`severity="critical"`, `sloth_id="x"`); a
// Sloth SLO also claims the alerts Sloth labels with its id, or with the
// service and SLO name it is made of.
type sloLink struct {
	names    map[string]bool
	matchers []labels.Matchers
	slothID  string
}

var budgetAlertNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

func newSLOLink(def slo.Definition) sloLink {
	l := sloLink{names: map[string]bool{}}
	for _, a := range def.Alerts {
		a = strings.TrimSpace(a)
		if budgetAlertNameRE.MatchString(a) {
			l.names[a] = true
			continue
		}
		if ms, err := alerts.ParseMatchers(a); err == nil && len(ms) > 0 {
			l.matchers = append(l.matchers, ms)
		}
	}
	if def.Source == slo.SourceSloth {
		l.slothID = def.Name
	}
	return l
}

// matches reports whether the alert belongs to the SLO.
func (l sloLink) matches(a *alerts.Alert) bool {
	if a == nil {
		return false
	}
	if l.names[a.Name()] {
		return true
	}
	if l.slothID != "" {
		if a.Labels["sloth_id"] == l.slothID {
			return true
		}
		if s, n := a.Labels["sloth_service"], a.Labels["sloth_slo"]; s != "" && n != "" && s+"-"+n == l.slothID {
			return true
		}
	}
	if len(l.matchers) == 0 {
		return false
	}
	ls := a.LabelSet()
	for _, ms := range l.matchers {
		if ms.Matches(ls) {
			return true
		}
	}
	return false
}

// budgetWindows returns the burn-window labels in time order.
func budgetWindows() []string {
	ws := slo.BurnWindows()
	sort.Slice(ws, func(i, j int) bool { return ws[i] < ws[j] })
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = slo.WindowLabel(w)
	}
	return out
}
