package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"oncall/internal/actions"
	"oncall/internal/config"
	"oncall/internal/journal"
	"oncall/internal/serve"
	"oncall/internal/sim"
	"oncall/tui"
)

func (a *App) serveCmd() *cobra.Command {
	var (
		listen, keys, hostKey string
		maxSessions           int
		idle                  time.Duration
		demo                  bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the interactive screen over SSH (for a bastion host)",
		Long: `serve runs an SSH server: every operator who connects with an authorized key
gets their own oncall screen. Only public-key authentication is accepted, against
the authorized_keys file (re-read at each login).

The session identity, used as createdBy and in ack comments, is
"<ssh user> (SHA256:<first 12 characters of the key fingerprint>)".
Roles come from [serve] responders and viewers: a key fingerprint ("SHA256:…")
or a user name. A user name counts only for a key whose authorized_keys comment
names that user ("alice" or "alice@laptop"), since the SSH login name is chosen
by the client. Responders can silence and ack; viewers, and anyone not listed,
are read-only.

SIGTERM or SIGINT shuts down gracefully: sessions are told, actions in flight
get up to 20s to finish, and each session closes with a final message.`,
		Example: `  oncall serve --authorized-keys /etc/oncall/authorized_keys
  oncall serve --demo --authorized-keys ~/.ssh/id_ed25519.pub --listen 127.0.0.1:2222
  ssh -p 2222 -t bastion`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			// The demo servers outlive the graceful shutdown of the sessions.
			simCtx, stopSim := context.WithCancel(context.WithoutCancel(ctx))
			defer stopSim()
			cfg, journalPath, err := a.serveConfig(simCtx, demo)
			if err != nil {
				return err
			}
			sc := cfg.Serve
			f := cmd.Flags()
			if f.Changed("listen") {
				sc.Listen = listen
			}
			if f.Changed("authorized-keys") {
				sc.AuthorizedKeys = keys
			}
			if f.Changed("host-key") {
				sc.HostKey = hostKey
			}
			if f.Changed("max-sessions") {
				sc.MaxSessions = maxSessions
			}
			if f.Changed("idle-timeout") {
				sc.IdleTimeout = config.Duration(idle)
			}
			if sc.HostKey == "" {
				sc.HostKey = serve.DefaultHostKeyPath(a.Getenv)
			}
			build, err := a.serveDeps(cfg, journalPath)
			if err != nil {
				return err
			}
			srv, err := serve.New(serve.Config{
				AuthorizedKeys: sc.AuthorizedKeys,
				HostKey:        sc.HostKey,
				Roles:          serve.Roles{Responders: sc.Responders, Viewers: sc.Viewers},
				IdleTimeout:    sc.IdleTimeout.D(),
				MaxSessions:    sc.MaxSessions,
				Secrets:        cfg.Secrets(),
				Logger:         slog.New(slog.NewTextHandler(a.Stderr, nil)),
				Deps:           build,
			})
			if err != nil {
				return err
			}
			return srv.ListenAndServe(ctx, sc.Listen)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "", "address to listen on (default [serve] listen, 127.0.0.1:2222)")
	f.StringVar(&keys, "authorized-keys", "", "OpenSSH authorized_keys file of the operators (default [serve] authorized_keys)")
	f.StringVar(&hostKey, "host-key", "", "host private key, created with mode 0600 if missing (default [serve] host_key, then $XDG_STATE_HOME/oncall/ssh_host_ed25519_key)")
	f.IntVar(&maxSessions, "max-sessions", 0, "most concurrent sessions, 0 for no limit (default [serve] max_sessions, 16)")
	f.DurationVar(&idle, "idle-timeout", 0, "close sessions without input for this long, 0 for never (default [serve] idle_timeout, 30m)")
	f.BoolVar(&demo, "demo", false, "serve the simulated incident of `oncall demo` instead of the configured context")
	return cmd
}

// serveConfig loads the config, or with demo starts the simulated servers
// (they stop when ctx ends) and returns the demo config with the [serve]
// settings of the real one. journalPath is "" for the configured journal.
func (a *App) serveConfig(ctx context.Context, demo bool) (*config.Config, string, error) {
	base, err := a.Config()
	if err != nil {
		return nil, "", err
	}
	if !demo {
		return base, "", nil
	}
	b, err := sim.Start(ctx, sim.Options{})
	if err != nil {
		return nil, "", fmt.Errorf("demo: %w", err)
	}
	cfg := demoConfig(a, b)
	cfg.Serve = base.Serve
	for _, extra := range []func(context.Context, *sim.Backend, *config.Config) error{a.demoLogs, a.demoTraces, a.demoSLO, a.demoRunbooks} {
		if err := extra(ctx, b, cfg); err != nil {
			return nil, "", fmt.Errorf("demo: %w", err)
		}
	}
	a.cfg = cfg
	return cfg, filepath.Join(filepath.Dir(journal.DefaultPath(a.Getenv)), "demo-journal.jsonl"), nil
}

// serveDeps builds the source clients once (they are safe for concurrent
// use and only read) and returns the per-session builder: each session gets
// a copy of the config with its own identity, its own screens and, for
// responders only, its own action service.
func (a *App) serveDeps(cfg *config.Config, journalPath string) (serve.DepsFunc, error) {
	a.cfg = cfg
	cur, err := cfg.Current()
	if err != nil {
		return nil, err
	}
	shared := tui.Deps{Config: cfg}
	var j *journal.Journal
	if len(cur.Alertmanager.URLs) > 0 {
		if shared.AM, err = a.Alertmanager(); err != nil {
			return nil, err
		}
		if j, err = a.Journal(); err != nil {
			return nil, err
		}
		if journalPath != "" {
			j.Path = journalPath
		}
	}
	if shared.Prom, err = a.Prometheus(); err != nil {
		return nil, err
	}
	if shared.AM == nil && shared.Prom == nil {
		return nil, fmt.Errorf("context %q has no Alertmanager or Prometheus: set --alertmanager-url/--prometheus-url, the ONCALL_* variables or a config file (or serve --demo)", cfg.CurrentContext)
	}
	var mu sync.Mutex // feature screen builders are not promised to be concurrency-safe
	return func(id serve.Identity) (tui.Deps, error) {
		mu.Lock()
		defer mu.Unlock()
		c := *cfg
		c.Identity.User = id.Name()
		d := shared
		d.Config = &c
		if id.Role == serve.RoleResponder && d.AM != nil {
			d.Actions = &actions.Service{AM: d.AM, Journal: j, User: id.Name(), Context: c.CurrentContext}
		}
		d.Screens = a.screens(&c)
		d.Entries = a.entries(&c)
		return d, nil
	}, nil
}
