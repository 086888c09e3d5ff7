package wire

import (
	"fmt"
	"sync"
	"time"

	"oncall/internal/config"
	"oncall/internal/httpx"
	"oncall/internal/journal"
	"oncall/internal/serve"
	"oncall/sources/alertmanager"
	"oncall/sources/prometheus"
	"oncall/tui"
)

// Env is what the wiring needs besides the config.
type Env struct {
	// Getenv reads the environment: the journal's default place
	// ($XDG_STATE_HOME) and the handoff webhook ($ONCALL_HANDOFF_WEBHOOK).
	Getenv func(string) string
	// Warn hears, in one line each, a feature left out because its source
	// cannot be built (the secrets of the config are already scrubbed);
	// nil drops them.
	Warn func(string)
	// Timeout bounds each request of the screens that take one (traces).
	Timeout time.Duration
}

func (e Env) warn(cfg *config.Config, what string, err error) {
	if e.Warn != nil {
		e.Warn(what + ": " + scrub(cfg, err))
	}
}

// scrub is err on one line, safe for a terminal, without the config's
// secrets.
func scrub(cfg *config.Config, err error) string { return httpx.ScrubLine(err.Error(), cfg.Secrets()) }

// NoSourceError is a context with neither an Alertmanager nor a
// Prometheus: there is nothing to show.
type NoSourceError struct{ Context string }

func (e NoSourceError) Error() string {
	return fmt.Sprintf("context %q has no Alertmanager or Prometheus: set --alertmanager-url/--prometheus-url, the ONCALL_* variables or a config file", e.Context)
}

// shared are the clients every session of one config reads through.
type shared struct {
	am   *alertmanager.Client // nil: none configured
	prom *prometheus.Client   // nil: none configured
	j    *journal.Journal     // with am only: nothing to write otherwise
}

func build(cfg *config.Config, env Env) (shared, error) {
	var s shared
	cur, err := cfg.Current()
	if err != nil {
		return s, err
	}
	if len(cur.Alertmanager.URLs) > 0 {
		if s.am, err = Alertmanager(cfg); err != nil {
			return s, err
		}
		if s.j, err = Journal(cfg, env.Getenv); err != nil {
			return s, err
		}
	}
	if s.prom, err = Prometheus(cfg); err != nil {
		return s, err
	}
	if s.am == nil && s.prom == nil {
		return s, NoSourceError{Context: cfg.CurrentContext}
	}
	return s, nil
}

// deps is one session's dependencies: cfg (already under the session's
// identity), the shared clients, an action service when it may write, and
// its own screens.
func (s shared) deps(cfg *config.Config, env Env, write bool) tui.Deps {
	d := tui.Deps{Config: cfg, AM: s.am, Prom: s.prom}
	if write && s.am != nil {
		d.Actions = newActions(cfg, s.am, s.j, cfg.Identity.User)
	}
	d.Entries = Entries(cfg, env)
	return d
}

// Local builds the dependencies of the screen on this terminal: the
// clients of the current context, the action service (with an
// Alertmanager), the screens.
func Local(cfg *config.Config, env Env) (tui.Deps, error) {
	s, err := build(cfg, env)
	if err != nil {
		return tui.Deps{}, err
	}
	return s.deps(cfg, env, true), nil
}

// Sessions builds the clients once (they are safe for concurrent use and
// only read) and returns the builder of each SSH session's dependencies: a
// copy of the config under the session's identity, its own screens and,
// for responders only, its own action service.
func Sessions(cfg *config.Config, env Env) (serve.DepsFunc, error) {
	s, err := build(cfg, env)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex // screen builders are not promised to be concurrency-safe
	return func(id serve.Identity) (tui.Deps, error) {
		mu.Lock()
		defer mu.Unlock()
		c := *cfg
		c.Identity.User = id.Name()
		return s.deps(&c, env, id.Role == serve.RoleResponder), nil
	}, nil
}
