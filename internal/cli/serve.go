package cli

import (
	"context"
	"log/slog"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"oncall/internal/config"
	"oncall/internal/demo"
	"oncall/internal/serve"
	"oncall/internal/wire"
)

// serveVerb is `oncall serve`: the screen over SSH, on the configured
// context or (--demo) the simulated incident.
type serveVerb struct {
	*App
	listen, keys, hostKey string
	maxSessions           int
	idle                  time.Duration
	demo                  bool
	changed               func(flag string) bool
}

func (a *App) serveCmd() *cobra.Command {
	v := &serveVerb{App: a}
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
			v.changed = cmd.Flags().Changed
			return a.exec(cmd, v)
		},
	}
	f := cmd.Flags()
	f.StringVar(&v.listen, "listen", "", "address to listen on (default [serve] listen, 127.0.0.1:2222)")
	f.StringVar(&v.keys, "authorized-keys", "", "OpenSSH authorized_keys file of the operators (default [serve] authorized_keys)")
	f.StringVar(&v.hostKey, "host-key", "", "host private key, created with mode 0600 if missing (default [serve] host_key, then $XDG_STATE_HOME/oncall/ssh_host_ed25519_key)")
	f.IntVar(&v.maxSessions, "max-sessions", 0, "most concurrent sessions, 0 for no limit (default [serve] max_sessions, 16)")
	f.DurationVar(&v.idle, "idle-timeout", 0, "close sessions without input for this long, 0 for never (default [serve] idle_timeout, 30m)")
	f.BoolVar(&v.demo, "demo", false, "serve the simulated incident of `oncall demo` instead of the configured context")
	return cmd
}

func (v *serveVerb) run(ctx context.Context) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// The demo servers outlive the graceful shutdown of the sessions.
	simCtx, stopSim := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSim()
	cfg, err := v.config(simCtx)
	if err != nil {
		return err
	}
	sc := v.settings(cfg.Serve)
	sessions, hub, err := wire.Sessions(cfg, v.wireEnv())
	if err != nil {
		return withHint(err, "or serve --demo")
	}
	defer hub.Close()
	srv, err := serve.New(serve.Config{
		AuthorizedKeys: sc.AuthorizedKeys,
		HostKey:        sc.HostKey,
		Roles:          serve.Roles{Responders: sc.Responders, Viewers: sc.Viewers},
		IdleTimeout:    sc.IdleTimeout.D(),
		MaxSessions:    sc.MaxSessions,
		Secrets:        cfg.Secrets(),
		Logger:         slog.New(slog.NewTextHandler(v.Stderr, nil)),
		Deps:           sessions,
	})
	if err != nil {
		return err
	}
	return srv.ListenAndServe(ctx, sc.Listen)
}

// config loads the config, or with --demo starts the simulated incident
// (it stops when ctx ends) and returns its config with the [serve]
// settings of the real one.
func (v *serveVerb) config(ctx context.Context) (*config.Config, error) {
	base, err := v.Config()
	if err != nil || !v.demo {
		return base, err
	}
	in, err := demo.Start(ctx, v.demoOptions(""))
	if err != nil {
		return nil, err
	}
	in.Config.Serve = base.Serve
	v.cfg = in.Config
	return in.Config, nil
}

// settings are [serve] with the flags given on top.
func (v *serveVerb) settings(sc config.Serve) config.Serve {
	if v.changed("listen") {
		sc.Listen = v.listen
	}
	if v.changed("authorized-keys") {
		sc.AuthorizedKeys = v.keys
	}
	if v.changed("host-key") {
		sc.HostKey = v.hostKey
	}
	if v.changed("max-sessions") {
		sc.MaxSessions = v.maxSessions
	}
	if v.changed("idle-timeout") {
		sc.IdleTimeout = config.Duration(v.idle)
	}
	if sc.HostKey == "" {
		sc.HostKey = serve.DefaultHostKeyPath(v.Getenv)
	}
	return sc
}
