package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/spf13/cobra"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/httpx"
	"oncall/internal/sanitize"
	"oncall/internal/sim"
	"oncall/internal/sim/simrunbooks"
	"oncall/runbooks"
	"oncall/sources/alertmanager"
	"oncall/sources/loki"
	"oncall/sources/prometheus"
	"oncall/tui/kit"
	"oncall/tui/screens/runbook"
)

func (a *App) runbookCmd() *cobra.Command {
	var fp string
	var raw, light bool
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
			if err := a.checkOutput(); err != nil {
				return err
			}
			name := ""
			if len(args) == 1 {
				name = strings.TrimSpace(args[0])
			}
			if (name == "") == (fp == "") {
				return errors.New("give an alert name or --fingerprint (one of them)")
			}
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			f, err := newRunbookFinder(cfg)
			if err != nil {
				return err
			}
			ctx, cancel := a.ctx(cmd.Context())
			defer cancel()
			target, firing, err := a.runbookTarget(ctx, name, fp)
			if err != nil {
				return err
			}
			rb, err := f.Find(ctx, target)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.Stdout, runbookJSON(rb, f, target, firing))
			}
			width, isTerm := terminalWidth(a.Stdout)
			if raw || !isTerm {
				_, err := io.WriteString(a.Stdout, rb.Markdown)
				return err
			}
			out, err := runbooks.Render(rb.Markdown, width, !light && cfg.UI.Theme != "light")
			if err != nil {
				return err
			}
			head := "source: " + rb.Origin()
			if firing {
				head += " · escalation: " + f.Escalation(target)
			}
			_, err = fmt.Fprintf(a.Stdout, "%s\n%s", sanitize.Text(head), out)
			return err
		},
	}
	cmd.Flags().StringVar(&fp, "fingerprint", "", "the alert's Alertmanager fingerprint (a unique prefix is enough)")
	cmd.Flags().BoolVar(&raw, "raw", false, "print the markdown even on a terminal")
	cmd.Flags().BoolVar(&light, "light", false, "render for a light terminal background (default dark)")
	a.addOutputFlag(cmd)
	return cmd
}

// terminalWidth reports whether w is a terminal and its width (80 when
// unknown).
func terminalWidth(w io.Writer) (int, bool) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return 0, false
	}
	if cols, _, err := term.GetSize(f.Fd()); err == nil && cols > 0 {
		return cols, true
	}
	return 80, true
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

// runbookTarget finds the alert to look the runbook up for: by fingerprint
// in Alertmanager; by name in Alertmanager (firing), else from its
// Prometheus rule, else the bare name. firing says it came from a live
// alert (so its escalation state means something).
func (a *App) runbookTarget(ctx context.Context, name, fp string) (runbooks.Alert, bool, error) {
	cfg := a.cfg
	var (
		am   *alertmanager.Client
		prom *prometheus.Client
		err  error
	)
	if cur, cerr := cfg.Current(); cerr == nil {
		if len(cur.Alertmanager.URLs) > 0 {
			if am, err = a.Alertmanager(); err != nil {
				return runbooks.Alert{}, false, err
			}
		}
		if prom, err = a.Prometheus(); err != nil {
			return runbooks.Alert{}, false, err
		}
	}
	if fp != "" && am == nil {
		return runbooks.Alert{}, false, fmt.Errorf("--fingerprint needs an Alertmanager: set --alertmanager-url, $ONCALL_ALERTMANAGER_URL or [contexts.%s.alertmanager] urls", cfg.CurrentContext)
	}
	var filter []string
	if fp == "" {
		filter = []string{"alertname=" + strconv.Quote(name)}
	}
	live, rules, warns, err := fetchForRunbook(ctx, am, prom, filter)
	if err != nil && fp != "" {
		return runbooks.Alert{}, false, err
	}
	if err != nil {
		warns = append(warns, err)
	}
	for _, w := range warns {
		fmt.Fprintf(a.Stderr, "oncall: warning: %s\n", oneLine(httpx.Scrub(w.Error(), cfg.Secrets())))
	}
	now := time.Now()
	if fp != "" {
		al, err := byFingerprint(live, fp)
		if err != nil {
			return runbooks.Alert{}, false, err
		}
		return runbooks.FromAlert(al, rules, now), al.State == alerts.StateFiring || al.Ack != nil, nil
	}
	if al := pickAlert(live, name); al != nil {
		if n := countNamed(live, name); n > 1 {
			fmt.Fprintf(a.Stderr, "oncall: %d alerts named %s; showing the runbook for %s (pick one with --fingerprint)\n", n, sanitize.Text(name), al.Fingerprint)
		}
		return runbooks.FromAlert(al, rules, now), al.State == alerts.StateFiring || al.Ack != nil, nil
	}
	if rs := rules[name]; len(rs) > 0 {
		r := rs[0]
		ra := runbooks.Alert{Name: name, Labels: map[string]string{"alertname": name}, Annotations: map[string]string{}, Expr: r.Query}
		for k, v := range r.Labels {
			ra.Labels[string(k)] = string(v)
		}
		for k, v := range r.Annotations {
			if !strings.Contains(string(v), "{{") { // templates need a firing alert
				ra.Annotations[string(k)] = string(v)
			}
		}
		return ra, false, nil
	}
	return runbooks.Alert{Name: name, Labels: map[string]string{"alertname": name}}, false, nil
}

// fetchForRunbook reads alerts, silences (for acks), pending alerts and
// rules in parallel. Only an Alertmanager failure is an error; the rest
// are warnings.
func fetchForRunbook(ctx context.Context, am *alertmanager.Client, prom *prometheus.Client, filter []string) ([]*alerts.Alert, map[string][]v1.AlertingRule, []error, error) {
	var (
		wg               sync.WaitGroup
		amA              models.GettableAlerts
		amS              models.GettableSilences
		pA               []v1.Alert
		rules            map[string][]v1.AlertingRule
		errA, errS, errP error
		errR             error
	)
	if am != nil {
		wg.Add(2)
		go func() { defer wg.Done(); amA, errA = am.Alerts(ctx, filter) }()
		go func() { defer wg.Done(); amS, errS = am.Silences(ctx, nil) }()
	}
	if prom != nil {
		wg.Add(2)
		go func() { defer wg.Done(); pA, errP = prom.Alerts(ctx) }()
		go func() { defer wg.Done(); rules, errR = prom.AlertingRules(ctx) }()
	}
	wg.Wait()
	var warns []error
	for _, e := range []error{errS, errP, errR} {
		if e != nil {
			warns = append(warns, e)
		}
	}
	as, _ := alerts.Build(amA, amS, pA, rules)
	return as, rules, warns, errA
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
// then the longest active.
func pickAlert(as []*alerts.Alert, name string) *alerts.Alert {
	var named []*alerts.Alert
	for _, al := range as {
		if al.Name() == name {
			named = append(named, al)
		}
	}
	sort.SliceStable(named, func(i, j int) bool {
		fi, fj := named[i].State == alerts.StateFiring, named[j].State == alerts.StateFiring
		if fi != fj {
			return fi
		}
		return named[i].Since().Before(named[j].Since())
	})
	if len(named) == 0 {
		return nil
	}
	return named[0]
}

func countNamed(as []*alerts.Alert, name string) int {
	n := 0
	for _, al := range as {
		if al.Name() == name {
			n++
		}
	}
	return n
}

// newRunbookFinder builds the Finder from [runbooks] and [escalation]:
// folders (~ expanded, relative ones against the config file's folder),
// URL rewrites, cache TTL, the shipped runbooks (embedded, default on) and
// an HTTP client with the section's auth and TLS options.
func newRunbookFinder(cfg *config.Config) (*runbooks.Finder, error) {
	rc := cfg.Runbooks
	hc, err := httpx.NewClient(rc.ClientConfig)
	if err != nil {
		return nil, fmt.Errorf("runbooks: %w", err)
	}
	var rws []runbooks.Rewrite
	for i, r := range rc.Rewrites {
		rw, err := runbooks.ParseRewrite(r.Pattern, r.Replace)
		if err != nil {
			return nil, fmt.Errorf("runbooks.rewrites[%d]: %v", i, err)
		}
		rws = append(rws, rw)
	}
	var paths []string
	for _, p := range rc.Paths {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(p, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				p = filepath.Join(home, rest)
			}
		}
		if !filepath.IsAbs(p) && cfg.Path != "" {
			p = filepath.Join(filepath.Dir(cfg.Path), p)
		}
		paths = append(paths, p)
	}
	return runbooks.NewFinder(runbooks.Options{
		Paths:         paths,
		HTTPClient:    hc,
		Rewrites:      rws,
		CacheTTL:      rc.CacheTTL.D(),
		FetchTimeout:  rc.EffectiveTimeout(),
		Escalation:    cfg.Escalation.Steps,
		EscalateAfter: cfg.Escalation.After.D(),
		Embedded:      rc.Embedded == nil || *rc.Embedded,
	}), nil
}

// runbookEntries is the runbook screen (R) with a Finder built once for
// the program and a Loki client for logql blocks when the context has one.
func (a *App) runbookEntries(cfg *config.Config) []kit.Entry {
	o := runbook.Options{Steps: cfg.Escalation.Steps, After: cfg.Escalation.After.D()}
	if f, err := newRunbookFinder(cfg); err != nil {
		o.SetupErr = httpx.Scrub(oneLine(err.Error()), cfg.Secrets())
	} else {
		o.Finder = f
	}
	if cur, err := cfg.Current(); err == nil && cur.Loki.URL != "" {
		lc, err := loki.New(loki.Config{URL: cur.Loki.URL, Tenant: cur.Loki.Tenant, Client: cur.Loki.ClientConfig})
		if err != nil {
			o.LokiErr = httpx.Scrub(oneLine(err.Error()), cfg.Secrets())
		} else {
			o.Loki = lc
		}
	}
	return []kit.Entry{runbook.Entry(o)}
}

// demoRunbooks makes the simulated Prometheus answer the shipped runbooks'
// queries, and serves the shipped runbooks on a loopback port behind a
// rewrite, so the rule whose runbook_url is a GitHub page resolves offline.
func (a *App) demoRunbooks(ctx context.Context, b *sim.Backend, cfg *config.Config) error {
	simrunbooks.Register(b.Prometheus)
	srv, err := simrunbooks.Serve(ctx)
	if err != nil {
		return err
	}
	cfg.Runbooks.Rewrites = append(cfg.Runbooks.Rewrites, config.Rewrite{Pattern: simrunbooks.RepoURLPattern, Replace: srv.URL() + "/$1"})
	return nil
}
