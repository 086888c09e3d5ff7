package cli

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/alerts"
	"oncall/internal/wire"
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
// pending alerts and rules from Prometheus, all in parallel; am or prom may
// be nil. filter (Alertmanager matchers) is pushed down to Alertmanager
// and applied to the pending alerts. Only the alerts of Alertmanager are
// an error (Alertmanager is the truth); the state is built without them.
func fetch(ctx context.Context, am *alertmanager.Client, prom *prometheus.Client, ruler *loki.Ruler, filter []string) (state, error) {
	return fetchContext(ctx, clients{am: am, prom: prom, ruler: ruler}, filter)
}

// clients are one context's read clients (any may be nil).
type clients struct {
	name  string
	am    *alertmanager.Client
	prom  *prometheus.Client
	ruler *loki.Ruler
}

// fetchContext is fetch for one context, its Loki ruler included; the
// alerts and silences carry the context's name.
func fetchContext(ctx context.Context, c clients, filter []string) (state, error) {
	var (
		wg                     sync.WaitGroup
		amA                    models.GettableAlerts
		amS                    models.GettableSilences
		pA, lA                 []v1.Alert
		lR                     map[string][]v1.AlertingRule
		s                      state
		errA, errS, errP, errR error
		errLA, errLR           error
		am, prom               = c.am, c.prom
	)
	if am != nil {
		wg.Go(func() { amA, errA = am.Alerts(ctx, filter) })
		wg.Go(func() { amS, errS = am.Silences(ctx, nil) })
	}
	if prom != nil {
		wg.Go(func() { pA, errP = prom.Alerts(ctx) })
		wg.Go(func() { s.rules, errR = prom.AlertingRules(ctx) })
	}
	if c.ruler != nil {
		wg.Go(func() { lA, errLA = c.ruler.Alerts(ctx) })
		wg.Go(func() { lR, errLR = c.ruler.AlertingRules(ctx) })
	}
	wg.Wait()
	for _, e := range []error{errS, errP, errR, errLA, errLR} {
		if e != nil {
			s.warns = append(s.warns, e)
		}
	}
	pA, lA = keepMatching(pA, filter), keepMatching(lA, filter)
	s.alerts, s.silences = alerts.BuildAll(alerts.Inputs{Cluster: c.name, AM: amA, Silences: amS, Prom: pA, Rules: s.rules, RulerAlerts: lA, RulerRules: lR})
	if s.rules == nil && lR != nil {
		s.rules = map[string][]v1.AlertingRule{}
	}
	for n, r := range lR {
		s.rules[n] = append(s.rules[n], r...)
	}
	return s, errA
}

// keepMatching applies Alertmanager matchers to a rule source's alerts
// (Alertmanager applied them itself).
func keepMatching(as []v1.Alert, filter []string) []v1.Alert {
	if len(filter) == 0 || as == nil {
		return as
	}
	ms, err := alerts.ParseMatchers(strings.Join(filter, ","))
	if err != nil {
		return as
	}
	kept := as[:0]
	for _, p := range as {
		if ms.Matches(p.Labels) {
			kept = append(kept, p)
		}
	}
	return kept
}

// watched lists the contexts a read command covers (--context a,b,
// --all-contexts, [view] contexts, the current one) with their clients.
func (a *App) watched(needAM bool) ([]clients, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	names, err := cfg.Watched(nil, false)
	if err != nil {
		return nil, err
	}
	out := make([]clients, 0, len(names))
	for _, n := range names {
		cc := wire.ForContext(cfg, n)
		c := clients{name: n}
		cur, _ := cc.Current()
		if needAM || len(cur.Alertmanager.URLs) > 0 {
			if c.am, err = wire.Alertmanager(cc); err != nil {
				return nil, err
			}
		}
		if c.prom, err = wire.Prometheus(cc); err != nil {
			return nil, err
		}
		if cur.Loki.RulerOn() {
			lc, err := wire.Loki(cc)
			if err == nil {
				c.ruler, err = lc.Ruler()
			}
			if err != nil {
				a.warnf("%s: log-based alerts left out: %s", n, err)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// fetchWatched reads every covered context in parallel and merges them.
// One context: as fetch (its Alertmanager failing is the error). Several:
// a context whose Alertmanager fails is a warning naming it, unless every
// one fails.
func fetchWatched(ctx context.Context, cs []clients, filter []string) (state, error) {
	if len(cs) == 1 {
		return fetchContext(ctx, cs[0], filter)
	}
	states := make([]state, len(cs))
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() { states[i], errs[i] = fetchContext(ctx, c, filter) })
	}
	wg.Wait()
	var out state
	out.rules = map[string][]v1.AlertingRule{}
	failed := 0
	for i, st := range states {
		if errs[i] != nil {
			failed++
			out.warns = append(out.warns, fmt.Errorf("%s: %w", cs[i].name, errs[i]))
		}
		for _, w := range st.warns {
			out.warns = append(out.warns, fmt.Errorf("%s: %w", cs[i].name, w))
		}
		out.alerts = append(out.alerts, st.alerts...)
		out.silences = append(out.silences, st.silences...)
		for n, r := range st.rules {
			out.rules[n] = append(out.rules[n], r...)
		}
	}
	if failed == len(cs) {
		return out, errs[0]
	}
	return out, nil
}
