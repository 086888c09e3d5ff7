package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"oncall/internal/sanitize"
	"oncall/internal/slo"
	"oncall/internal/slo/promslo"
)

// budget is `oncall budget`: every SLO of the context, evaluated under
// --timeout; an SLO that cannot be evaluated makes the exit 1 after the
// others are printed.
type budget struct {
	*App
	name, at string
}

func (a *App) budgetCmd() *cobra.Command {
	v := &budget{App: a}
	cmd := &cobra.Command{
		Use:   "budget",
		Short: "Show SLO error budgets and burn rates (configured SLOs plus Sloth/Pyrra ones found in Prometheus)",
		Long: `budget evaluates every SLO of the current context in Prometheus: the SLI and
the remaining error budget over the SLO window, the burn rates over 5m, 30m,
1h, 2h, 6h, 1d and 3d, and the multi-window multi-burn-rate state (page:
1h and 5m above 14.4x or 6h and 30m above 6x; ticket: 1d and 2h above 3x or
3d and 6h above 1x). SLOs come from [[contexts.NAME.slo]] in the config and
from Sloth or Pyrra recording rules; a configured SLO wins a name clash.`,
		Example: `  oncall budget
  oncall budget --slo availability -o json
  oncall budget --at 2026-03-14T09:00:00Z`,
		Args: cobra.NoArgs,
		RunE: a.runE(v),
	}
	cmd.Flags().StringVar(&v.name, "slo", "", "show only the SLO with this name")
	cmd.Flags().StringVar(&v.at, "at", "", "evaluate at this instant (RFC 3339 or Unix seconds) instead of now")
	a.addOutputFlag(cmd)
	return cmd
}

func (v *budget) run(ctx context.Context) error {
	when := time.Now()
	if v.at != "" {
		t, err := parseInstant(v.at)
		if err != nil {
			return fmt.Errorf("--at: %w", err)
		}
		when = t
	}
	ctx, cancel := v.ctx(ctx)
	defer cancel()
	results, err := v.results(ctx, when)
	if err != nil {
		return err
	}
	if v.json() {
		reports := make([]slo.Report, 0, len(results))
		for _, r := range results {
			if r.Err == nil {
				reports = append(reports, r.Status.Report())
			}
		}
		err = writeJSON(v.Stdout, reports)
	} else {
		err = v.print(results)
	}
	if err != nil {
		return err
	}
	return v.failures(results)
}

// results finds the context's SLOs and evaluates them at instant at.
func (v *budget) results(ctx context.Context, at time.Time) ([]promslo.Result, error) {
	cfg, err := v.Config()
	if err != nil {
		return nil, err
	}
	cur, err := cfg.Current()
	if err != nil {
		return nil, err
	}
	prom, err := v.prometheus()
	if err != nil {
		return nil, err
	}
	if prom == nil {
		return nil, fmt.Errorf("budget needs Prometheus, and context %q has none: set --prometheus-url, $ONCALL_PROMETHEUS_URL or [contexts.%s.prometheus] url", cfg.CurrentContext, cfg.CurrentContext)
	}
	configured := promslo.FromConfig(cur.SLO)
	defs, derr := promslo.WithDiscovered(ctx, prom.API, configured, at)
	if derr != nil {
		if len(configured) == 0 {
			return nil, fmt.Errorf("no SLO configured for context %q, and discovering Sloth/Pyrra SLOs failed: %w", cfg.CurrentContext, derr)
		}
		v.warnf("SLO discovery failed, showing configured SLOs only: %s", derr)
	}
	if len(defs) == 0 {
		return nil, promslo.NoSLOError(cfg.CurrentContext)
	}
	if v.name != "" {
		var names []string
		var picked []slo.Definition
		for _, d := range defs {
			names = append(names, d.Name)
			if d.Name == v.name {
				picked = append(picked, d)
			}
		}
		if len(picked) == 0 {
			return nil, fmt.Errorf("no SLO named %q in context %q (known: %s)", v.name, cfg.CurrentContext, strings.Join(names, ", "))
		}
		defs = picked
	}
	results := promslo.EvaluateAll(ctx, prom.API, defs, at)
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("evaluating SLOs timed out after %s (raise --timeout)", v.timeout)
	}
	return results, nil
}

// failures warns about each SLO that could not be evaluated and turns them
// into the command's error (exit 1), after the others printed.
func (v *budget) failures(results []promslo.Result) error {
	var failed []string
	for _, r := range results {
		if r.Err != nil {
			failed = append(failed, r.Def.Name)
			v.warnf("%s", r.Err)
		}
	}
	switch len(failed) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("SLO %s could not be evaluated (see the warning above)", failed[0])
	}
	return fmt.Errorf("%d SLOs could not be evaluated: %s", len(failed), strings.Join(failed, ", "))
}

// print prints one row per SLO, then each one's sentence.
func (v *budget) print(results []promslo.Result) error {
	header := []string{"SLO", "OBJECTIVE", "WINDOW", "SLI", "BUDGET LEFT", "TIME LEFT"}
	windows := slo.BurnWindows()
	for _, w := range windows {
		header = append(header, slo.WindowLabel(w))
	}
	header = append(header, "STATE", "SOURCE")
	t := newTable(v.Stdout, header...)
	for _, r := range results {
		d := r.Def
		cells := []string{d.Name, strconv.FormatFloat(d.Objective, 'f', -1, 64) + "%", slo.FormatWindow(d.EffectiveWindow())}
		if r.Err != nil {
			for range 3 + len(windows) {
				cells = append(cells, "-")
			}
			t.row(append(cells, "error", sourceOf(d))...)
			continue
		}
		st := r.Status
		cells = append(cells, strconv.FormatFloat(st.SLI*100, 'f', 4, 64)+"%", slo.Percent(st.BudgetRemaining), slo.HumanDuration(st.BudgetRemainingTime))
		for _, w := range windows {
			b, ok := st.BurnRates[slo.WindowLabel(w)]
			if !ok {
				cells = append(cells, "-")
				continue
			}
			cells = append(cells, strconv.FormatFloat(b, 'f', 2, 64))
		}
		t.row(append(cells, string(st.State), sourceOf(d))...)
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintln(v.Stdout)
	for _, r := range results {
		if r.Err == nil {
			fmt.Fprintf(v.Stdout, "%s: %s\n", sanitize.Line(r.Def.Name), sanitize.Line(r.Status.Sentence()))
		}
	}
	return nil
}

func sourceOf(d slo.Definition) string {
	if d.Source == "" {
		return slo.SourceConfig
	}
	return d.Source
}

// parseInstant accepts RFC 3339 or Unix seconds.
func parseInstant(s string) (time.Time, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 (2026-03-14T09:00:00Z) nor Unix seconds", s)
	}
	return t, nil
}
