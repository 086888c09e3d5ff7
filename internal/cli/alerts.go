package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"oncall/internal/alerts"
	"oncall/internal/history"
	"oncall/internal/timefmt"
)

// alertsVerb is `oncall alerts`.
type alertsVerb struct {
	*App
	filter  []string
	sortBy  string
	history bool
}

func (a *App) alertsCmd() *cobra.Command {
	v := &alertsVerb{App: a}
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "List alerts (Alertmanager, plus pending alerts and rules from Prometheus and Loki's ruler)",
		Example: `  oncall alerts
  oncall alerts --filter 'severity="critical"' --filter 'service=~"api.*"' -o json
  oncall alerts --history --sort episodes`,
		Args: cobra.NoArgs,
		RunE: a.runE(v),
	}
	cmd.Flags().StringArrayVarP(&v.filter, "filter", "f", nil, "Alertmanager matchers, e.g. 'severity=\"critical\"' (repeatable; pushed down to the server)")
	cmd.Flags().StringVar(&v.sortBy, "sort", "severity", "sort by severity, age, name, state or episodes (firing episodes in 24h, most first; reads the history)")
	cmd.Flags().BoolVar(&v.history, "history", false, "add each alert's firing history from Prometheus' ALERTS: episodes in 24h and 7d, last fired, last resolved, flapping")
	a.addOutputFlag(cmd)
	return cmd
}

func (v *alertsVerb) run(ctx context.Context) error {
	ms, err := parseMatchers("--filter", v.filter)
	if err != nil {
		return err
	}
	var matchers []string
	for _, m := range ms {
		matchers = append(matchers, m.String())
	}
	cs, err := v.watched(true)
	if err != nil {
		return err
	}
	ctx, cancel := v.ctx(ctx)
	defer cancel()
	st, err := fetchWatched(ctx, cs, matchers)
	if err != nil {
		return err
	}
	for _, w := range st.warns {
		v.warnf("%s", w)
	}
	as := st.alerts
	if v.sortBy == string(alerts.SortEpisodes) {
		v.history = true
	}
	sums, err := v.histories(ctx, cs, as)
	if err != nil {
		return err
	}
	alerts.SortBy(as, alerts.SortKey(v.sortBy), func(a *alerts.Alert) int { return sums[a].Episodes24h })
	if v.json() {
		if !v.history {
			if as == nil {
				as = []*alerts.Alert{}
			}
			return writeJSON(v.Stdout, as)
		}
		out := make([]alertWithHistory, 0, len(as))
		for _, a := range as {
			sum := sums[a]
			out = append(out, alertWithHistory{Alert: a, History: &sum})
		}
		return writeJSON(v.Stdout, out)
	}
	return v.print(as, sums, len(cs) > 1)
}

// histories reads each watched context's ALERTS history from its own
// Prometheus, in parallel, and summarises every alert from its cluster's
// (nil unless --history).
func (v *alertsVerb) histories(ctx context.Context, cs []clients, as []*alerts.Alert) (map[*alerts.Alert]history.Summary, error) {
	if !v.history {
		return nil, nil
	}
	cfg, err := v.Config()
	if err != nil {
		return nil, err
	}
	sets := make([]*history.Set, len(cs))
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	now := time.Now()
	for i, c := range cs {
		if c.prom == nil {
			errs[i] = fmt.Errorf("context %s has no Prometheus to read ALERTS from (set --prometheus-url, $ONCALL_PROMETHEUS_URL or [contexts.%s.prometheus] url)", c.name, c.name)
			continue
		}
		wg.Go(func() { sets[i], errs[i] = history.FetchWeek(ctx, c.prom, now) })
	}
	wg.Wait()
	byCluster := map[string]*history.Set{}
	for i, c := range cs {
		if errs[i] != nil {
			if len(cs) == 1 {
				return nil, fmt.Errorf("--history: %w", errs[i])
			}
			v.warnf("%s: --history: %s", c.name, errs[i])
			continue
		}
		byCluster[c.name] = sets[i]
	}
	sums := make(map[*alerts.Alert]history.Summary, len(as))
	for _, a := range as {
		if set := byCluster[a.Cluster]; set != nil {
			sums[a] = set.Summary(a.Labels, cfg.Alerts.FlappingEpisodes)
		}
	}
	return sums, nil
}

// alertWithHistory is an alert of `alerts --history -o json`: the alert's
// fields and its "history" (history.Summary).
type alertWithHistory struct {
	*alerts.Alert
	History *history.Summary `json:"history"`
}

func (v *alertsVerb) print(as []*alerts.Alert, sums map[*alerts.Alert]history.Summary, multi bool) error {
	now := time.Now()
	head := []string{"SEVERITY", "STATE", "ALERT", "AGE", "SUMMARY", "LABELS"}
	if sums != nil {
		head = []string{"SEVERITY", "STATE", "ALERT", "AGE", "EPISODES 24H/7D", "LAST FIRED", "LAST 24H", "SUMMARY", "LABELS"}
	}
	if multi {
		head = append([]string{"CLUSTER"}, head...)
	}
	t := newTable(v.Stdout, head...)
	for _, al := range as {
		state := string(al.State)
		if al.Ack != nil {
			state = fmt.Sprintf("acked by %s %s ago", al.Ack.By, timefmt.Ago(al.Ack.At, now))
		}
		var ls []string
		for k, val := range al.Labels {
			if k != "alertname" && k != "severity" {
				ls = append(ls, k+"="+val)
			}
		}
		sort.Strings(ls)
		summary := al.Summary()
		if al.Rule != nil && al.Rule.Source == alerts.SourceLoki {
			summary = "[log] " + summary // a log-based alert, as the list marks it
		}
		cells := []string{al.Severity(), state, al.Name(), timefmt.Ago(al.Since(), now), summary, strings.Join(ls, ",")}
		if sums != nil {
			sum := sums[al]
			eps := fmt.Sprintf("%d/%d", sum.Episodes24h, sum.Episodes7d)
			if sum.Flapping {
				eps += " flapping"
			}
			fired := "-"
			if sum.LastFired != nil {
				fired = timefmt.Ago(*sum.LastFired, now) + " ago"
			}
			cells = []string{al.Severity(), state, al.Name(), timefmt.Ago(al.Since(), now), eps, fired, sum.Hourly.String(), summary, strings.Join(ls, ",")}
		}
		if multi {
			cells = append([]string{al.Cluster}, cells...)
		}
		t.row(cells...)
	}
	return t.flush()
}
