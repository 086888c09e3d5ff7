package cli

import (
	"context"
	"strings"
	"sync"

	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/alerts"
	"oncall/sources/alertmanager"
	"oncall/sources/prometheus"
)

// state is what fetch read: alerts (with their silences and acks),
// silences, and Prometheus's alerting rules.
type state struct {
	alerts   []*alerts.Alert
	silences []*alerts.Silence
	rules    map[string][]v1.AlertingRule
	// warns are the failures of the silences and of Prometheus: the
	// alerts are shown without them.
	warns []error
}

// fetch reads alerts and silences from Alertmanager and, when configured,
// pending alerts and rules from Prometheus, all in parallel; am or prom may
// be nil. filter (Alertmanager matchers) is pushed down to Alertmanager
// and applied to the pending alerts. Only the alerts of Alertmanager are
// an error (Alertmanager is the truth); the state is built without them.
func fetch(ctx context.Context, am *alertmanager.Client, prom *prometheus.Client, filter []string) (state, error) {
	var (
		wg                     sync.WaitGroup
		amA                    models.GettableAlerts
		amS                    models.GettableSilences
		pA                     []v1.Alert
		s                      state
		errA, errS, errP, errR error
	)
	if am != nil {
		wg.Go(func() { amA, errA = am.Alerts(ctx, filter) })
		wg.Go(func() { amS, errS = am.Silences(ctx, nil) })
	}
	if prom != nil {
		wg.Go(func() { pA, errP = prom.Alerts(ctx) })
		wg.Go(func() { s.rules, errR = prom.AlertingRules(ctx) })
	}
	wg.Wait()
	for _, e := range []error{errS, errP, errR} {
		if e != nil {
			s.warns = append(s.warns, e)
		}
	}
	if len(filter) > 0 && pA != nil {
		if ms, err := alerts.ParseMatchers(strings.Join(filter, ",")); err == nil {
			kept := pA[:0]
			for _, p := range pA {
				if ms.Matches(p.Labels) {
					kept = append(kept, p)
				}
			}
			pA = kept
		}
	}
	s.alerts, s.silences = alerts.Build(amA, amS, pA, s.rules)
	return s, errA
}
