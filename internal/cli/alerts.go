package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"oncall/internal/alerts"
	"oncall/internal/timefmt"
)

// alertsVerb is `oncall alerts`.
type alertsVerb struct {
	*App
	filter []string
	sortBy string
}

func (a *App) alertsCmd() *cobra.Command {
	v := &alertsVerb{App: a}
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "List alerts (Alertmanager, plus pending alerts and rules from Prometheus and Loki's ruler)",
		Example: `  oncall alerts
  oncall alerts --filter 'severity="critical"' --filter 'service=~"api.*"' -o json`,
		Args: cobra.NoArgs,
		RunE: a.runE(v),
	}
	cmd.Flags().StringArrayVarP(&v.filter, "filter", "f", nil, "Alertmanager matchers, e.g. 'severity=\"critical\"' (repeatable; pushed down to the server)")
	cmd.Flags().StringVar(&v.sortBy, "sort", "severity", "sort by severity, age, name or state")
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
	st, err := fetch(ctx, am, prom, v.ruler(""), matchers)
	if err != nil {
		return err
	}
	for _, w := range st.warns {
		v.warnf("%s", w)
	}
	as := st.alerts
	alerts.Sort(as, alerts.SortKey(v.sortBy))
	if v.json() {
		if as == nil {
			as = []*alerts.Alert{}
		}
		return writeJSON(v.Stdout, as)
	}
	return v.print(as)
}

func (v *alertsVerb) print(as []*alerts.Alert) error {
	now := time.Now()
	t := newTable(v.Stdout, "SEVERITY", "STATE", "ALERT", "AGE", "SUMMARY", "LABELS")
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
		t.row(al.Severity(), state, al.Name(), timefmt.Ago(al.Since(), now), al.Summary(), strings.Join(ls, ","))
	}
	return t.flush()
}
