package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
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
		Short: "List alerts (Alertmanager, plus pending alerts from Prometheus)",
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
	am, err := v.alertmanager()
	if err != nil {
		return err
	}
	prom, err := v.prometheus()
	if err != nil {
		return err
	}
	ctx, cancel := v.ctx(ctx)
	defer cancel()
	st, err := fetch(ctx, am, prom, matchers)
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
	var sums map[*alerts.Alert]history.Summary
	if v.history {
		if prom == nil {
			return errors.New("--history reads Prometheus' ALERTS: no Prometheus configured (set --prometheus-url, $ONCALL_PROMETHEUS_URL or [contexts.X.prometheus] url)")
		}
		set, err := history.FetchWeek(ctx, prom, time.Now())
		if err != nil {
			return fmt.Errorf("--history: %w", err)
		}
		cfg, err := v.Config()
		if err != nil {
			return err
		}
		sums = make(map[*alerts.Alert]history.Summary, len(as))
		for _, a := range as {
			sums[a] = set.Summary(a.Labels, cfg.Alerts.FlappingEpisodes)
		}
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
	return v.print(as, sums)
}

// alertWithHistory is an alert of `alerts --history -o json`: the alert's
// fields and its "history" (history.Summary).
type alertWithHistory struct {
	*alerts.Alert
	History *history.Summary `json:"history"`
}

func (v *alertsVerb) print(as []*alerts.Alert, sums map[*alerts.Alert]history.Summary) error {
	now := time.Now()
	header := []string{"SEVERITY", "STATE", "ALERT", "AGE", "SUMMARY", "LABELS"}
	if sums != nil {
		header = []string{"SEVERITY", "STATE", "ALERT", "AGE", "EPISODES 24H/7D", "LAST FIRED", "LAST 24H", "SUMMARY", "LABELS"}
	}
	t := newTable(v.Stdout, header...)
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
		if sums == nil {
			t.row(al.Severity(), state, al.Name(), timefmt.Ago(al.Since(), now), al.Summary(), strings.Join(ls, ","))
			continue
		}
		sum := sums[al]
		eps := fmt.Sprintf("%d/%d", sum.Episodes24h, sum.Episodes7d)
		if sum.Flapping {
			eps += " flapping"
		}
		fired := "-"
		if sum.LastFired != nil {
			fired = timefmt.Ago(*sum.LastFired, now) + " ago"
		}
		t.row(al.Severity(), state, al.Name(), timefmt.Ago(al.Since(), now), eps, fired, sum.Hourly.String(), al.Summary(), strings.Join(ls, ","))
	}
	return t.flush()
}
