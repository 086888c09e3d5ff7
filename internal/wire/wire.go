// Package wire turns a config into what oncall runs on: the clients of the
// current context (Alertmanager, Prometheus, Loki, Jaeger), the action
// service and its journal, the runbook finder, and the interactive screen's
// tui.Deps with its screens. The CLI verbs, the local screen (`oncall`,
// `oncall demo`) and `oncall serve` all build through it, so a config means
// the same thing everywhere.
//
// wire.go builds clients, deps.go the screen's dependencies, screens.go
// registers the screens.
package wire

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"oncall/internal/actions"
	"oncall/internal/config"
	"oncall/internal/httpx"
	"oncall/internal/journal"
	"oncall/runbooks"
	"oncall/sources/alertmanager"
	"oncall/sources/jaeger"
	"oncall/sources/loki"
	"oncall/sources/prometheus"
)

// EnvHandoffWebhook names the webhook the handoff is posted to; it wins
// over [shift] webhook.
const EnvHandoffWebhook = "ONCALL_HANDOFF_WEBHOOK"

// Alertmanager builds the client of the current context; a context without
// one is an error that says how to configure it.
func Alertmanager(cfg *config.Config) (*alertmanager.Client, error) {
	cur, err := cfg.Current()
	if err != nil {
		return nil, err
	}
	if len(cur.Alertmanager.URLs) == 0 {
		return nil, fmt.Errorf("no Alertmanager configured for context %q: set --alertmanager-url, $ONCALL_ALERTMANAGER_URL or [contexts.%s.alertmanager] urls", cfg.CurrentContext, cfg.CurrentContext)
	}
	return alertmanager.New(alertmanager.Config{URLs: cur.Alertmanager.URLs, Client: cur.Alertmanager.ClientConfig})
}

// Prometheus builds the client of the current context, or nil (and no
// error) when the context has none.
func Prometheus(cfg *config.Config) (*prometheus.Client, error) {
	cur, err := cfg.Current()
	if err != nil {
		return nil, err
	}
	if cur.Prometheus.URL == "" {
		return nil, nil
	}
	return prometheus.New(prometheus.Config{URL: cur.Prometheus.URL, Client: cur.Prometheus.ClientConfig})
}

// HasLoki reports whether the current context configures a Loki.
func HasLoki(cfg *config.Config) bool {
	cur, err := cfg.Current()
	return err == nil && strings.TrimSpace(cur.Loki.URL) != ""
}

// Loki builds the Loki client of the current context; a context without
// one is an error that says how to configure it.
func Loki(cfg *config.Config) (*loki.Client, error) { return LokiAs(cfg, "") }

// LokiAs is Loki for another tenant (X-Scope-OrgID) than the context's,
// as `oncall logs --org-id` asks; "" keeps the context's.
func LokiAs(cfg *config.Config, tenant string) (*loki.Client, error) {
	cur, err := cfg.Current()
	if err != nil {
		return nil, err
	}
	l := cur.Loki
	if tenant != "" {
		l.Tenant = tenant
	}
	if strings.TrimSpace(l.URL) == "" {
		return nil, fmt.Errorf("no Loki configured for context %q: set --loki-url, $ONCALL_LOKI_URL or [contexts.%s.loki] url", cfg.CurrentContext, cfg.CurrentContext)
	}
	return loki.New(loki.Config{URL: l.URL, Tenant: l.Tenant, Context: cfg.CurrentContext, Client: l.ClientConfig})
}

// HasJaeger reports whether the current context configures a Jaeger.
func HasJaeger(cfg *config.Config) bool {
	cur, err := cfg.Current()
	return err == nil && (strings.TrimSpace(cur.Jaeger.URL) != "" || strings.TrimSpace(cur.Jaeger.GRPC) != "")
}

// Jaeger builds the Jaeger client of the current context (gRPC when grpc
// is set, else HTTP); a context without one is an error that says how to
// configure it. The caller closes it.
func Jaeger(cfg *config.Config) (jaeger.Client, error) {
	cur, err := cfg.Current()
	if err != nil {
		return nil, err
	}
	j := cur.Jaeger
	if !HasJaeger(cfg) {
		return nil, fmt.Errorf("no Jaeger configured for context %q: set --jaeger-url, $ONCALL_JAEGER_URL or [contexts.%s.jaeger] url", cfg.CurrentContext, cfg.CurrentContext)
	}
	return jaeger.New(jaeger.Config{URL: j.URL, GRPC: j.GRPC, Client: j.ClientConfig})
}

// JaegerUI is where Jaeger's UI is: ui_url, else the query URL (Jaeger
// serves its UI there).
func JaegerUI(j config.Jaeger) string {
	if strings.TrimSpace(j.UIURL) != "" {
		return j.UIURL
	}
	return j.URL
}

// JournalPath is [journal] path, else the default under $XDG_STATE_HOME.
func JournalPath(cfg *config.Config, getenv func(string) string) string {
	if cfg.Journal.Path != "" {
		return cfg.Journal.Path
	}
	return journal.DefaultPath(getenv)
}

// Journal opens the action journal with the configured retention.
func Journal(cfg *config.Config, getenv func(string) string) (*journal.Journal, error) {
	j, err := journal.Open(JournalPath(cfg, getenv))
	if err != nil {
		return nil, err
	}
	j.Retention = cfg.Journal.Retention.D()
	return j, nil
}

// Actions builds the write service of the current context: its
// Alertmanager, the journal, the config's identity, and the context's
// rails (its guard, its readonly, and env.ReadOnly).
func Actions(cfg *config.Config, env Env) (*actions.Service, error) {
	am, err := Alertmanager(cfg)
	if err != nil {
		return nil, err
	}
	j, err := Journal(cfg, env.Getenv)
	if err != nil {
		return nil, err
	}
	return newActions(cfg, am, j, cfg.Identity.User, env.ReadOnly)
}

// newActions is the one place a write service is built: every way in (the
// CLI, the local screen, each SSH session) gets the rails of cfg's current
// context from here. readOnly, when set, says why every write is refused
// whatever the context says ("--readonly", "viewer").
func newActions(cfg *config.Config, am *alertmanager.Client, j *journal.Journal, user, readOnly string) (*actions.Service, error) {
	svc := &actions.Service{AM: am, Journal: j, User: user, Context: cfg.CurrentContext, ReadOnly: readOnly}
	if err := svc.ApplyContext(cfg.Contexts[cfg.CurrentContext]); err != nil {
		return nil, err
	}
	return svc, nil
}

// Webhook is $ONCALL_HANDOFF_WEBHOOK, else [shift] webhook ("" for none).
func Webhook(cfg *config.Config, getenv func(string) string) string {
	if v := strings.TrimSpace(getenv(EnvHandoffWebhook)); v != "" {
		return v
	}
	return strings.TrimSpace(cfg.Shift.Webhook)
}

// RunbookFinder builds the Finder from [runbooks] and [escalation]:
// folders (~ expanded, relative ones against the config file's folder),
// URL rewrites, cache TTL, the shipped runbooks (embedded, default on) and
// an HTTP client with the section's auth and TLS options.
func RunbookFinder(cfg *config.Config) (*runbooks.Finder, error) {
	rc := cfg.Runbooks
	hc, err := httpx.NewClient(rc.ClientConfig)
	if err != nil {
		return nil, fmt.Errorf("runbooks: %w", err)
	}
	var rws []runbooks.Rewrite
	for i, r := range rc.Rewrites {
		rw, err := runbooks.ParseRewrite(r.Pattern, r.Replace)
		if err != nil {
			return nil, fmt.Errorf("runbooks.rewrites[%d]: %v", i, err)
		}
		rws = append(rws, rw)
	}
	var paths []string
	for _, p := range rc.Paths {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(p, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				p = filepath.Join(home, rest)
			}
		}
		if !filepath.IsAbs(p) && cfg.Path != "" {
			p = filepath.Join(filepath.Dir(cfg.Path), p)
		}
		paths = append(paths, p)
	}
	return runbooks.NewFinder(runbooks.Options{
		Paths:         paths,
		HTTPClient:    hc,
		Rewrites:      rws,
		CacheTTL:      rc.CacheTTL.D(),
		FetchTimeout:  rc.EffectiveTimeout(),
		Escalation:    cfg.Escalation.Steps,
		EscalateAfter: cfg.Escalation.After.D(),
		Embedded:      rc.Embedded == nil || *rc.Embedded,
	}), nil
}
