// Package cli is oncall's command line: one file per verb, a timeout on every
// action, table and JSON output, config values as flag defaults.
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

	"oncall/internal/actions"
	"oncall/internal/config"
	"oncall/internal/httpx"
	"oncall/internal/journal"
	"oncall/internal/sanitize"
	"oncall/sources/alertmanager"
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
	var secrets []string
	if app.cfg != nil {
		secrets = app.cfg.Secrets()
	}
	msg := httpx.Scrub(oneLine(err.Error()), secrets)
	fmt.Fprintf(stderr, "oncall: %s\n", msg)
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

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\n", "; ")
	return sanitize.Text(s)
}

// Root builds the command tree.
func (a *App) Root() *cobra.Command {
	root := &cobra.Command{
		Use:           "oncall",
		Short:         "A terminal cockpit for on-call operators",
		Long:          "oncall shows what is firing (Alertmanager, Prometheus), how bad it is (SLO burn),\nwhy (Loki logs, Jaeger traces), what to do (runbooks), and acts (silence, ack).\nWith no command it opens the interactive screen.",
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runTUI(cmd.Context())
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.flags.ConfigPath, "config", "", "config file (default $ONCALL_CONFIG, then $XDG_CONFIG_HOME/oncall/config.toml)")
	pf.StringVar(&a.flags.Context, "context", "", "context to use (default: current_context)")
	pf.StringVar(&a.flags.AlertmanagerURL, "alertmanager-url", "", "Alertmanager URL; comma-separated peers of one cluster ($ONCALL_ALERTMANAGER_URL)")
	pf.StringVar(&a.flags.PrometheusURL, "prometheus-url", "", "Prometheus URL ($ONCALL_PROMETHEUS_URL)")
	pf.StringVar(&a.flags.LokiURL, "loki-url", "", "Loki URL ($ONCALL_LOKI_URL)")
	pf.StringVar(&a.flags.JaegerURL, "jaeger-url", "", "Jaeger query HTTP URL ($ONCALL_JAEGER_URL)")
	pf.StringVar(&a.flags.JaegerGRPC, "jaeger-grpc", "", "Jaeger query gRPC host:port ($ONCALL_JAEGER_GRPC)")
	pf.StringVar(&a.flags.User, "user", "", "identity for createdBy and acks (default: [identity] user, then $USER@hostname)")
	pf.DurationVar(&a.timeout, "timeout", 15*time.Second, "timeout for each action")
	root.AddCommand(
		a.alertsCmd(), a.silenceCmd(), a.ackCmd(), a.checkCmd(), a.versionCmd(), a.demoCmd(),
		a.completionCmd(), a.manCmd(),
	)
	for _, c := range []*cobra.Command{a.logsCmd(), a.traceCmd(), a.budgetCmd(), a.runbookCmd(), a.handoffCmd(), a.serveCmd()} {
		if c != nil {
			root.AddCommand(c)
		}
	}
	return root
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
		fmt.Fprintf(a.Stderr, "oncall: warning: %s\n", w)
	}
	a.cfg = cfg
	return cfg, nil
}

// ctx returns a context bounded by --timeout.
func (a *App) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	return context.WithTimeout(parent, a.timeout)
}

// Alertmanager builds the client for the current context.
func (a *App) Alertmanager() (*alertmanager.Client, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	cur, err := cfg.Current()
	if err != nil {
		return nil, err
	}
	if len(cur.Alertmanager.URLs) == 0 {
		return nil, fmt.Errorf("no Alertmanager configured for context %q: set --alertmanager-url, $ONCALL_ALERTMANAGER_URL or [contexts.%s.alertmanager] urls", cfg.CurrentContext, cfg.CurrentContext)
	}
	return alertmanager.New(alertmanager.Config{URLs: cur.Alertmanager.URLs, Client: cur.Alertmanager.ClientConfig})
}

// Prometheus builds the client for the current context, or nil if none is set.
func (a *App) Prometheus() (*prometheus.Client, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	cur, err := cfg.Current()
	if err != nil {
		return nil, err
	}
	if cur.Prometheus.URL == "" {
		return nil, nil
	}
	return prometheus.New(prometheus.Config{URL: cur.Prometheus.URL, Client: cur.Prometheus.ClientConfig})
}

// Journal opens the action journal.
func (a *App) Journal() (*journal.Journal, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	p := cfg.Journal.Path
	if p == "" {
		p = journal.DefaultPath(a.Getenv)
	}
	j, err := journal.Open(p)
	if err != nil {
		return nil, err
	}
	j.Retention = cfg.Journal.Retention.D()
	return j, nil
}

// Actions builds the write service.
func (a *App) Actions() (*actions.Service, error) {
	am, err := a.Alertmanager()
	if err != nil {
		return nil, err
	}
	j, err := a.Journal()
	if err != nil {
		return nil, err
	}
	return &actions.Service{AM: am, Journal: j, User: a.cfg.Identity.User, Context: a.cfg.CurrentContext}, nil
}

// addOutputFlag adds -o table|json.
func (a *App) addOutputFlag(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&a.output, "output", "o", "table", "output format: table or json")
}

func (a *App) checkOutput() error {
	switch a.output {
	case "table", "json", "":
		return nil
	}
	return fmt.Errorf("unknown output format %q: use table or json", a.output)
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
