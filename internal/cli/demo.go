package cli

import (
	"context"
	"fmt"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"oncall/internal/demo"
)

// demoVerb is `oncall demo`: the simulated incident, on the screen or
// (--serve-only) only its servers.
type demoVerb struct {
	*App
	serveOnly bool
	addr      string
}

func (a *App) demoCmd() *cobra.Command {
	v := &demoVerb{App: a}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run oncall on a simulated incident (the CRM API goes down), served over the real wire APIs",
		Long: `demo starts simulated Alertmanager, Prometheus, Loki (with its ruler) and
Jaeger servers on loopback ports, speaking the real wire APIs, and opens oncall
against them through the normal clients, watching two clusters: prod, where the
CRM API goes down (Prometheus and log-based alerts, logs, traces, the SLO, a
week of firing history), and a quiet staging. Silences and acks you make really
change the simulated Alertmanager of the alert's cluster. Nothing but this
binary is needed; the demo keeps its own journal (demo-journal.jsonl).`,
		Args: cobra.NoArgs,
		RunE: a.runE(v),
	}
	cmd.Flags().BoolVar(&v.serveOnly, "serve-only", false, "only run the simulated servers and print their URLs")
	cmd.Flags().StringVar(&v.addr, "listen", "127.0.0.1:0", "address for the simulated servers (port P: Alertmanager on P, Prometheus on P+1)")
	return cmd
}

func (v *demoVerb) run(ctx context.Context) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	in, err := demo.Start(ctx, v.demoOptions(v.addr))
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	if !v.serveOnly {
		return v.runTUI(ctx, in.Config, "")
	}
	fmt.Fprintf(v.Stdout, "export ONCALL_ALERTMANAGER_URL=%s\nexport ONCALL_PROMETHEUS_URL=%s\n", in.Backend.Alertmanager.URL(), in.Backend.Prometheus.URL())
	dc := in.Config.Contexts[demo.Context]
	if dc.Loki.URL != "" {
		fmt.Fprintf(v.Stdout, "export ONCALL_LOKI_URL=%s\n", dc.Loki.URL)
	}
	if dc.Jaeger.URL != "" {
		fmt.Fprintf(v.Stdout, "export ONCALL_JAEGER_URL=%s\n", dc.Jaeger.URL)
	}
	fmt.Fprintf(v.Stdout, "# the quiet %s cluster: alertmanager %s prometheus %s\n", demo.Staging, in.Staging.Alertmanager.URL(), in.Staging.Prometheus.URL())
	fmt.Fprintln(v.Stdout, "# simulated servers running; Ctrl-C stops them")
	<-ctx.Done()
	return nil
}

// demoOptions carry the user's identity, keys and UI into the demo; the
// config is peeked at, so an unreadable one does not stop the demo.
func (a *App) demoOptions(addr string) demo.Options {
	o := demo.Options{Addr: addr, User: a.flags.User, Getenv: a.Getenv}
	if c, err := a.peekConfig(); err == nil {
		o.Base = c
	}
	return o
}
