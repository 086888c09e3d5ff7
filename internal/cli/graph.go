package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/colorprofile"
	"github.com/prometheus/common/model"
	"github.com/spf13/cobra"

	"oncall/internal/alerts"
	"oncall/internal/graph"
	"oncall/internal/sanitize"
	"oncall/internal/wire"
	"oncall/tui/chart"
	"oncall/tui/kit"
)

// graphVerb is `oncall graph ALERT`: the alert's rule over a range, drawn
// as the screen draws it (a chart on a terminal, a table when piped, the
// series and the threshold with -o json).
type graphVerb struct {
	*App
	name, fp, span string
	top, height    int
}

// maxGraphRange bounds --range: a longer one asks Prometheus for more
// than the chart can show.
const maxGraphRange = 90 * 24 * time.Hour

func (a *App) graphCmd() *cobra.Command {
	v := &graphVerb{App: a}
	cmd := &cobra.Command{
		Use:   "graph ALERTNAME",
		Short: "Draw an alert's rule over time: its series, threshold, pending and firing times",
		Long: `graph draws the alert's rule expression over a range, as the alert graph
screen (P) does: the side of the rule's comparison, narrowed to the
alert's own series, with the threshold as a dashed line and the times the
alert went pending (P) and firing (F) marked; the busiest series first,
the rest counted as hidden.

The alert is taken from Alertmanager (by name, or exactly with
--fingerprint); an alert that is not firing is drawn from its rule alone,
every series of it. On a terminal it is a chart (shapes instead of braille
with 16 colours or NO_COLOR); piped, a table of the values; with -o json,
the series, the threshold and the markers.`,
		Example: `  oncall graph HighErrorRate
  oncall graph APIDown --range 6h
  oncall graph HighLatencyP95 --range 7d -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				v.name = strings.TrimSpace(args[0])
			}
			return a.exec(cmd, v)
		},
	}
	f := cmd.Flags()
	f.StringVar(&v.span, "range", "1h", "how far back: 1h, 6h, 24h, 7d or any duration up to 90d")
	f.StringVar(&v.fp, "fingerprint", "", "the alert's Alertmanager fingerprint (a unique prefix is enough)")
	f.IntVar(&v.top, "top", graph.DefaultTopN, "draw at most this many series (the busiest)")
	f.IntVar(&v.height, "height", 20, "chart height in lines, on a terminal")
	a.addOutputFlag(cmd)
	return cmd
}

func (v *graphVerb) run(ctx context.Context) error {
	if (v.name == "") == (v.fp == "") {
		return errors.New("give an alert name or --fingerprint (one of them)")
	}
	d, err := model.ParseDuration(v.span)
	span := time.Duration(d)
	switch {
	case err != nil:
		return fmt.Errorf("--range %q: not a duration (use e.g. 1h, 6h, 24h, 7d)", v.span)
	case span <= 0 || span > maxGraphRange:
		return fmt.Errorf("--range %s: want more than 0 and at most 90d", v.span)
	case v.top < 1:
		return fmt.Errorf("--top %d: want at least 1", v.top)
	case v.height < 6:
		return fmt.Errorf("--height %d: want at least 6 lines", v.height)
	}
	cfg, err := v.Config()
	if err != nil {
		return err
	}
	prom, err := wire.Prometheus(cfg)
	if err != nil {
		return err
	}
	var src graph.Sources
	if prom != nil {
		src.Prom = prom
	}
	if wire.HasLoki(cfg) {
		lc, err := wire.Loki(cfg)
		if err != nil {
			return err
		}
		src.Loki = lc
	}
	if src.Prom == nil && src.Loki == nil {
		return fmt.Errorf("no Prometheus configured for context %q: set --prometheus-url, $ONCALL_PROMETHEUS_URL or [contexts.%s.prometheus] url", cfg.CurrentContext, cfg.CurrentContext)
	}
	ctx, cancel := v.ctx(ctx)
	defer cancel()
	rb := &runbook{App: v.App, name: v.name, fp: v.fp}
	st, err := rb.fetch(ctx)
	if err != nil {
		return err
	}
	a, err := v.alert(st)
	if err != nil {
		return err
	}
	width, isTerm := terminalWidth(v.Stdout)
	points := graph.DefaultPoints
	if isTerm {
		points = 2 * width
	}
	res, err := graph.Fetch(ctx, src, graph.Request{Alert: a, Span: span, Points: points, TopN: v.top, Now: time.Now()})
	if err != nil {
		return err
	}
	if res.Note != "" {
		v.notef("%s", res.Note)
	}
	switch {
	case v.json():
		return writeJSON(v.Stdout, res)
	case isTerm:
		return v.draw(v.Stdout, res, width, cfg.UI.Theme != "light")
	}
	return v.table(res)
}

// alert is the alert to draw: by fingerprint, by name among the live
// alerts, else the named rule alone (all of its series).
func (v *graphVerb) alert(st state) (*alerts.Alert, error) {
	if v.fp != "" {
		return byFingerprint(st.alerts, v.fp)
	}
	if al, n := pickAlert(st.alerts, v.name); al != nil {
		if n > 1 {
			v.notef("%d alerts named %s; drawing %s (pick one with --fingerprint)", n, v.name, al.Fingerprint)
		}
		return al, nil
	}
	if rs := st.rules[v.name]; len(rs) > 0 {
		v.notef("%s is not firing: drawing its rule, every series", v.name)
		r := rs[0]
		rule := &alerts.Rule{Expr: r.Query, Source: alerts.SourcePrometheus, Labels: map[string]string{}}
		for k, val := range r.Labels {
			rule.Labels[string(k)] = string(val)
		}
		return &alerts.Alert{Labels: map[string]string{"alertname": v.name}, Rule: rule}, nil
	}
	return nil, fmt.Errorf("no alert or alerting rule named %q (see `oncall alerts`)", v.name)
}

// draw writes the chart for a terminal of width w, in the colours it
// takes (NO_COLOR, 16 colours: shapes, no colour).
func (v *graphVerb) draw(w io.Writer, res *graph.Result, width int, dark bool) error {
	profile := colorprofile.Detect(w, os.Environ())
	st := kit.NewStyles(dark)
	st.Shapes = profile < colorprofile.ANSI256
	c := chart.New(chart.FromGraph(res), width, v.height, st, chart.Options{Variant: chart.Full, Shapes: st.Shapes})
	var b strings.Builder
	b.WriteString(st.Title.Render(sanitize.Text(res.Alert)) + st.Muted.Render(" · last "+model.Duration(res.End.Sub(res.Start)).String()) + "\n")
	b.WriteString(c.View() + "\n")
	if res.Query != "" {
		b.WriteString(st.Label.Render("query: ") + sanitize.Text(res.Query) + "\n")
	}
	if res.Hidden > 0 {
		b.WriteString(st.Label.Render(fmt.Sprintf("%d hidden: ", res.Hidden)) + sanitize.Text(strings.Join(res.HiddenNames, ", ")) + "\n")
	}
	out := colorprofile.NewWriter(w, os.Environ())
	out.Profile = profile
	_, err := io.WriteString(out, b.String())
	return err
}

// table writes the values piped: a column per series (named below the
// threshold line), a row per time.
func (v *graphVerb) table(res *graph.Result) error {
	w := v.Stdout
	fmt.Fprintf(w, "# %s: %s\n", sanitize.Text(res.Alert), sanitize.Text(res.Query))
	if t := res.Threshold; t != nil {
		fmt.Fprintf(w, "# threshold: %s %s\n", t.Op, strconv.FormatFloat(t.Value, 'g', -1, 64))
	}
	for _, m := range res.Markers {
		fmt.Fprintf(w, "# %s since %s\n", m.Kind, m.At.Format(time.RFC3339))
	}
	header := []string{"TIME"}
	for i, s := range res.Series {
		fmt.Fprintf(w, "# S%d: %s\n", i+1, sanitize.Text(s.Name))
		header = append(header, fmt.Sprintf("S%d", i+1))
	}
	if res.Hidden > 0 {
		fmt.Fprintf(w, "# %d more series hidden: %s\n", res.Hidden, sanitize.Text(strings.Join(res.HiddenNames, ", ")))
	}
	byTime := map[int64][]string{}
	var times []int64
	for i, s := range res.Series {
		for _, p := range s.Points {
			k := p.T.Unix()
			row, ok := byTime[k]
			if !ok {
				row = make([]string, len(res.Series))
				times = append(times, k)
			}
			row[i] = strconv.FormatFloat(p.V, 'g', 6, 64)
			byTime[k] = row
		}
	}
	slices.Sort(times)
	t := newTable(w, header...)
	for _, k := range times {
		cells := []string{time.Unix(k, 0).In(res.End.Location()).Format(time.RFC3339)}
		for _, c := range byTime[k] {
			if c == "" {
				c = "-"
			}
			cells = append(cells, c)
		}
		t.row(cells...)
	}
	return t.flush()
}
