package cli

import (
	"context"
	"errors"
	"fmt"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/logview"
	"oncall/internal/traceid"
	"oncall/internal/wire"
	"oncall/sources/alertmanager"
	"oncall/sources/loki"
)

// logs is `oncall logs`: the lines of one LogQL query, built from
// --query, --alert or --trace, over a window, optionally followed live.
type logs struct {
	*App
	query, alert, trace string
	win                 window
	limit, batch        int
	errors, tail        bool
	forward, whole      bool
	orgID, format       string
}

// window is the time flags every logs command shares: --since, or
// --from/--to (RFC3339).
type window struct {
	since      time.Duration
	sinceSet   bool
	from, to   string
	start, end time.Time
	explicit   bool // --since or --from was given
}

func (w *window) flags(f interface {
	DurationVar(*time.Duration, string, time.Duration, string)
	StringVar(*string, string, string, string)
}) {
	f.DurationVar(&w.since, "since", time.Hour, "how far back to look (with --alert: overrides the alert's window)")
	f.StringVar(&w.from, "from", "", "start of the window, RFC3339 (e.g. 2026-11-26T03:00:00Z); instead of --since")
	f.StringVar(&w.to, "to", "", "end of the window, RFC3339 (default now)")
}

// resolve reads the flags into start and end.
func (w *window) resolve(now time.Time) error {
	if w.since <= 0 {
		return errors.New("logs: --since must be positive")
	}
	if w.sinceSet && w.from != "" {
		return errors.New("logs: give --since or --from, not both")
	}
	w.end = now
	if w.to != "" {
		t, err := time.Parse(time.RFC3339, w.to)
		if err != nil {
			return fmt.Errorf("logs: --to %q is not an RFC3339 time (e.g. 2026-11-26T03:30:00Z)", w.to)
		}
		w.end = t
	}
	w.start = w.end.Add(-w.since)
	if w.from != "" {
		t, err := time.Parse(time.RFC3339, w.from)
		if err != nil {
			return fmt.Errorf("logs: --from %q is not an RFC3339 time (e.g. 2026-11-26T03:00:00Z)", w.from)
		}
		w.start = t
	}
	if !w.start.Before(w.end) {
		return fmt.Errorf("logs: the window %s → %s is empty: --from must be before --to", w.start.Format(time.RFC3339), w.end.Format(time.RFC3339))
	}
	w.explicit = w.sinceSet || w.from != ""
	return nil
}

func (a *App) logsCmd() *cobra.Command {
	v := &logs{App: a}
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Print log lines from Loki for a LogQL query, an alert or a trace id",
		Long: `logs prints the lines of one LogQL query, oldest first.

  --query   any LogQL log query
  --alert   an alert's logs (its fingerprint or alertname, looked up in
            Alertmanager and Loki's ruler). For a log-based alert, the
            lines that fired it: the rule's log query narrowed to the
            alert's labels, over the rule's range before it became active.
            Otherwise, or with --whole-service, its service's logs: the
            selector of [loki] alert_selector, or its service/job label
            matched to the streams' service_name, service, app or job
            label, from 5m before the alert
  --trace   every line that contains the trace id, across services:
            [loki] trace_selector |= "<id>"

The window is --since before now, or --from/--to (RFC3339). More lines
than one Loki query may return are fetched in batches; with a --limit the
newest lines are kept (--forward: the oldest), and stderr says which end
was left out. --errors keeps errors and warnings with the cheapest filter
the streams allow (a level stream label, Loki 3's detected_level, else a
line filter). --tail (-f) then follows new lines live; a reconnection is
marked on stderr with how its gap was filled.

Output: -o table (time, service, level, the line made readable), raw (the
lines as they are, control characters escaped) or jsonl (one JSON object a
line with ts, labels, line, traceID and spanID; json is an alias).`,
		Example: `  oncall logs --query '{service_name="api-gateway"} |= "timeout"' --since 30m
  oncall logs --query '{app="api"}' --from 2026-11-26T03:00:00Z --to 2026-11-26T03:30:00Z --forward -o raw
  oncall logs --alert DatabaseTooManyClients         # the lines that fired a log-based alert
  oncall logs --alert APIDown --errors -f
  oncall logs --trace 4bf92f3577b34da6a3ce929d0e0e4736 -o jsonl
  oncall logs labels
  oncall logs labels service_name --since 6h`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v.win.sinceSet = cmd.Flags().Changed("since")
			return a.exec(cmd, v)
		},
	}
	f := cmd.Flags()
	f.StringVar(&v.query, "query", "", "LogQL log query")
	f.StringVar(&v.alert, "alert", "", "an alert's fingerprint or alertname: show its logs")
	f.StringVar(&v.trace, "trace", "", "a trace id: show its lines across services")
	v.win.flags(f)
	f.IntVar(&v.limit, "limit", 1000, "at most this many lines (the newest are kept; --forward: the oldest)")
	f.IntVar(&v.batch, "batch", logview.DefaultBatch, "lines per request; keep it below Loki's max_entries_limit_per_query")
	f.BoolVar(&v.errors, "errors", false, "errors and warnings only (the filter of the logs screen's e)")
	f.BoolVarP(&v.tail, "tail", "f", false, "after the window, follow new lines live until interrupted")
	f.BoolVar(&v.forward, "forward", false, "read the window from its start: with --limit the oldest lines are kept")
	f.BoolVar(&v.whole, "whole-service", false, "with --alert: the service's whole log, even for a log-based alert")
	f.StringVar(&v.orgID, "org-id", "", "Loki tenant (X-Scope-OrgID) for this command, instead of [loki] tenant")
	f.StringVarP(&v.format, "output", "o", "table", "output format: table, raw or jsonl (json is an alias of jsonl)")
	cmd.AddCommand(a.logsLabelsCmd())
	return cmd
}

// checkFormat validates -o; json is jsonl.
func checkFormat(f string) (string, error) {
	switch f {
	case "", "table":
		return "table", nil
	case "raw", "jsonl":
		return f, nil
	case "json":
		return "jsonl", nil
	}
	return "", fmt.Errorf("logs: unknown output format %q: use table, raw or jsonl", f)
}

func (v *logs) run(ctx context.Context) error {
	n := 0
	for _, s := range []string{v.query, v.alert, v.trace} {
		if strings.TrimSpace(s) != "" {
			n++
		}
	}
	if n != 1 {
		return errors.New("logs: give exactly one of --query, --alert or --trace")
	}
	if v.limit <= 0 || v.batch <= 0 {
		return errors.New("logs: --limit and --batch must be positive")
	}
	if v.whole && v.alert == "" {
		return errors.New("logs: --whole-service goes with --alert")
	}
	format, err := checkFormat(v.format)
	if err != nil {
		return err
	}
	if err := v.win.resolve(time.Now()); err != nil {
		return err
	}
	cfg, err := v.Config()
	if err != nil {
		return err
	}
	c, err := wire.LokiAs(cfg, v.orgID)
	if err != nil {
		return err
	}
	cur, _ := cfg.Current() // wire.Loki checked it
	x, err := traceid.NewExtractor(cur.Loki.TraceRegex)
	if err != nil {
		return fmt.Errorf("[contexts.%s.loki] trace_regex: %w", cfg.CurrentContext, err)
	}
	b := logview.NewBuilder(x, time.Local).WithFormatter(logview.NewFormatter(cur.Loki.HideFields))
	if v.tail {
		// the window under --timeout, then the tail until interrupted
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
		defer stop()
	}
	lctx, cancel := v.ctx(ctx)
	defer cancel()
	load, keep, err := v.load(lctx, c, cur.Loki)
	if err != nil {
		return err
	}
	out, err := load.Run(lctx, c, b)
	if err != nil {
		if out.Hint != "" {
			return fmt.Errorf("%w; %s", err, out.Hint)
		}
		return err
	}
	rows := out.Rows
	if keep != nil {
		rows = keepRows(rows, keep)
	}
	v.report(load, out, len(rows))
	w := newLogWriter(v.Stdout, format, rows)
	if err := w.write(rows); err != nil {
		return err
	}
	if !v.tail {
		return nil
	}
	from := load.End
	if len(out.Rows) > 0 {
		from = out.Rows[len(out.Rows)-1].Time.Add(time.Nanosecond)
	}
	return v.follow(ctx, c, b, load.Query, from, keep, w)
}

// report says on stderr what was sent and how it went: the query, the
// window, the lines with their time and requests, the limits worked
// around, and which end of the window a limit cut.
func (v *logs) report(load logview.Load, out logview.Loaded, n int) {
	f := out.Fetch
	took := ""
	if f != nil {
		took = fmt.Sprintf(" in %s", f.Elapsed.Round(time.Millisecond))
		if f.Requests > 1 {
			took += fmt.Sprintf(" (%d requests)", f.Requests)
		}
	}
	v.notef("%s · %s → %s · %d lines%s", load.Query, load.Start.Local().Format("15:04:05"), load.End.Local().Format("15:04:05"), n, took)
	if f == nil {
		return
	}
	for _, note := range f.Limits.Notes() {
		v.notef("%s", note)
	}
	if out.Capped {
		switch f.Cut {
		case loki.CutNewest:
			v.warnf("--limit %d reached: lines after %s left out (--forward keeps the oldest)", v.limit, f.Reached.Local().Format(time.DateTime))
		default:
			v.warnf("--limit %d reached: lines before %s left out (the newest are kept; --forward keeps the oldest)", v.limit, f.Reached.Local().Format(time.DateTime))
		}
	}
}

func keepRows(rows []logview.Row, keep func(*logview.Row) bool) []logview.Row {
	out := rows[:0]
	for i := range rows {
		if keep(&rows[i]) {
			out = append(out, rows[i])
		}
	}
	return out
}

// load is the query and window of the flags: --query as given, --alert's
// from the alert (the lines that fired a log-based alert, else its
// service's), --trace's selector; with --errors the planner's form. keep
// refines the rows of a line-filter errors plan.
func (v *logs) load(ctx context.Context, c *loki.Client, l config.Loki) (logview.Load, func(*logview.Row) bool, error) {
	load := logview.Load{Query: strings.TrimSpace(v.query), Start: v.win.start, End: v.win.end, Max: v.limit, Batch: v.batch}
	if v.forward {
		load.Direction = loki.Forward
	}
	var err error
	switch {
	case v.alert != "":
		var start time.Time
		if load.Query, start, err = v.alertQuery(ctx, c, l.AlertSelector, v.win.end); err != nil {
			return load, nil, err
		}
		if !v.win.explicit {
			load.Start = start
		}
	case v.trace != "":
		load.Query, err = traceLogQuery(ctx, c, l.TraceSelector, v.trace, load.Start, load.End)
	}
	if err != nil || !v.errors {
		return load, nil, err
	}
	plan, err := logview.NewPlanner(c, logview.PlannerOptions{}).ErrorQuery(ctx, load.Query, load.Start, load.End)
	if err != nil {
		return load, nil, err
	}
	load.Query = plan.Query
	v.notef("%s", plan.Why)
	if plan.Source == logview.FromLineFilter {
		return load, plan.Keep, nil
	}
	return load, nil, nil
}

// alertQuery finds the alert by fingerprint or name in Alertmanager and
// Loki's ruler (its pending alerts too) and returns its log query and
// window start: a log-based alert's rule query (logview.ForRule) unless
// --whole-service, else its service's selector. Several alerts of one
// name are fine when they give the same query (the earliest start wins).
func (v *logs) alertQuery(ctx context.Context, c *loki.Client, tmplSrc string, now time.Time) (string, time.Time, error) {
	ref := v.alert
	tmpl, err := logview.ParseSelectorTemplate(tmplSrc)
	if err != nil {
		return "", time.Time{}, err
	}
	cfg, err := v.Config()
	if err != nil {
		return "", time.Time{}, err
	}
	cur, _ := cfg.Current()
	var am *alertmanager.Client
	if len(cur.Alertmanager.URLs) > 0 {
		if am, err = v.alertmanager(); err != nil {
			return "", time.Time{}, err
		}
	}
	ruler := v.ruler(v.orgID)
	if am == nil && ruler == nil {
		return "", time.Time{}, fmt.Errorf("--alert needs an Alertmanager or Loki's ruler: set [contexts.%s.alertmanager] urls", cfg.CurrentContext)
	}
	st, err := fetch(ctx, am, nil, ruler, nil)
	if err != nil {
		return "", time.Time{}, err
	}
	for _, w := range st.warns {
		v.warnf("%s", w)
	}
	var found []*alerts.Alert
	for _, al := range st.alerts {
		if al.Fingerprint == ref || al.Name() == ref {
			found = append(found, al)
		}
	}
	if len(found) == 0 {
		return "", time.Time{}, fmt.Errorf("no alert with fingerprint or alertname %q in Alertmanager or Loki's ruler", ref)
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Since().Before(found[j].Since()) })
	var q string
	var start time.Time
	for i, al := range found {
		aq, as, err := v.oneAlert(ctx, c, tmpl, al, now)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("alert %s (%s): %w", al.Name(), al.Fingerprint, err)
		}
		if i > 0 && aq != q {
			var fps []string
			for _, f := range found {
				fps = append(fps, f.Fingerprint)
			}
			return "", time.Time{}, fmt.Errorf("alertname %q matches %d alerts with different log queries: pass one fingerprint (%s)", ref, len(found), strings.Join(fps, ", "))
		}
		if i == 0 {
			q, start = aq, as
		}
	}
	return q, start, nil
}

// oneAlert is one alert's log query and window start.
func (v *logs) oneAlert(ctx context.Context, c *loki.Client, tmpl *logview.SelectorTemplate, al *alerts.Alert, now time.Time) (string, time.Time, error) {
	if logview.IsLogAlert(al) && !v.whole {
		rl, err := logview.ForRule(ctx, c, al, now)
		if err == nil {
			v.notef("%s (--whole-service: the service's whole log)", rl.Why)
			return rl.Query, rl.Start, nil
		}
		v.warnf("%s: the service's whole log is shown", err)
	}
	start, end := logview.AlertWindow(al.Since(), now)
	sel, err := logview.ResolveSelector(ctx, c, tmpl, al.Labels, start, end)
	if err != nil && logview.IsLogAlert(al) {
		if rl, rerr := logview.ForRule(ctx, nil, al, now); rerr == nil {
			v.notef("the rule's stream selector: no alert_selector fits this alert's labels")
			return logview.SelectorOf(rl.Query), start, nil
		}
	}
	return sel, start, err
}

// traceLogQuery is trace_selector |= "<id>" (without a trace_selector:
// every stream with a service label).
func traceLogQuery(ctx context.Context, c *loki.Client, selector, id string, start, end time.Time) (string, error) {
	id, err := logview.NormTraceID(id)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(selector) == "" {
		known, err := c.Labels(ctx, start, end)
		if err != nil {
			return "", err
		}
		if selector, err = logview.DefaultTraceSelector(known); err != nil {
			return "", err
		}
	}
	return logview.TraceQuery(selector, id), nil
}
