package wire

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"oncall/internal/config"
	"oncall/internal/history"
	"oncall/internal/httpx"
	"oncall/internal/journal"
	"oncall/internal/serve"
	"oncall/internal/watch"
	"oncall/sources/alertmanager"
	"oncall/sources/loki"
	"oncall/sources/prometheus"
	"oncall/tui"
	graphscreen "oncall/tui/screens/graph"
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
	// ReadOnly, when set, refuses every write of every context and says
	// why ("--readonly"); a context's own readonly applies regardless.
	ReadOnly string
	// History, when set, is shared by the sessions' graph screens: one
	// firing-history query per Prometheus a minute, however many sessions
	// (Sessions sets it).
	History *history.Cache
}

// ReadOnlyFlag is Env.ReadOnly for the --readonly flag.
const ReadOnlyFlag = "--readonly"

// viewerReadOnly is why an SSH viewer's writes are refused.
const viewerReadOnly = "viewer"

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

// ForContext is cfg with another context as the current one (a shallow
// copy: the contexts themselves are shared, and only read).
func ForContext(cfg *config.Config, name string) *config.Config {
	c := *cfg
	c.CurrentContext = name
	return &c
}

// clients are one context's read clients, shared by every session.
type clients struct {
	name  string
	am    *alertmanager.Client // nil: none configured
	prom  *prometheus.Client   // nil: none configured
	ruler *loki.Ruler          // nil: no Loki, or its ruler is off
}

// fleet is every watchable context's clients and the journal.
type fleet struct {
	watch []string
	ctxs  []clients
	j     *journal.Journal // nil when no context can write
}

// build makes the clients of every context (no I/O) and resolves the
// watched ones; each watched context needs an Alertmanager or a
// Prometheus.
func build(cfg *config.Config, env Env) (*fleet, error) {
	watch, err := cfg.Watched(nil, false)
	if err != nil {
		return nil, err
	}
	f := &fleet{watch: watch}
	for _, name := range cfg.ContextNames() {
		c, err := contextClients(ForContext(cfg, name), env)
		if err != nil {
			if !slices.Contains(watch, name) {
				env.warn(cfg, "context "+name+" left out", err)
				continue
			}
			return nil, err
		}
		if c.am == nil && c.prom == nil {
			if slices.Contains(watch, name) {
				return nil, NoSourceError{Context: name}
			}
			continue
		}
		if c.am != nil && f.j == nil {
			if f.j, err = Journal(cfg, env.Getenv); err != nil {
				return nil, err
			}
		}
		f.ctxs = append(f.ctxs, c)
	}
	return f, nil
}

// contextClients builds the read clients of cfg's current context.
func contextClients(cfg *config.Config, env Env) (clients, error) {
	c := clients{name: cfg.CurrentContext}
	cur, err := cfg.Current()
	if err != nil {
		return c, err
	}
	if len(cur.Alertmanager.URLs) > 0 {
		if c.am, err = Alertmanager(cfg); err != nil {
			return c, err
		}
	}
	if c.prom, err = Prometheus(cfg); err != nil {
		return c, err
	}
	if cur.Loki.RulerOn() {
		lc, err := Loki(cfg)
		if err == nil {
			c.ruler, err = lc.Ruler()
		}
		if err != nil {
			env.warn(cfg, "log-based alerts of "+c.name+" disabled", err)
		}
	}
	return c, nil
}

// deps is one session's dependencies: cfg (already under the session's
// identity), every context as a cluster with its screens and, when it has
// an Alertmanager, its action service with the context's rails, and the
// session's own screens. readOnly ("--readonly", "viewer") makes every
// service refuse every write.
func (f *fleet) deps(cfg *config.Config, env Env, readOnly string, hub *watch.Hub) (tui.Deps, error) {
	d := tui.Deps{Config: cfg, Watch: f.watch, Hub: hub, Entries: SessionEntries(cfg, env)}
	for _, c := range f.ctxs {
		cc := ForContext(cfg, c.name)
		cl := &tui.Cluster{Name: c.name, AM: c.am, Prom: c.prom, Ruler: c.ruler, Entries: ClusterEntries(cc, env)}
		if c.am != nil {
			svc, err := newActions(cc, c.am, f.j, cfg.Identity.User, readOnly)
			if err != nil {
				return tui.Deps{}, err
			}
			cl.Actions = svc
		}
		d.Clusters = append(d.Clusters, cl)
	}
	return d, nil
}

// Local builds the dependencies of the screen on this terminal: the
// clients of every context (the watched ones polled), their action
// services, the screens.
func Local(cfg *config.Config, env Env) (tui.Deps, error) {
	f, err := build(cfg, env)
	if err != nil {
		return tui.Deps{}, err
	}
	return f.deps(cfg, env, env.ReadOnly, nil)
}

// Sessions builds the clients once (they are safe for concurrent use and
// only read) and one hub that polls for every session, and returns the
// builder of each SSH session's dependencies: a copy of the config under
// the session's identity, its own screens and its own action services: a
// viewer's refuse every write (read-only "viewer"), as do everyone's under
// env.ReadOnly. Fifty sessions watching the same
// clusters make one fetch per source per refresh interval.
func Sessions(cfg *config.Config, env Env) (serve.DepsFunc, *watch.Hub, error) {
	f, err := build(cfg, env)
	if err != nil {
		return nil, nil, err
	}
	hub := watch.NewHub(f.watchClusters(), watch.Options{Interval: cfg.Refresh.D()})
	if env.History == nil {
		env.History = history.NewCache(graphscreen.HistoryEvery)
	}
	var mu sync.Mutex // screen builders are not promised to be concurrency-safe
	return func(id serve.Identity) (tui.Deps, error) {
		mu.Lock()
		defer mu.Unlock()
		c := *cfg
		c.Identity.User = id.Name()
		readOnly := env.ReadOnly
		if readOnly == "" && id.Role != serve.RoleResponder {
			readOnly = viewerReadOnly
		}
		return f.deps(&c, env, readOnly, hub)
	}, hub, nil
}

// watchClusters describes the contexts to a hub (absent sources stay nil
// interfaces).
func (f *fleet) watchClusters() []watch.Cluster {
	out := make([]watch.Cluster, 0, len(f.ctxs))
	for _, c := range f.ctxs {
		wc := watch.Cluster{Name: c.name}
		if c.am != nil {
			wc.AM = c.am
		}
		if c.prom != nil {
			wc.Prom = c.prom
		}
		if c.ruler != nil {
			wc.Ruler = c.ruler
		}
		out = append(out, wc)
	}
	return out
}
