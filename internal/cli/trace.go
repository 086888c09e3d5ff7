package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"oncall/internal/sanitize"
	"oncall/internal/waterfall"
	"oncall/internal/wire"
	"oncall/sources/jaeger"
)

// trace is `oncall trace ID`.
type trace struct {
	*App
	id    string
	width int
}

func (a *App) traceCmd() *cobra.Command {
	v := &trace{App: a}
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
			v.id = args[0]
			return a.exec(cmd, v)
		},
	}
	a.addOutputFlag(cmd)
	cmd.Flags().IntVar(&v.width, "width", 0, "columns of the text waterfall (default: the terminal's, 80 when not a terminal)")
	return cmd
}

func (v *trace) run(ctx context.Context) error {
	if v.width < 0 {
		return fmt.Errorf("--width %d: must be positive", v.width)
	}
	id, err := jaeger.NormalizeTraceID(v.id)
	if err != nil {
		return err
	}
	cfg, err := v.Config()
	if err != nil {
		return err
	}
	jc, err := wire.Jaeger(cfg)
	if err != nil {
		return err
	}
	defer func() { _ = jc.Close() }()
	ctx, cancel := v.ctx(ctx)
	defer cancel()
	t, err := jc.GetTrace(ctx, id)
	if err != nil {
		return err
	}
	if v.json() {
		return writeJSON(v.Stdout, t)
	}
	width := v.width
	if width == 0 {
		width, _ = terminalWidth(v.Stdout)
	}
	cur, _ := cfg.Current() // wire.Jaeger checked it
	return writeTraceText(v.Stdout, t, width, wire.JaegerUI(cur.Jaeger))
}

// writeTraceText prints the text waterfall and the trace's Jaeger UI link.
func writeTraceText(w io.Writer, t *jaeger.Trace, width int, uiBase string) error {
	var b strings.Builder
	for _, l := range waterfall.Text(waterfall.Build(t), width) {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if u := jaeger.TraceURL(uiBase, t.TraceID); u != "" {
		b.WriteString("jaeger: " + sanitize.Text(u) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// terminalWidth is w's width and true when w is a terminal; 80 when the
// width is unknown or w is not a terminal (false).
func terminalWidth(w io.Writer) (int, bool) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return 80, false
	}
	if cols, _, err := term.GetSize(f.Fd()); err == nil && cols > 0 {
		return cols, true
	}
	return 80, true
}
