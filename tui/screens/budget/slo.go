package budget

import (
	"regexp"
	"sort"
	"strings"

	"github.com/prometheus/alertmanager/pkg/labels"

	"oncall/internal/alerts"
	"oncall/internal/slo"
)

// sloLink says which alerts belong to an SLO: Definition.Alerts holds alert
// names and matcher strings (`severity="critical"`, `sloth_id="x"`); a
// Sloth SLO also claims the alerts Sloth labels with its id, or with the
// service and SLO name it is made of.
type sloLink struct {
	names    map[string]bool
	matchers []labels.Matchers
	slothID  string
}

var alertNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

func newSLOLink(def slo.Definition) sloLink {
	l := sloLink{names: map[string]bool{}}
	for _, a := range def.Alerts {
		a = strings.TrimSpace(a)
		if alertNameRE.MatchString(a) {
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

// windows returns the burn-window labels in time order.
func windows() []string {
	ws := slo.BurnWindows()
	sort.Slice(ws, func(i, j int) bool { return ws[i] < ws[j] })
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = slo.WindowLabel(w)
	}
	return out
}
