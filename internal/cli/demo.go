package cli

import (
	"context"
	"fmt"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"oncall/internal/config"
	"oncall/internal/demo/sim"
	"oncall/internal/journal"
)

func (a *App) demoCmd() *cobra.Command {
	var serveOnly bool
	var addr string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run oncall on a simulated incident (the CRM API goes down), served over the real wire APIs",
		Long: `demo starts simulated Alertmanager and Prometheus servers on loopback ports
and opens oncall against them through the normal clients. Silences and acks you
make really change the simulated Alertmanager. Nothing but this binary is needed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			b, err := sim.Start(ctx, sim.Options{Addr: addr})
			if err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			defer b.Close()
			cfg := demoConfig(a, b)
			for _, extra := range []func(context.Context, *sim.Backend, *config.Config) error{a.demoLogs, a.demoTraces, a.demoSLO, a.demoRunbooks} {
				if err := extra(ctx, b, cfg); err != nil {
					return fmt.Errorf("demo: %w", err)
				}
			}
			if serveOnly {
				fmt.Fprintf(a.Stdout, "export ONCALL_ALERTMANAGER_URL=%s\nexport ONCALL_PROMETHEUS_URL=%s\n", b.Alertmanager.URL(), b.Prometheus.URL())
				if dc := cfg.Contexts["demo"]; dc != nil {
					if dc.Loki.URL != "" {
						fmt.Fprintf(a.Stdout, "export ONCALL_LOKI_URL=%s\n", dc.Loki.URL)
					}
					if dc.Jaeger.URL != "" {
						fmt.Fprintf(a.Stdout, "export ONCALL_JAEGER_URL=%s\n", dc.Jaeger.URL)
					}
				}
				fmt.Fprintln(a.Stdout, "# simulated servers running; Ctrl-C stops them")
				<-ctx.Done()
				return nil
			}
			jp := filepath.Join(filepath.Dir(journal.DefaultPath(a.Getenv)), "demo-journal.jsonl")
			return a.runTUIWith(ctx, cfg, jp)
		},
	}
	cmd.Flags().BoolVar(&serveOnly, "serve-only", false, "only run the simulated servers and print their URLs")
	cmd.Flags().StringVar(&addr, "listen", "127.0.0.1:0", "address for the simulated servers (port P: Alertmanager on P, Prometheus on P+1)")
	return cmd
}

// demoConfig is the defaults plus one "demo" context on the simulated
// servers; identity and flags still apply.
func demoConfig(a *App, b *sim.Backend) *config.Config {
	cfg := config.Defaults()
	if c, err := a.peekConfig(); err == nil {
		cfg.Identity = c.Identity
		cfg.Keys = c.Keys
		cfg.UI = c.UI
	}
	if a.flags.User != "" {
		cfg.Identity.User = a.flags.User
	}
	cfg.CurrentContext = "demo"
	cfg.Contexts["demo"] = &config.Context{
		Alertmanager: config.Alertmanager{URLs: []string{b.Alertmanager.URL()}},
		Prometheus:   config.Prometheus{URL: b.Prometheus.URL()},
	}
	cfg.Runbooks.Paths = nil
	return cfg
}
