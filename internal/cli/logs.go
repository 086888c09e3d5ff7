package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/logview"
	"oncall/internal/traceid"
	"oncall/internal/wire"
	"oncall/sources/loki"
)

// logs is `oncall logs`: the lines of one LogQL query, built from
// --query, --alert or --trace.
type logs struct {
	*App
	query, alert, trace string
	since               time.Duration
	sinceSet            bool
	limit, batch        int
}

func (a *App) logsCmd() *cobra.Command {
	v := &logs{App: a}
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Print log lines from Loki for a LogQL query, an alert or a trace id",
		Long: `logs prints the lines of one LogQL query, oldest first.

  --query   any LogQL log query
  --alert   an alert's logs: the alert (fingerprint or alertname, looked up in
            Alertmanager) is turned into a selector by [loki] alert_selector,
            or by matching its service/job label to the streams' service_name,
            service, app or job label; the window starts 5m before the alert
  --trace   every line that contains the trace id, across services:
            [loki] trace_selector |= "<id>"

More lines than one Loki query may return are fetched in batches. With
-o json every line is one JSON object (JSON Lines) with ts, labels, line,
traceID and spanID.`,
		Example: `  oncall logs --query '{service_name="api-gateway"} |= "timeout"' --since 30m
  oncall logs --alert APIDown --limit 5000
  oncall logs --trace 4bf92f3577b34da6a3ce929d0e0e4736 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v.sinceSet = cmd.Flags().Changed("since")
			return a.exec(cmd, v)
		},
	}
	f := cmd.Flags()
	f.StringVar(&v.query, "query", "", "LogQL log query")
	f.StringVar(&v.alert, "alert", "", "an alert's fingerprint or alertname: show its logs")
	f.StringVar(&v.trace, "trace", "", "a trace id: show its lines across services")
	f.DurationVar(&v.since, "since", time.Hour, "how far back to look (with --alert: overrides the alert's window)")
	f.IntVar(&v.limit, "limit", 1000, "at most this many lines (the newest are kept)")
	f.IntVar(&v.batch, "batch", logview.DefaultBatch, "lines per request; keep it below Loki's max_entries_limit_per_query")
	a.addOutputFlag(cmd)
	return cmd
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
	if v.limit <= 0 || v.batch <= 0 || v.since <= 0 {
		return errors.New("logs: --limit, --batch and --since must be positive")
	}
	cfg, err := v.Config()
	if err != nil {
		return err
	}
	c, err := wire.Loki(cfg)
	if err != nil {
		return err
	}
	cur, _ := cfg.Current() // wire.Loki checked it
	x, err := traceid.NewExtractor(cur.Loki.TraceRegex)
	if err != nil {
		return fmt.Errorf("[contexts.%s.loki] trace_regex: %w", cfg.CurrentContext, err)
	}
	ctx, cancel := v.ctx(ctx)
	defer cancel()
	load, err := v.load(ctx, c, cur.Loki)
	if err != nil {
		return err
	}
	rows, capped, err := load.Fetch(ctx, c, logview.NewBuilder(x, time.Local))
	if err != nil {
		return err
	}
	if capped {
		v.warnf("--limit %d reached: older lines of the window are left out", v.limit)
	}
	if v.json() {
		return writeLogLines(v.Stdout, rows)
	}
	v.notef("%s · %s → %s · %d lines", load.Query, load.Start.Format("15:04:05"), load.End.Format("15:04:05"), len(rows))
	t := newTable(v.Stdout, "TIME", "SERVICE", "LEVEL", "LINE")
	for _, r := range rows {
		t.row(r.Time.Format("2006-01-02 15:04:05.000"), orDash(r.Service), orDash(r.Level.String()), r.Line)
	}
	return t.flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// load is the query and window of the flags: --query as given, --alert's
// selector from the alert's labels and window, --trace's selector.
func (v *logs) load(ctx context.Context, c *loki.Client, l config.Loki) (logview.Load, error) {
	end := time.Now()
	load := logview.Load{Query: strings.TrimSpace(v.query), Start: end.Add(-v.since), End: end, Max: v.limit, Batch: v.batch}
	var err error
	switch {
	case v.alert != "":
		if load.Query, load.Start, err = v.alertQuery(ctx, c, l.AlertSelector, end); err != nil {
			return load, err
		}
		if v.sinceSet {
			load.Start = end.Add(-v.since)
		}
	case v.trace != "":
		load.Query, err = traceLogQuery(ctx, c, l.TraceSelector, v.trace, load.Start, end)
	}
	return load, err
}

// alertQuery finds the alert in Alertmanager by fingerprint or name and
// returns its log query and window start. Several alerts of one name are
// fine when they select the same streams (the earliest start wins).
func (v *logs) alertQuery(ctx context.Context, c *loki.Client, tmplSrc string, now time.Time) (string, time.Time, error) {
	ref := v.alert
	tmpl, err := logview.ParseSelectorTemplate(tmplSrc)
	if err != nil {
		return "", time.Time{}, err
	}
	am, err := v.alertmanager()
	if err != nil {
		return "", time.Time{}, err
	}
	got, err := am.Alerts(ctx, nil)
	if err != nil {
		return "", time.Time{}, err
	}
	var found []*alerts.Alert
	for _, al := range alerts.FromAlertmanager(got) {
		if al.Fingerprint == ref || al.Name() == ref {
			found = append(found, al)
		}
	}
	if len(found) == 0 {
		return "", time.Time{}, fmt.Errorf("no alert with fingerprint or alertname %q in Alertmanager", ref)
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Since().Before(found[j].Since()) })
	var sel string
	for _, al := range found {
		start, end := logview.AlertWindow(al.Since(), now)
		s, err := logview.ResolveSelector(ctx, c, tmpl, al.Labels, start, end)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("alert %s (%s): %w", al.Name(), al.Fingerprint, err)
		}
		if sel != "" && s != sel {
			var fps []string
			for _, f := range found {
				fps = append(fps, f.Fingerprint)
			}
			return "", time.Time{}, fmt.Errorf("alertname %q matches %d alerts with different log selectors: pass one fingerprint (%s)", ref, len(found), strings.Join(fps, ", "))
		}
		sel = s
	}
	start, _ := logview.AlertWindow(found[0].Since(), now)
	return sel, start, nil
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

// logLineJSON is one line of `oncall logs -o json` (JSON Lines).
type logLineJSON struct {
	TS      string            `json:"ts"`
	Labels  map[string]string `json:"labels"`
	Line    string            `json:"line"`
	TraceID string            `json:"traceID"`
	SpanID  string            `json:"spanID"`
}

func writeLogLines(w io.Writer, rows []logview.Row) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		ls := r.Labels
		if ls == nil {
			ls = map[string]string{}
		}
		if err := enc.Encode(logLineJSON{TS: r.Time.UTC().Format(time.RFC3339Nano), Labels: ls, Line: r.Line, TraceID: r.TraceID, SpanID: r.SpanID}); err != nil {
			return err
		}
	}
	return nil
}
