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
	"oncall/internal/demo/sim"
	"oncall/internal/demo/simlogs"
	"oncall/internal/logview"
	"oncall/internal/traceid"
	"oncall/sources/loki"
	"oncall/tui"
)

func (a *App) logsCmd() *cobra.Command {
	var (
		query, alertRef, trace string
		since                  time.Duration
		limit, batch           int
	)
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
			if err := a.checkOutput(); err != nil {
				return err
			}
			n := 0
			for _, s := range []string{query, alertRef, trace} {
				if strings.TrimSpace(s) != "" {
					n++
				}
			}
			if n != 1 {
				return errors.New("logs: give exactly one of --query, --alert or --trace")
			}
			if limit <= 0 || batch <= 0 || since <= 0 {
				return errors.New("logs: --limit, --batch and --since must be positive")
			}
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			cur, err := cfg.Current()
			if err != nil {
				return err
			}
			c, err := a.logsLoki(cfg.CurrentContext, cur.Loki)
			if err != nil {
				return err
			}
			x, err := traceid.NewExtractor(cur.Loki.TraceRegex)
			if err != nil {
				return fmt.Errorf("[contexts.%s.loki] trace_regex: %w", cfg.CurrentContext, err)
			}
			ctx, cancel := a.ctx(cmd.Context())
			defer cancel()
			end := time.Now()
			load := logview.Load{Query: strings.TrimSpace(query), Start: end.Add(-since), End: end, Max: limit, Batch: batch}
			switch {
			case alertRef != "":
				if load.Query, load.Start, err = a.alertLogQuery(ctx, c, cur.Loki.AlertSelector, alertRef, end); err != nil {
					return err
				}
				if cmd.Flags().Changed("since") {
					load.Start = end.Add(-since)
				}
			case trace != "":
				if load.Query, err = traceLogQuery(ctx, c, cur.Loki.TraceSelector, trace, load.Start, end); err != nil {
					return err
				}
			}
			rows, capped, err := load.Fetch(ctx, c, logview.NewBuilder(x, time.Local))
			if err != nil {
				return err
			}
			if capped {
				fmt.Fprintf(a.Stderr, "oncall: warning: --limit %d reached: older lines of the window are left out\n", limit)
			}
			if a.output == "json" {
				return writeLogLines(a.Stdout, rows)
			}
			fmt.Fprintf(a.Stderr, "oncall: %s · %s → %s · %d lines\n", oneLine(load.Query), load.Start.Format("15:04:05"), load.End.Format("15:04:05"), len(rows))
			t := newTable(a.Stdout, "TIME", "SERVICE", "LEVEL", "LINE")
			for _, r := range rows {
				lvl := r.Level.String()
				if lvl == "" {
					lvl = "-"
				}
				svc := r.Service
				if svc == "" {
					svc = "-"
				}
				t.row(r.Time.Format("2006-01-02 15:04:05.000"), svc, lvl, r.Line)
			}
			return t.flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&query, "query", "", "LogQL log query")
	f.StringVar(&alertRef, "alert", "", "an alert's fingerprint or alertname: show its logs")
	f.StringVar(&trace, "trace", "", "a trace id: show its lines across services")
	f.DurationVar(&since, "since", time.Hour, "how far back to look (with --alert: overrides the alert's window)")
	f.IntVar(&limit, "limit", 1000, "at most this many lines (the newest are kept)")
	f.IntVar(&batch, "batch", logview.DefaultBatch, "lines per request; keep it below Loki's max_entries_limit_per_query")
	a.addOutputFlag(cmd)
	return cmd
}

// logsLoki builds the Loki client of a context.
func (a *App) logsLoki(ctxName string, l config.Loki) (*loki.Client, error) {
	if strings.TrimSpace(l.URL) == "" {
		return nil, fmt.Errorf("no Loki configured for context %q: set --loki-url, $ONCALL_LOKI_URL or [contexts.%s.loki] url", ctxName, ctxName)
	}
	return loki.New(loki.Config{URL: l.URL, Tenant: l.Tenant, Client: l.ClientConfig})
}

// alertLogQuery finds an alert in Alertmanager by fingerprint or name and
// returns its log query and window start. Several alerts of one name are
// fine when they select the same streams (the earliest start wins).
func (a *App) alertLogQuery(ctx context.Context, c *loki.Client, tmplSrc, ref string, now time.Time) (string, time.Time, error) {
	tmpl, err := logview.ParseSelectorTemplate(tmplSrc)
	if err != nil {
		return "", time.Time{}, err
	}
	am, err := a.Alertmanager()
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
	var fps []string
	for _, al := range found {
		start, end := logview.AlertWindow(al.Since(), now)
		s, err := logview.ResolveSelector(ctx, c, tmpl, al.Labels, start, end)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("alert %s (%s): %w", al.Name(), al.Fingerprint, err)
		}
		if sel != "" && s != sel {
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

// logScreens registers the logs screen when the context has a Loki. A
// client that cannot be built is shown as the screen's error.
func (a *App) logScreens(cfg *config.Config) []tui.ScreenSpec {
	cur, err := cfg.Current()
	if err != nil || strings.TrimSpace(cur.Loki.URL) == "" {
		return nil
	}
	c, err := a.logsLoki(cfg.CurrentContext, cur.Loki)
	return []tui.ScreenSpec{tui.LogsScreenSpec(tui.LogsOptions{
		Client: c, Err: err, AlertSelector: cur.Loki.AlertSelector, TraceRegex: cur.Loki.TraceRegex, MaxLines: cur.Loki.MaxLines,
	})}
}

// demoAlertSelector and demoTraceSelector are the demo context's [loki]
// selectors.
const (
	demoAlertSelector = `{service_name="{{ .Labels.service }}"}`
	demoTraceSelector = `{env="prod"}`
)

// demoLogs starts the simulated Loki (it stops when ctx ends) and points
// the demo context at it.
func (a *App) demoLogs(ctx context.Context, b *sim.Backend, cfg *config.Config) error {
	cur := cfg.Contexts["demo"]
	if cur == nil {
		return errors.New("logs: no demo context")
	}
	srv, err := simlogs.Start(ctx, simlogs.Options{})
	if err != nil {
		return err
	}
	cur.Loki.URL, cur.Loki.AlertSelector, cur.Loki.TraceSelector = srv.URL(), demoAlertSelector, demoTraceSelector
	return nil
}
