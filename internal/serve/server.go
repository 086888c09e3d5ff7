// Package serve is `oncall serve`: the interactive screen over SSH, one
// independent session per connection, for a bastion host.
//
//   - Authentication is by public key only, against an authorized_keys file
//     re-read on every attempt (edits apply to the next login). Passwords,
//     keyboard-interactive and "none" are refused.
//   - Each session has its own tui.Model (keymap, styles, background
//     detection, colour profile from the client's TERM/COLORTERM/NO_COLOR)
//     and its own actions.Service whose user is the session identity
//     "<login> (SHA256:<fingerprint prefix>)" (Identity.Name). Source clients
//     are shared read-only.
//   - Roles (Roles.Resolve): responders act, viewers are read-only and get no
//     action service at all; anyone not listed is a viewer.
//   - Limits: sessions without input for IdleTimeout are closed; past
//     MaxSessions new sessions are refused with a message.
//   - Every session start and end and every action is logged (slog).
//   - Shutdown (the context given to Serve ends, e.g. on SIGTERM): no new
//     sessions; each session is told; in-flight actions get up to
//     DrainTimeout to finish, those still running are reported to their
//     session and the log; then every session ends with a final message.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/activeterm"
	"charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"oncall/internal/httpx"
	"oncall/tui"
	"oncall/tui/kit"
)

// DepsFunc builds the UI dependencies of one session. It may be called
// from several goroutines at once.
type DepsFunc func(id Identity) (tui.Deps, error)

// Config configures a Server.
type Config struct {
	// AuthorizedKeys is the OpenSSH authorized_keys file (required).
	AuthorizedKeys string
	// HostKey is the private host key file, created (0600) if missing.
	HostKey string
	// Roles maps users and key fingerprints to roles.
	Roles Roles
	// IdleTimeout closes sessions that sent no input for this long (0: never).
	IdleTimeout time.Duration
	// MaxSessions is the most concurrent sessions (0: unlimited).
	MaxSessions int
	// DrainTimeout bounds how long shutdown waits for in-flight actions
	// (default 20s, longer than an action's own 15s timeout).
	DrainTimeout time.Duration
	// ShutdownNotice is how long sessions see the shutdown message before
	// they are closed when nothing is in flight (default 2s).
	ShutdownNotice time.Duration
	// Secrets are scrubbed from every log line and message.
	Secrets []string
	// Logger receives the structured log (default: text to stderr).
	Logger *slog.Logger
	// Deps builds each session's sources and action service.
	Deps DepsFunc
	// Options adjusts each session's UI options (tests); may be nil.
	Options func(Identity, *tui.Options)
}

// Server is a running SSH server.
type Server struct {
	cfg    Config
	log    *slog.Logger
	ssh    *ssh.Server
	hostFP string

	mu       sync.Mutex
	sessions map[*session]struct{}
	draining bool
	nextID   int
}

// New checks the configuration, loads (or creates) the host key and the
// authorized keys, and builds the server. It does not listen yet.
func New(cfg Config) (*Server, error) {
	if cfg.Deps == nil {
		return nil, errors.New("serve: no session builder")
	}
	if cfg.AuthorizedKeys == "" {
		return nil, errors.New("serve: no authorized_keys file: set [serve] authorized_keys or --authorized-keys")
	}
	if cfg.HostKey == "" {
		return nil, errors.New("serve: no host key path: set [serve] host_key or --host-key")
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 20 * time.Second
	}
	if cfg.ShutdownNotice <= 0 {
		cfg.ShutdownNotice = 2 * time.Second
	}
	s := &Server{cfg: cfg, log: cfg.Logger, sessions: map[*session]struct{}{}}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	keys, warnings, err := loadAuthorizedKeys(cfg.AuthorizedKeys)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		s.log.Warn("authorized_keys", "problem", w)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("serve: %s holds no usable public key", cfg.AuthorizedKeys)
	}
	signer, created, err := LoadOrCreateHostKey(cfg.HostKey)
	if err != nil {
		return nil, err
	}
	s.hostFP = gossh.FingerprintSHA256(signer.PublicKey())
	if created {
		s.log.Info("host key created", "path", cfg.HostKey, "fingerprint", s.hostFP)
	}
	s.ssh, err = wish.NewServer(
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		ssh.PublicKeyAuth(s.authorize),
		wish.WithMiddleware(
			bubbletea.MiddlewareWithProgramHandler(s.program),
			activeterm.Middleware(),
			s.sessionMiddleware,
		),
	)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	return s, nil
}

// HostKeyFingerprint is the SHA256 fingerprint of the host key, for the
// operators' known_hosts.
func (s *Server) HostKeyFingerprint() string { return s.hostFP }

// Sessions is the number of open sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// authorize accepts a key listed in the authorized_keys file, re-read on
// every attempt so removing a key takes effect at once.
func (s *Server) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	keys, _, err := loadAuthorizedKeys(s.cfg.AuthorizedKeys)
	if err != nil {
		s.log.Error("authorized_keys unreadable: refusing logins", "err", err.Error())
		return false
	}
	_, ok := findKey(keys, key)
	if !ok {
		s.log.Warn("login refused", "user", cleanUser(ctx.User()), "remote", ctx.RemoteAddr().String(), "fingerprint", gossh.FingerprintSHA256(key), "reason", "key not authorized")
	}
	return ok
}

// Serve accepts sessions on ln until ctx ends, then shuts down gracefully
// (see the package comment). It returns nil after a graceful shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.log.Info("serving", "addr", ln.Addr().String(), "host_key_fingerprint", s.hostFP, "authorized_keys", s.cfg.AuthorizedKeys)
	errc := make(chan error, 1)
	go func() { errc <- s.ssh.Serve(ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, ssh.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.shutdown()
	return nil
}

// ListenAndServe listens on addr and serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: cannot listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// shutdown stops accepting, tells every session, waits for in-flight
// actions (bounded by DrainTimeout) and closes the sessions.
func (s *Server) shutdown() {
	s.mu.Lock()
	s.draining = true
	open := make([]*session, 0, len(s.sessions))
	for ss := range s.sessions {
		open = append(open, ss)
	}
	s.mu.Unlock()
	s.log.Info("shutting down", "sessions", len(open), "drain_timeout", s.cfg.DrainTimeout.String())

	// Close the listener; connections stay until their sessions end.
	stopped := make(chan struct{})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.DrainTimeout+5*time.Second)
		defer cancel()
		_ = s.ssh.Shutdown(ctx)
		close(stopped)
	}()

	for _, ss := range open {
		ss.send(kit.StatusMsg{Text: "the oncall server is shutting down: finishing actions in flight, then closing this session", Err: true})
	}
	start := time.Now()
	deadline := start.Add(s.cfg.DrainTimeout)
	pending := open
	for len(pending) > 0 {
		now := time.Now()
		var still []*session
		for _, ss := range pending {
			switch inflight := ss.inFlight(); {
			case len(inflight) == 0 && now.Sub(start) >= s.cfg.ShutdownNotice:
				ss.end("shutdown", "the oncall server is shutting down; reconnect in a moment.")
			case len(inflight) > 0 && !now.Before(deadline):
				for _, a := range inflight {
					s.log.Warn("action interrupted by shutdown", "identity", ss.id.Name(), "action", a)
				}
				ss.end("shutdown", fmt.Sprintf("the oncall server is shutting down; %d action(s) were still running and may not have completed: %s. Check the silences and the journal.", len(inflight), joinShort(inflight)))
			default:
				still = append(still, ss)
			}
		}
		pending = still
		if len(pending) > 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	// Every session has been told to end; give them a moment to print their
	// final message, then close what is left (idle connections included).
	for wait := time.Now().Add(5 * time.Second); s.Sessions() > 0 && time.Now().Before(wait); {
		time.Sleep(20 * time.Millisecond)
	}
	_ = s.ssh.Close()
	<-stopped
	s.log.Info("stopped")
}

// register admits a new session, or refuses it (limits, shutdown).
func (s *Server) register(ss *session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return errors.New("the server is shutting down; try again in a moment")
	}
	if s.cfg.MaxSessions > 0 && len(s.sessions) >= s.cfg.MaxSessions {
		return fmt.Errorf("too many sessions (the limit is %d); try again later", s.cfg.MaxSessions)
	}
	s.nextID++
	ss.num = s.nextID
	s.sessions[ss] = struct{}{}
	return nil
}

func (s *Server) unregister(ss *session) {
	s.mu.Lock()
	delete(s.sessions, ss)
	s.mu.Unlock()
}

// scrub removes secrets from text that goes to the log or a session.
func (s *Server) scrub(text string) string { return httpx.Scrub(text, s.cfg.Secrets) }

func joinShort(items []string) string {
	out := ""
	for i, it := range items {
		if i == 3 {
			return out + fmt.Sprintf(", and %d more", len(items)-3)
		}
		if i > 0 {
			out += ", "
		}
		out += it
	}
	return out
}
