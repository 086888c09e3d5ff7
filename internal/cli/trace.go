package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"oncall/internal/config"
	"oncall/internal/demo/sim"
	"oncall/internal/demo/simtraces"
	"oncall/internal/httpx"
	"oncall/internal/sanitize"
	"oncall/internal/waterfall"
	"oncall/sources/jaeger"
	"oncall/sources/loki"
	"oncall/tui"
)

func (a *App) traceCmd() *cobra.Command {
	var width int
	cmd := &cobra.Command{
		Use:   "trace ID",
		Short: "Show one trace from Jaeger: a text waterfall, or its spans as JSON",
		Long: `trace fetches one trace from the context's Jaeger and prints it as a waterfall:
one line per span, indented under its parent, with an ASCII bar on the trace's
time axis ("#" where the span is on the critical path), its duration and "!"
on error spans. It fits the terminal's width (80 columns when not a terminal).
With -o json it prints {traceID, spans: [...]}, every span Jaeger holds.`,
		Example: `  oncall trace 4bf92f3577b34da6a3ce929d0e0e4736
  oncall trace 4bf92f3577b34da6 -o json | jq '.spans[] | select(.error)'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.checkOutput(); err != nil {
				return err
			}
			if width < 0 {
				return fmt.Errorf("--width %d: must be positive", width)
			}
			id, err := jaeger.NormalizeTraceID(args[0])
			if err != nil {
				return err
			}
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			cur, err := cfg.Current()
			if err != nil {
				return err
			}
			jc, err := a.jaegerClient(cfg.CurrentContext, cur.Jaeger)
			if err != nil {
				return err
			}
			defer func() { _ = jc.Close() }()
			ctx, cancel := a.ctx(cmd.Context())
			defer cancel()
			t, err := jc.GetTrace(ctx, id)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.Stdout, t)
			}
			if width == 0 {
				width = traceTermWidth(a.Stdout)
			}
			return writeTraceText(a.Stdout, t, width, traceUIBase(cur.Jaeger))
		},
	}
	a.addOutputFlag(cmd)
	cmd.Flags().IntVar(&width, "width", 0, "columns of the text waterfall (default: the terminal's, 80 when not a terminal)")
	return cmd
}

// writeTraceText prints the text waterfall and the trace's Jaeger UI link.
func writeTraceText(w io.Writer, t *jaeger.Trace, width int, uiBase string) error {
	var b strings.Builder
	for _, l := range waterfall.Text(waterfall.Build(t), width) {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if src := (tui.TraceSources{UIURL: uiBase}); src.TraceURL(t.TraceID) != "" {
		b.WriteString("jaeger: " + sanitize.Text(src.TraceURL(t.TraceID)) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// traceTermWidth is the terminal's width, or 80 when w is not a terminal.
func traceTermWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok && term.IsTerminal(f.Fd()) {
		if cols, _, err := term.GetSize(f.Fd()); err == nil && cols > 0 {
			return cols
		}
	}
	return 80
}

// traceUIBase is where Jaeger's UI is: ui_url, else the query URL (Jaeger
// serves its UI there).
func traceUIBase(j config.Jaeger) string {
	if strings.TrimSpace(j.UIURL) != "" {
		return j.UIURL
	}
	return j.URL
}

// jaegerClient builds the Jaeger client of a context.
func (a *App) jaegerClient(ctxName string, j config.Jaeger) (jaeger.Client, error) {
	if strings.TrimSpace(j.URL) == "" && strings.TrimSpace(j.GRPC) == "" {
		return nil, fmt.Errorf("no Jaeger configured for context %q: set --jaeger-url, $ONCALL_JAEGER_URL or [contexts.%s.jaeger] url", ctxName, ctxName)
	}
	return jaeger.New(jaeger.Config{URL: j.URL, GRPC: j.GRPC, Client: j.ClientConfig})
}

// traceScreens registers the trace screen (opened from a log line) and the
// error-trace list (T on an alert) when the context has a Jaeger. The
// trace's logs come from the context's Loki, when it has one.
func (a *App) traceScreens(cfg *config.Config) []tui.ScreenSpec {
	cur, err := cfg.Current()
	if err != nil {
		return nil
	}
	if strings.TrimSpace(cur.Jaeger.URL) == "" && strings.TrimSpace(cur.Jaeger.GRPC) == "" {
		return nil
	}
	jc, err := a.jaegerClient(cfg.CurrentContext, cur.Jaeger)
	if err != nil {
		fmt.Fprintf(a.Stderr, "oncall: warning: traces disabled: %s\n", oneLine(httpx.Scrub(err.Error(), cfg.Secrets())))
		return nil
	}
	src := tui.TraceSources{
		Jaeger: jc, TraceSelector: cur.Loki.TraceSelector, TraceRegex: cur.Loki.TraceRegex,
		UIURL: traceUIBase(cur.Jaeger), Services: cur.Jaeger.Services, Timeout: a.timeout,
	}
	if strings.TrimSpace(cur.Loki.URL) != "" {
		lc, err := loki.New(loki.Config{URL: cur.Loki.URL, Tenant: cur.Loki.Tenant, Client: cur.Loki.ClientConfig})
		if err != nil {
			fmt.Fprintf(a.Stderr, "oncall: warning: trace logs disabled: %s\n", oneLine(httpx.Scrub(err.Error(), cfg.Secrets())))
		} else {
			src.Loki = lc
		}
	}
	return tui.TraceScreens(src)
}

// demoTraces starts the simulated Jaeger (it stops when ctx ends) with the
// incident's traces — the same trace and span ids as the demo's log lines
// — and points the demo context at it.
func (a *App) demoTraces(ctx context.Context, b *sim.Backend, cfg *config.Config) error {
	cur := cfg.Contexts["demo"]
	if cur == nil {
		return errors.New("traces: no demo context")
	}
	srv, err := simtraces.Start(ctx, "127.0.0.1:0", simtraces.NewHandler(simtraces.Demo(b.Prometheus.IncidentStart())))
	if err != nil {
		return err
	}
	cur.Jaeger.URL = srv.URL()
	return nil
}
