package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"oncall/internal/alerts"
	"oncall/internal/timefmt"
)

func (a *App) alertsCmd() *cobra.Command {
	var filter []string
	var sortBy string
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "List alerts (Alertmanager, plus pending alerts from Prometheus)",
		Example: `  oncall alerts
  oncall alerts --filter 'severity="critical"' --filter 'service=~"api.*"' -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkOutput(); err != nil {
				return err
			}
			var matchers []string
			for _, f := range filter {
				ms, err := alerts.ParseMatchers(f)
				if err != nil {
					return fmt.Errorf("--filter %q: %v", f, err)
				}
				for _, m := range ms {
					matchers = append(matchers, m.String())
				}
			}
			am, err := a.Alertmanager()
			if err != nil {
				return err
			}
			prom, err := a.Prometheus()
			if err != nil {
				return err
			}
			ctx, cancel := a.ctx(cmd.Context())
			defer cancel()
			as, _, warns, err := snapshot(ctx, am, prom, matchers)
			if err != nil {
				return err
			}
			for _, w := range warns {
				fmt.Fprintf(a.Stderr, "oncall: warning: %s\n", oneLine(w.Error()))
			}
			alerts.Sort(as, alerts.SortKey(sortBy))
			if a.output == "json" {
				if as == nil {
					as = []*alerts.Alert{}
				}
				return writeJSON(a.Stdout, as)
			}
			return printAlerts(a, as)
		},
	}
	cmd.Flags().StringArrayVarP(&filter, "filter", "f", nil, "Alertmanager matchers, e.g. 'severity=\"critical\"' (repeatable; pushed down to the server)")
	cmd.Flags().StringVar(&sortBy, "sort", "severity", "sort by severity, age, name or state")
	a.addOutputFlag(cmd)
	return cmd
}

func printAlerts(a *App, as []*alerts.Alert) error {
	now := time.Now()
	t := newTable(a.Stdout, "SEVERITY", "STATE", "ALERT", "AGE", "SUMMARY", "LABELS")
	for _, al := range as {
		state := string(al.State)
		if al.Ack != nil {
			state = fmt.Sprintf("acked by %s %s ago", al.Ack.By, timefmt.Ago(al.Ack.At, now))
		}
		var ls []string
		for k, v := range al.Labels {
			if k != "alertname" && k != "severity" {
				ls = append(ls, k+"="+v)
			}
		}
		sortStrings(ls)
		t.row(al.Severity(), state, al.Name(), timefmt.Ago(al.Since(), now), al.Summary(), strings.Join(ls, ","))
	}
	return t.flush()
}
