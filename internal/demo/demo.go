// Package demo is the simulated incident of `oncall demo` and
// `oncall serve --demo`: it starts the simulators on loopback ports and
// writes the config that points oncall at them.
//
// The simulators live in the packages below: sim (Alertmanager and
// Prometheus, and the incident's timeline), simlogs (Loki), simtraces
// (Jaeger), simslo (the SLOs' series in the simulated Prometheus) and
// simrunbooks (the runbooks' queries, and the runbooks served over HTTP)
// and simgraphs (the alerts' graphs).
package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"oncall/internal/config"
	"oncall/internal/demo/sim"
	"oncall/internal/demo/simgraphs"
	"oncall/internal/demo/simlogs"
	"oncall/internal/demo/simrunbooks"
	"oncall/internal/demo/simslo"
	"oncall/internal/demo/simtraces"
	"oncall/internal/journal"
	"oncall/sources/loki/lokitest"
)

// The demo's two clusters: the incident in prod, a quiet staging beside it.
const (
	Context = "prod"
	Staging = "staging"
)

// The demo context's [loki] selectors, and its Grafana: the base of the
// relative Explore links Loki's ruler gives its alerts (no Grafana runs;
// the links show where they would lead).
const (
	AlertSelector = `{service_name="{{ .Labels.service }}"}`
	TraceSelector = `{env="prod"}`
	GrafanaURL    = "https://grafana.conectcrm.example"
)

// Options configure the demo.
type Options struct {
	// Addr is the simulated Alertmanager's address; Prometheus listens on
	// the next port ("" or port 0: free loopback ports).
	Addr string
	// Base is the user's own config, nil when it cannot be read: its
	// identity, keys and UI settings carry over to the demo.
	Base *config.Config
	// User, when set, is the identity (--user beats the config).
	User string
	// Getenv places the demo's own journal beside the real one (nil:
	// os.Getenv).
	Getenv func(string) string
}

// Incident is the running demo: the simulated servers (prod's, and
// staging's Alertmanager and Prometheus) and the config that points at
// them.
type Incident struct {
	Backend *sim.Backend
	Staging *sim.Backend
	Config  *config.Config
}

// Close stops the simulated servers (they stop too when Start's ctx ends).
func (i *Incident) Close() error {
	if i.Staging != nil {
		_ = i.Staging.Close()
	}
	return i.Backend.Close()
}

// Start starts the simulated Alertmanager and Prometheus, then every
// simulator of Simulators, and returns the demo config. Everything stops
// when ctx ends.
func Start(ctx context.Context, o Options) (*Incident, error) {
	b, err := sim.Start(ctx, sim.Options{Addr: o.Addr})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	st, err := sim.Start(ctx, sim.Options{Scenario: sim.ScenarioStaging})
	if err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("demo: staging: %w", err)
	}
	simgraphs.Register(st.Prometheus) // staging's alerts have their graphs too
	in := &Incident{Backend: b, Staging: st}
	in.Config = Config(b, o)
	in.Config.Contexts[Staging] = &config.Context{
		Alertmanager: config.Alertmanager{URLs: []string{st.Alertmanager.URL()}},
		Prometheus:   config.Prometheus{URL: st.Prometheus.URL()},
		UI:           config.ContextUI{Accent: "green"},
	}
	in.Config.View.Contexts = []string{Context, Staging}
	for _, start := range Simulators() {
		if err := start(ctx, b, in.Config); err != nil {
			_ = in.Close()
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	return in, nil
}

// A Simulator starts one more simulated backend beside b (it stops when
// ctx ends) and points cfg's demo context at it.
type Simulator func(ctx context.Context, b *sim.Backend, cfg *config.Config) error

// Simulators are the demo's simulators beyond Alertmanager and Prometheus,
// in the order Start runs them.
func Simulators() []Simulator { return []Simulator{Logs, Traces, SLO, Runbooks, Graphs} }

// Config is the defaults plus the "prod" context on b's servers, with the
// identity, keys and UI of o.Base and the journal beside the real one
// (demo-journal.jsonl), so the demo's acks and notes stay out of it.
func Config(b *sim.Backend, o Options) *config.Config {
	cfg := config.Defaults()
	if o.Base != nil {
		cfg.Identity = o.Base.Identity
		cfg.Keys = o.Base.Keys
		cfg.UI = o.Base.UI
	}
	if o.User != "" {
		cfg.Identity.User = o.User
	}
	cfg.CurrentContext = Context
	cfg.Contexts[Context] = &config.Context{
		Alertmanager: config.Alertmanager{URLs: []string{b.Alertmanager.URL()}},
		Prometheus:   config.Prometheus{URL: b.Prometheus.URL()},
		UI:           config.ContextUI{Accent: "red"},
		GrafanaURL:   GrafanaURL,
	}
	cfg.Runbooks.Paths = nil
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg.Journal.Path = JournalPath(getenv)
	return cfg
}

// JournalPath is the demo's journal: demo-journal.jsonl beside the real one.
func JournalPath(getenv func(string) string) string {
	return filepath.Join(filepath.Dir(journal.DefaultPath(getenv)), "demo-journal.jsonl")
}

// demoContext is cfg's demo context, or an error naming the simulator.
func demoContext(cfg *config.Config, what string) (*config.Context, error) {
	if c := cfg.Contexts[Context]; c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("%s: no demo context", what)
}

// Logs starts the simulated Loki, with Loki's ruler serving the seed's
// log-based rules and the incident's log-based alerts, and points the
// demo context at it.
func Logs(ctx context.Context, b *sim.Backend, cfg *config.Config) error {
	cur, err := demoContext(cfg, "logs")
	if err != nil {
		return err
	}
	srv, err := simlogs.Start(ctx, simlogs.Options{Clock: b.Clock(), Ruler: func(t time.Time) []lokitest.RuleGroup { return RulerGroups(b.LogRules(t), t) }})
	if err != nil {
		return err
	}
	cur.Loki.URL, cur.Loki.AlertSelector, cur.Loki.TraceSelector = srv.URL(), AlertSelector, TraceSelector
	return nil
}

// RulerGroups are the simulated ruler's groups as the fake Loki serves
// them: each rule evaluated a few seconds before t, healthy.
func RulerGroups(groups []sim.LogRuleGroup, t time.Time) []lokitest.RuleGroup {
	out := make([]lokitest.RuleGroup, 0, len(groups))
	for _, g := range groups {
		last := t.Truncate(g.Interval)
		rg := lokitest.RuleGroup{Name: g.Name, File: "conectcrm/" + g.Name, Interval: g.Interval, LastEvaluation: last, EvaluationTime: 12 * time.Millisecond}
		for _, r := range g.Rules {
			rule := lokitest.Rule{Alert: r.Alert, Expr: r.Expr, For: r.For, Labels: r.Labels, Annotations: r.Annotations,
				Health: "ok", LastEvaluation: last, EvaluationTime: 3 * time.Millisecond}
			for _, a := range r.Alerts {
				rule.Alerts = append(rule.Alerts, lokitest.Alert{Labels: a.Labels, Annotations: a.Annotations, State: a.State, ActiveAt: a.ActiveAt, Value: a.Value})
			}
			rg.Rules = append(rg.Rules, rule)
		}
		out = append(out, rg)
	}
	return out
}

// Traces starts the simulated Jaeger with the incident's traces — the same
// trace and span ids as the demo's log lines — and points the demo context
// at it.
func Traces(ctx context.Context, b *sim.Backend, cfg *config.Config) error {
	cur, err := demoContext(cfg, "traces")
	if err != nil {
		return err
	}
	srv, err := simtraces.Start(ctx, "127.0.0.1:0", simtraces.NewHandler(simtraces.Demo(b.Prometheus.IncidentStart())))
	if err != nil {
		return err
	}
	cur.Jaeger.URL = srv.URL()
	return nil
}

// SLO makes the simulated Prometheus answer the demo SLOs' queries from
// one request/error timeline per service, and configures those SLOs.
func SLO(_ context.Context, b *sim.Backend, cfg *config.Config) error {
	cur, err := demoContext(cfg, "slo")
	if err != nil {
		return err
	}
	simslo.RegisterDemo(b.Prometheus)
	cur.SLO = simslo.DemoSLOs()
	return nil
}

// Graphs makes the simulated Prometheus answer every demo alert's graph
// (its rule's plotted side, narrowed to the alert's series).
func Graphs(_ context.Context, b *sim.Backend, _ *config.Config) error {
	simgraphs.Register(b.Prometheus)
	return nil
}

// Runbooks makes the simulated Prometheus answer the shipped runbooks'
// queries, and serves the shipped runbooks on a loopback port behind a
// rewrite, so the rule whose runbook_url is a GitHub page resolves offline.
func Runbooks(ctx context.Context, b *sim.Backend, cfg *config.Config) error {
	simrunbooks.Register(b.Prometheus)
	srv, err := simrunbooks.Serve(ctx)
	if err != nil {
		return err
	}
	cfg.Runbooks.Rewrites = append(cfg.Runbooks.Rewrites, config.Rewrite{Pattern: simrunbooks.RepoURLPattern, Replace: srv.URL() + "/$1"})
	return nil
}
