package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"oncall/internal/logview"
	"oncall/internal/sanitize"
	"oncall/internal/wire"
	"oncall/sources/loki"
)

// logWriter prints rows as -o asks: a table whose columns are sized by the
// first rows (so followed rows line up with them), the raw lines, or JSON
// Lines. Every server string is sanitized (JSON escapes its own).
type logWriter struct {
	w      *bufio.Writer
	format string
	svcW   int
	header bool
}

// newLogWriter sizes the table's service column for rows.
func newLogWriter(w io.Writer, format string, rows []logview.Row) *logWriter {
	lw := &logWriter{w: bufio.NewWriterSize(w, 64<<10), format: format, svcW: len("SERVICE")}
	for _, r := range rows {
		lw.svcW = max(lw.svcW, min(len(r.Service), 40))
	}
	return lw
}

// logLineJSON is one line of `oncall logs -o jsonl` (JSON Lines).
type logLineJSON struct {
	TS      string            `json:"ts"`
	Labels  map[string]string `json:"labels"`
	Line    string            `json:"line"`
	TraceID string            `json:"traceID"`
	SpanID  string            `json:"spanID"`
}

// write prints rows and flushes.
func (lw *logWriter) write(rows []logview.Row) error {
	var enc *json.Encoder
	if lw.format == "jsonl" {
		enc = json.NewEncoder(lw.w)
		enc.SetEscapeHTML(false)
	}
	if lw.format == "table" && !lw.header {
		fmt.Fprintf(lw.w, "%-23s  %-*s  %-5s  %s\n", "TIME", lw.svcW, "SERVICE", "LEVEL", "LINE")
		lw.header = true
	}
	for _, r := range rows {
		switch lw.format {
		case "jsonl":
			ls := r.Labels
			if ls == nil {
				ls = map[string]string{}
			}
			if err := enc.Encode(logLineJSON{TS: r.Time.UTC().Format(time.RFC3339Nano), Labels: ls, Line: r.Line, TraceID: r.TraceID, SpanID: r.SpanID}); err != nil {
				return err
			}
		case "raw":
			fmt.Fprintln(lw.w, sanitize.Text(r.Line))
		default:
			fmt.Fprintf(lw.w, "%-23s  %-*s  %-5s  %s\n", r.Time.Format("2006-01-02 15:04:05.000"), lw.svcW, orDash(r.Service), orDash(r.Level.String()), r.Text)
		}
	}
	return lw.w.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// tailWait is how long one read of the tail waits for lines.
const tailWait = time.Second

// follow tails query live from `from` until ctx ends (an interrupt), the
// rows printed as they come; a reconnection's gap and a wait to reconnect
// are said on stderr, never silently lost.
func (v *logs) follow(ctx context.Context, c *loki.Client, b *logview.Builder, query string, from time.Time, keep func(*logview.Row) bool, w *logWriter) error {
	f, err := logview.FollowWith(c, b, query, loki.TailOptions{Start: from, Limit: v.limit}, 0)
	if err != nil {
		return fmt.Errorf("tail: %w", err)
	}
	defer f.Stop()
	v.notef("following %s (interrupt to stop)", query)
	var retry *loki.Retry
	for ctx.Err() == nil {
		fr := f.Next(tailWait)
		var rows []logview.Row
		for _, r := range fr.Rows {
			switch {
			case r.Gap != nil:
				v.warnf("%s", r.Gap.String())
			case keep == nil || keep(&r):
				rows = append(rows, r)
			}
		}
		if err := w.write(rows); err != nil {
			return err
		}
		if fr.Dropped > 0 {
			v.warnf("Loki dropped %d lines: this reader fell behind", fr.Dropped)
		}
		if r := fr.Retrying; r != nil && (retry == nil || r.Attempt != retry.Attempt) {
			v.warnf("tail lost (%s): reconnecting in %s, attempt %d", r.Reason, r.In.Round(100*time.Millisecond), r.Attempt)
		}
		retry = fr.Retrying
		if fr.Closed {
			if fr.Err != nil && !errors.Is(fr.Err, context.Canceled) {
				return fmt.Errorf("tail: %w", fr.Err)
			}
			if ctx.Err() == nil {
				return errors.New("tail: Loki ended the tail")
			}
		}
	}
	return nil
}

// logsLabels is `oncall logs labels [NAME]`.
type logsLabels struct {
	*App
	win    window
	query  string
	orgID  string
	name   string
	format string
}

func (a *App) logsLabelsCmd() *cobra.Command {
	v := &logsLabels{App: a}
	cmd := &cobra.Command{
		Use:   "labels [NAME]",
		Short: "List Loki's label names, or one label's values, over the window",
		Long: `labels lists the stream label names Loki has over the window (--since, or
--from/--to), or with NAME the values that label takes. --query scopes both
to the streams a selector picks. Index lookups only: no line is read.`,
		Example: `  oncall logs labels
  oncall logs labels service_name --since 6h
  oncall logs labels level --query '{service_name="conectcrm-backend"}' -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v.win.sinceSet = cmd.Flags().Changed("since")
			if len(args) == 1 {
				v.name = args[0]
			}
			return a.exec(cmd, v)
		},
	}
	f := cmd.Flags()
	v.win.flags(f)
	f.StringVar(&v.query, "query", "", "a stream selector the labels are scoped to, e.g. '{env=\"prod\"}'")
	f.StringVar(&v.orgID, "org-id", "", "Loki tenant (X-Scope-OrgID) for this command, instead of [loki] tenant")
	f.StringVarP(&v.format, "output", "o", "table", "output format: table (one a line) or json")
	return cmd
}

func (v *logsLabels) run(ctx context.Context) error {
	if v.format != "table" && v.format != "json" {
		return fmt.Errorf("logs labels: unknown output format %q: use table or json", v.format)
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
	ctx, cancel := v.ctx(ctx)
	defer cancel()
	var list []string
	if v.name == "" {
		list, err = c.LabelsMatching(ctx, v.query, v.win.start, v.win.end)
	} else {
		list, err = c.LabelValuesMatching(ctx, v.name, v.query, v.win.start, v.win.end)
	}
	if err != nil {
		return err
	}
	if v.format == "json" {
		return writeJSON(v.Stdout, list)
	}
	var b strings.Builder
	for _, l := range list {
		b.WriteString(sanitize.Text(l))
		b.WriteByte('\n')
	}
	_, err = io.WriteString(v.Stdout, b.String())
	return err
}
