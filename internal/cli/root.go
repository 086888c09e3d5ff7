// Package cli is oncall's command line, and only that: one file per verb.
// A verb is a small struct whose fields are its flags and whose run method
// does the work, under --timeout wherever it talks to a server, and prints
// through output.go (tables, JSON, warnings). Clients, the screen's
// dependencies and the demo are built by internal/wire and internal/demo.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"oncall/internal/config"
	"oncall/internal/wire"
	"oncall/sources/alertmanager"
	"oncall/sources/loki"
	"oncall/sources/prometheus"
)

// Build information, set by ldflags.
var (
	Version = "dev"
	Commit  = "none"
	Date    = "unknown"
)

// App is the state one invocation shares between its commands.
type App struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string

	flags    config.Overrides
	preflags config.Overrides
	output   string
	timeout  time.Duration
	readOnly bool

	cfg *config.Config
}

// Main runs the CLI and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := &App{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: os.Getenv, preflags: prescan(args)}
	root := app.Root()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "oncall: %s\n", app.scrub(err.Error()))
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// Root builds the command tree.
func (a *App) Root() *cobra.Command {
	root := &cobra.Command{
		Use:           "oncall",
		Short:         "A terminal cockpit for on-call operators",
		Long:          "oncall shows what is firing (Alertmanager, Prometheus), how bad it is (SLO burn),\nwhy (Loki logs, Jaeger traces), what to do (runbooks), and acts (silence, ack).\nWith no command it opens the interactive screen.",
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          a.runE(&tuiVerb{App: a}),
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.flags.ConfigPath, "config", "", "config file (default $ONCALL_CONFIG, then $XDG_CONFIG_HOME/oncall/config.toml)")
	pf.StringVar(&a.flags.Context, "context", "", "context to use, or several to watch at once: a,b (default: [view] contexts, then current_context)")
	pf.BoolVar(&a.flags.AllContexts, "all-contexts", false, "watch every configured context at once")
	pf.StringVar(&a.flags.AlertmanagerURL, "alertmanager-url", "", "Alertmanager URL; comma-separated peers of one cluster ($ONCALL_ALERTMANAGER_URL)")
	pf.StringVar(&a.flags.PrometheusURL, "prometheus-url", "", "Prometheus URL ($ONCALL_PROMETHEUS_URL)")
	pf.StringVar(&a.flags.LokiURL, "loki-url", "", "Loki URL ($ONCALL_LOKI_URL)")
	pf.StringVar(&a.flags.JaegerURL, "jaeger-url", "", "Jaeger query HTTP URL ($ONCALL_JAEGER_URL)")
	pf.StringVar(&a.flags.JaegerGRPC, "jaeger-grpc", "", "Jaeger query gRPC host:port ($ONCALL_JAEGER_GRPC)")
	pf.StringVar(&a.flags.User, "user", "", "identity for createdBy and acks (default: [identity] user, then $USER@hostname)")
	pf.DurationVar(&a.timeout, "timeout", 15*time.Second, "timeout for each action")
	pf.BoolVar(&a.readOnly, "readonly", false, "refuse every write (silence, ack, expire, extend, undo) in every context, before any request is sent")
	root.AddCommand(
		a.alertsCmd(), a.silenceCmd(), a.ackCmd(), a.checkCmd(), a.versionCmd(), a.demoCmd(),
		a.completionCmd(), a.manCmd(),
		a.logsCmd(), a.traceCmd(), a.budgetCmd(), a.runbookCmd(), a.handoffCmd(), a.serveCmd(), a.graphCmd(),
	)
	return root
}

// A verb is one command's action: its flags are the struct's fields, bound
// by the command's constructor, and run does the work.
type verb interface {
	run(ctx context.Context) error
}

// runE adapts a verb without arguments to cobra.
func (a *App) runE(v verb) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error { return a.exec(cmd, v) }
}

// exec checks -o where the command has it, then runs the verb with the
// command's context.
func (a *App) exec(cmd *cobra.Command, v verb) error {
	if cmd.Flags().Lookup("output") != nil {
		if err := a.checkOutput(); err != nil {
			return err
		}
	}
	return v.run(cmd.Context())
}

// Config loads the configuration once.
func (a *App) Config() (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	o := a.flags.Merge(config.EnvOverrides(a.Getenv))
	cfg, err := config.Load(o, a.Getenv)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.Warnings {
		a.warnf("%s", w)
	}
	a.cfg = cfg
	return cfg, nil
}

// secrets are the loaded config's secrets (none before it is loaded).
func (a *App) secrets() []string {
	if a.cfg == nil {
		return nil
	}
	return a.cfg.Secrets()
}

// ctx returns a context bounded by --timeout.
func (a *App) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	return context.WithTimeout(parent, a.timeout)
}

// withConfig loads the config and builds something from it.
func withConfig[T any](a *App, build func(*config.Config) (T, error)) (T, error) {
	cfg, err := a.Config()
	if err != nil {
		var zero T
		return zero, err
	}
	return build(cfg)
}

func (a *App) alertmanager() (*alertmanager.Client, error) { return withConfig(a, wire.Alertmanager) }

// prometheus is nil (and no error) when the context has none.
func (a *App) prometheus() (*prometheus.Client, error) { return withConfig(a, wire.Prometheus) }

// ruler is the context's Loki ruler (log-based alerts and their rules):
// nil, and no error, when the context has no Loki or [loki] ruler is off.
// A ruler that cannot be built is a warning: the alerts are shown without
// it. tenant overrides the context's ("": keep it).
func (a *App) ruler(tenant string) *loki.Ruler {
	cfg, err := a.Config()
	if err != nil {
		return nil
	}
	cur, err := cfg.Current()
	if err != nil || !cur.Loki.RulerOn() {
		return nil
	}
	lc, err := wire.LokiAs(cfg, tenant)
	var r *loki.Ruler
	if err == nil {
		r, err = lc.Ruler()
	}
	if err != nil {
		a.warnf("log-based alerts left out: %s", err)
		return nil
	}
	return r
}

// wireEnv is what internal/wire needs from this invocation.
func (a *App) wireEnv() wire.Env {
	e := wire.Env{Getenv: a.Getenv, Timeout: a.timeout, Warn: func(s string) { a.warnf("%s", s) }}
	if a.readOnly {
		e.ReadOnly = wire.ReadOnlyFlag
	}
	return e
}

// peekConfig loads the config for flag defaults, before flags are parsed:
// from --config/--context found by a pre-scan of the arguments, the
// environment, or the default path. Errors are ignored here; the real load
// reports them.
func (a *App) peekConfig() (*config.Config, error) {
	o := a.preflags.Merge(config.EnvOverrides(a.Getenv))
	return config.Load(o, a.Getenv)
}

// prescan finds --config and --context in raw arguments.
func prescan(args []string) config.Overrides {
	var o config.Overrides
	for i := 0; i < len(args); i++ {
		for _, f := range []struct {
			name string
			dst  *string
		}{{"--config", &o.ConfigPath}, {"--context", &o.Context}} {
			switch {
			case args[i] == f.name && i+1 < len(args):
				*f.dst = args[i+1]
			case strings.HasPrefix(args[i], f.name+"="):
				*f.dst = strings.TrimPrefix(args[i], f.name+"=")
			}
		}
	}
	return o
}
