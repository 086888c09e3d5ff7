package cli

import (
	"context"
	"strings"
	"sync"

	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/alerts"
	"oncall/sources/alertmanager"
	"oncall/sources/loki"
	"oncall/sources/prometheus"
)

// state is what fetch read: alerts (with their silences and acks),
// silences, and the alerting rules (Prometheus's, then Loki's ruler's).
type state struct {
	alerts   []*alerts.Alert
	silences []*alerts.Silence
	rules    map[string][]v1.AlertingRule
	// warns are the failures of the silences, of Prometheus and of the
	// ruler: the alerts are shown without them.
	warns []error
}

// fetch reads alerts and silences from Alertmanager and, when configured,
// pending alerts and rules from Prometheus and from Loki's ruler, all in
// parallel; am, prom or ruler may be nil. filter (Alertmanager matchers)
// is pushed down to Alertmanager and applied to the pending alerts. Only
// the alerts of Alertmanager are an error (Alertmanager is the truth); the
// state is built without them.
func fetch(ctx context.Context, am *alertmanager.Client, prom *prometheus.Client, ruler *loki.Ruler, filter []string) (state, error) {
	var (
		wg                                   sync.WaitGroup
		amA                                  models.GettableAlerts
		amS                                  models.GettableSilences
		pA, lA                               []v1.Alert
		lR                                   map[string][]v1.AlertingRule
		s                                    state
		errA, errS, errP, errR, errLA, errLR error
	)
	if am != nil {
		wg.Go(func() { amA, errA = am.Alerts(ctx, filter) })
		wg.Go(func() { amS, errS = am.Silences(ctx, nil) })
	}
	if prom != nil {
		wg.Go(func() { pA, errP = prom.Alerts(ctx) })
		wg.Go(func() { s.rules, errR = prom.AlertingRules(ctx) })
	}
	if ruler != nil {
		wg.Go(func() { lA, errLA = ruler.Alerts(ctx) })
		wg.Go(func() { lR, errLR = ruler.AlertingRules(ctx) })
	}
	wg.Wait()
	for _, e := range []error{errS, errP, errR, errLA, errLR} {
		if e != nil {
			s.warns = append(s.warns, e)
		}
	}
	if len(filter) > 0 {
		if ms, err := alerts.ParseMatchers(strings.Join(filter, ",")); err == nil {
			keep := func(as []v1.Alert) []v1.Alert {
				kept := as[:0]
				for _, p := range as {
					if ms.Matches(p.Labels) {
						kept = append(kept, p)
					}
				}
				return kept
			}
			pA, lA = keep(pA), keep(lA)
		}
	}
	s.alerts, s.silences = alerts.BuildAll(alerts.Inputs{AM: amA, Silences: amS, Prom: pA, Rules: s.rules, RulerAlerts: lA, RulerRules: lR})
	for n, r := range lR {
		if s.rules == nil {
			s.rules = map[string][]v1.AlertingRule{}
		}
		s.rules[n] = append(s.rules[n], r...)
	}
	return s, errA
}
