package cli

import (
	"context"
	"sync"

	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/alerts"
	"oncall/sources/alertmanager"
	"oncall/sources/prometheus"
)

// snapshot fetches alerts and silences from Alertmanager and, when
// configured, pending alerts and rules from Prometheus, all in parallel.
// Prometheus failures are returned as warnings: Alertmanager is the truth.
func snapshot(ctx context.Context, am *alertmanager.Client, prom *prometheus.Client, filter []string) ([]*alerts.Alert, []*alerts.Silence, []error, error) {
	var (
		wg    sync.WaitGroup
		amA   models.GettableAlerts
		amS   models.GettableSilences
		pA    []v1.Alert
		rules map[string][]v1.AlertingRule
		errA  error
		errS  error
		errP  error
		errR  error
	)
	wg.Add(2)
	go func() { defer wg.Done(); amA, errA = am.Alerts(ctx, filter) }()
	go func() { defer wg.Done(); amS, errS = am.Silences(ctx, nil) }()
	if prom != nil {
		wg.Add(2)
		go func() { defer wg.Done(); pA, errP = prom.Alerts(ctx) }()
		go func() { defer wg.Done(); rules, errR = prom.AlertingRules(ctx) }()
	}
	wg.Wait()
	if errA != nil {
		return nil, nil, nil, errA
	}
	var warns []error
	for _, e := range []error{errS, errP, errR} {
		if e != nil {
			warns = append(warns, e)
		}
	}
	if len(filter) > 0 && pA != nil {
		ms, err := alerts.ParseMatchers(joinFilter(filter))
		if err == nil {
			kept := pA[:0]
			for _, p := range pA {
				if ms.Matches(p.Labels) {
					kept = append(kept, p)
				}
			}
			pA = kept
		}
	}
	as, ss := alerts.Build(amA, amS, pA, rules)
	return as, ss, warns, nil
}

func joinFilter(f []string) string {
	out := ""
	for i, s := range f {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}
