package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/spf13/cobra"

	"oncall/internal/alerts"
	"oncall/internal/wire"
	"oncall/runbooks"
	"oncall/sources/alertmanager"
	"oncall/sources/prometheus"
)

// runbook is `oncall runbook [ALERTNAME]`.
type runbook struct {
	*App
	name, fp   string
	raw, light bool
}

func (a *App) runbookCmd() *cobra.Command {
	v := &runbook{App: a}
	cmd := &cobra.Command{
		Use:   "runbook [ALERTNAME]",
		Short: "Show the runbook for an alert (rendered on a terminal, markdown otherwise)",
		Long: `runbook finds the runbook for an alert and prints it: rendered for the
terminal when stdout is one, the markdown itself when piped or with --raw.

The alert is taken from Alertmanager (by name, or exactly with --fingerprint);
an alert that is not firing is described by its Prometheus rule; failing both,
only the name is used. The runbook is then looked up in order: the runbook_url
annotation (of the alert, else of its rule: a path relative to [runbooks]
paths, a file:// URL or a web URL, with an optional #section), a file named
after the alert, a file listing it in its front matter, a heading naming it in
a collection file, the runbooks shipped with oncall, and finally a page
generated from the alert.`,
		Example: `  oncall runbook APIDown
  oncall runbook --fingerprint 3f2a9c1d0b7e4a55
  oncall runbook APIDown --raw > apidown.md`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				v.name = strings.TrimSpace(args[0])
			}
			return a.exec(cmd, v)
		},
	}
	cmd.Flags().StringVar(&v.fp, "fingerprint", "", "the alert's Alertmanager fingerprint (a unique prefix is enough)")
	cmd.Flags().BoolVar(&v.raw, "raw", false, "print the markdown even on a terminal")
	cmd.Flags().BoolVar(&v.light, "light", false, "render for a light terminal background (default dark)")
	a.addOutputFlag(cmd)
	return cmd
}

func (v *runbook) run(ctx context.Context) error {
	if (v.name == "") == (v.fp == "") {
		return errors.New("give an alert name or --fingerprint (one of them)")
	}
	cfg, err := v.Config()
	if err != nil {
		return err
	}
	f, err := wire.RunbookFinder(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := v.ctx(ctx)
	defer cancel()
	target, firing, err := v.target(ctx)
	if err != nil {
		return err
	}
	rb, err := f.Find(ctx, target)
	if err != nil {
		return err
	}
	if v.json() {
		return writeJSON(v.Stdout, runbookJSON(rb, f, target, firing))
	}
	width, isTerm := terminalWidth(v.Stdout)
	if v.raw || !isTerm {
		_, err := io.WriteString(v.Stdout, rb.Markdown)
		return err
	}
	out, err := runbooks.Render(rb.Markdown, width, !v.light && cfg.UI.Theme != "light")
	if err != nil {
		return err
	}
	head := "source: " + rb.Origin()
	if firing {
		head += " · escalation: " + f.Escalation(target)
	}
	_, err = fmt.Fprintf(v.Stdout, "%s\n%s", v.scrub(head), out)
	return err
}

type runbookOut struct {
	Alert      string          `json:"alert"`
	Title      string          `json:"title"`
	Origin     string          `json:"origin"`
	Location   string          `json:"location,omitempty"`
	Warning    string          `json:"warning,omitempty"`
	Escalation string          `json:"escalation,omitempty"`
	Markdown   string          `json:"markdown"`
	Blocks     []runbookOutBlk `json:"blocks"`
}

type runbookOutBlk struct {
	Lang     string `json:"lang"`
	Code     string `json:"code"`
	Query    string `json:"query,omitempty"`
	Runnable bool   `json:"runnable"`
	Line     int    `json:"line"`
}

func runbookJSON(rb *runbooks.Runbook, f *runbooks.Finder, a runbooks.Alert, firing bool) runbookOut {
	out := runbookOut{Alert: a.AlertName(), Title: rb.Title, Origin: rb.Origin(), Location: rb.Location, Warning: rb.Warning,
		Markdown: rb.Markdown, Blocks: []runbookOutBlk{}}
	if firing {
		out.Escalation = f.Escalation(a)
	}
	for _, b := range rb.Blocks {
		ob := runbookOutBlk{Lang: b.Lang, Code: b.Code, Runnable: b.Runnable, Line: b.Line}
		if b.Runnable {
			if q, err := b.Substitute(a); err == nil {
				ob.Query = q
			}
		}
		out.Blocks = append(out.Blocks, ob)
	}
	return out
}

// target finds the alert to look the runbook up for: by fingerprint in
// Alertmanager; by name in Alertmanager (firing), else from its Prometheus
// rule, else the bare name. firing says it came from a live alert (so its
// escalation state means something).
func (v *runbook) target(ctx context.Context) (runbooks.Alert, bool, error) {
	st, err := v.fetch(ctx)
	if err != nil {
		return runbooks.Alert{}, false, err
	}
	now := time.Now()
	if v.fp != "" {
		al, err := byFingerprint(st.alerts, v.fp)
		if err != nil {
			return runbooks.Alert{}, false, err
		}
		return runbooks.FromAlert(al, st.rules, now), al.State == alerts.StateFiring || al.Ack != nil, nil
	}
	if al, n := pickAlert(st.alerts, v.name); al != nil {
		if n > 1 {
			v.notef("%d alerts named %s; showing the runbook for %s (pick one with --fingerprint)", n, v.name, al.Fingerprint)
		}
		return runbooks.FromAlert(al, st.rules, now), al.State == alerts.StateFiring || al.Ack != nil, nil
	}
	if rs := st.rules[v.name]; len(rs) > 0 {
		return ruleAlert(v.name, rs[0]), false, nil
	}
	return runbooks.Alert{Name: v.name, Labels: map[string]string{"alertname": v.name}}, false, nil
}

// fetch reads what target looks in: the alerts (by fingerprint: all of
// them) and the rules. Without --fingerprint nothing is an error, only a
// warning: the runbook can be found by name alone.
func (v *runbook) fetch(ctx context.Context) (state, error) {
	var (
		am   *alertmanager.Client
		prom *prometheus.Client
		cfg  = v.cfg
	)
	if cur, err := cfg.Current(); err == nil {
		if len(cur.Alertmanager.URLs) > 0 {
			if am, err = wire.Alertmanager(cfg); err != nil {
				return state{}, err
			}
		}
		if prom, err = wire.Prometheus(cfg); err != nil {
			return state{}, err
		}
	}
	if v.fp != "" && am == nil {
		return state{}, fmt.Errorf("--fingerprint needs an Alertmanager: set --alertmanager-url, $ONCALL_ALERTMANAGER_URL or [contexts.%s.alertmanager] urls", cfg.CurrentContext)
	}
	var filter []string
	if v.fp == "" {
		filter = []string{"alertname=" + strconv.Quote(v.name)}
	}
	st, err := fetch(ctx, am, prom, v.ruler(""), filter)
	if err != nil && v.fp != "" {
		return st, err
	}
	if err != nil {
		st.warns = append(st.warns, err)
	}
	for _, w := range st.warns {
		v.warnf("%s", w)
	}
	return st, nil
}

// ruleAlert describes an alert that is not firing by its rule; annotations
// that are templates are left out (they need a firing alert).
func ruleAlert(name string, r v1.AlertingRule) runbooks.Alert {
	ra := runbooks.Alert{Name: name, Labels: map[string]string{"alertname": name}, Annotations: map[string]string{}, Expr: r.Query}
	for k, val := range r.Labels {
		ra.Labels[string(k)] = string(val)
	}
	for k, val := range r.Annotations {
		if !strings.Contains(string(val), "{{") {
			ra.Annotations[string(k)] = string(val)
		}
	}
	return ra
}

func byFingerprint(as []*alerts.Alert, fp string) (*alerts.Alert, error) {
	var found []*alerts.Alert
	for _, al := range as {
		if al.Fingerprint == fp {
			return al, nil
		}
		if strings.HasPrefix(al.Fingerprint, fp) {
			found = append(found, al)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no alert with fingerprint %q (see `oncall alerts -o json`)", fp)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("fingerprint prefix %q matches %d alerts; give more of it", fp, len(found))
}

// pickAlert chooses among the alerts named name: firing before others,
// then the longest active. n is how many there are.
func pickAlert(as []*alerts.Alert, name string) (picked *alerts.Alert, n int) {
	var named []*alerts.Alert
	for _, al := range as {
		if al.Name() == name {
			named = append(named, al)
		}
	}
	if len(named) == 0 {
		return nil, 0
	}
	sort.SliceStable(named, func(i, j int) bool {
		fi, fj := named[i].State == alerts.StateFiring, named[j].State == alerts.StateFiring
		if fi != fj {
			return fi
		}
		return named[i].Since().Before(named[j].Since())
	})
	return named[0], len(named)
}
