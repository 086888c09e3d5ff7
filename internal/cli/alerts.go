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
	alerts.Sort(as, alerts.SortKey(v.sortBy))
	if v.json() {
		if as == nil {
			as = []*alerts.Alert{}
		}
		return writeJSON(v.Stdout, as)
	}
	return v.print(as, len(cs) > 1)
}

func (v *alertsVerb) print(as []*alerts.Alert, multi bool) error {
	now := time.Now()
	head := []string{"SEVERITY", "STATE", "ALERT", "AGE", "SUMMARY", "LABELS"}
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
		cells := []string{al.Severity(), state, al.Name(), timefmt.Ago(al.Since(), now), al.Summary(), strings.Join(ls, ",")}
		if multi {
			cells = append([]string{al.Cluster}, cells...)
		}
		t.row(cells...)
	}
	return t.flush()
}
