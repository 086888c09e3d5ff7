// Package config loads oncall's TOML configuration: contexts (one per
// environment, each with its Alertmanager cluster, Prometheus, Loki and
// Jaeger), identity, UI and workflow settings. Precedence is flags, then
// environment, then file, then defaults.
package config

import (
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"oncall/internal/httpx"
)

// Duration is a time.Duration that reads Prometheus-style strings from TOML
// ("90s", "15m", "12h", "30d", "1w").
type Duration time.Duration

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := model.ParseDuration(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("invalid duration %q (use e.g. 15m, 12h, 30d)", string(b))
	}
	*d = Duration(v)
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(model.Duration(d).String()), nil }

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Config is the whole file.
type Config struct {
	CurrentContext string              `toml:"current_context"`
	Contexts       map[string]*Context `toml:"contexts"`
	Identity       Identity            `toml:"identity"`
	Refresh        Duration            `toml:"refresh"`
	Alerts         Alerts              `toml:"alerts"`
	Runbooks       Runbooks            `toml:"runbooks"`
	Escalation     Escalation          `toml:"escalation"`
	Shift          Shift               `toml:"shift"`
	UI             UI                  `toml:"ui"`
	View           View                `toml:"view"`
	Keys           Keys                `toml:"keys"`
	Journal        Journal             `toml:"journal"`
	Serve          Serve               `toml:"serve"`

	// Watching are the contexts the command line asked to watch at once
	// (--context a,b or --all-contexts); empty: [view] contexts.
	Watching []string `toml:"-"`

	// Path is the file the config came from ("" when none was found).
	Path string `toml:"-"`
	// Warnings are non-fatal problems (e.g. a world-readable file with secrets).
	Warnings []string `toml:"-"`
}

// Context is one environment.
type Context struct {
	// ReadOnly refuses every write (silence, ack, expire, extend, undo)
	// made in this context, before any request is sent.
	ReadOnly     bool         `toml:"readonly"`
	Alertmanager Alertmanager `toml:"alertmanager"`
	Prometheus   Prometheus   `toml:"prometheus"`
	Loki         Loki         `toml:"loki"`
	Jaeger       Jaeger       `toml:"jaeger"`
	SLO          []SLO        `toml:"slo"`
	Guard        Guard        `toml:"guard"`
	// GrafanaURL is the base that relative generator URLs (the Loki
	// ruler's /explore?… links) are resolved against.
	GrafanaURL string    `toml:"grafana_url"`
	UI         ContextUI `toml:"ui"`
}

// ContextUI is how a context looks, so nobody mistakes prod for staging.
type ContextUI struct {
	// Accent colours the header and the context's tag: a colour name
	// (red, green, yellow, blue, magenta, cyan, white, bright-red…), an
	// ANSI number 0-255 or #rrggbb.
	Accent string `toml:"accent"`
}

// View is what the screen watches.
type View struct {
	// Contexts are watched at once (one merged list); empty: the current
	// context only.
	Contexts []string `toml:"contexts"`
	// Aliases name command-mode commands (":" mode): alias = "command".
	Aliases map[string]string `toml:"aliases"`
}

// Alertmanager is one HA cluster: its peers share silences.
type Alertmanager struct {
	URLs []string `toml:"urls"`
	httpx.ClientConfig
}

// Prometheus is one Prometheus-compatible query endpoint.
type Prometheus struct {
	URL string `toml:"url"`
	httpx.ClientConfig
}

// Loki is one Loki endpoint.
type Loki struct {
	URL           string `toml:"url"`
	Tenant        string `toml:"tenant"`
	AlertSelector string `toml:"alert_selector"`
	TraceSelector string `toml:"trace_selector"`
	TraceRegex    string `toml:"trace_regex"`
	MaxLines      int    `toml:"max_lines"`
	// HideFields are fields of JSON and logfmt lines the logs screen does
	// not show in its readable lines (v still shows the whole line).
	HideFields []string `toml:"hide_fields"`
	// Ruler reads log-based alerts and their rules from Loki's ruler
	// (its Prometheus-compatible API, with the tenant); default true.
	Ruler *bool `toml:"ruler"`
	httpx.ClientConfig
}

// Jaeger is one Jaeger query endpoint (HTTP, and optionally gRPC).
type Jaeger struct {
	URL   string `toml:"url"`
	GRPC  string `toml:"grpc"`
	UIURL string `toml:"ui_url"`
	// Services maps an alert's service (its "service" label, else its
	// "job" label) to the Jaeger service name the error-trace list (T)
	// searches, when the two differ. Unmapped names are used as they are.
	Services map[string]string `toml:"services"`
	httpx.ClientConfig
}

// SLO is one service level objective defined in the config.
type SLO struct {
	Name      string   `toml:"name"`
	Objective float64  `toml:"objective"`
	Window    Duration `toml:"window"`
	Errors    string   `toml:"errors"`
	Total     string   `toml:"total"`
	Ratio     string   `toml:"ratio"`
	Alerts    []string `toml:"alerts"`
}

// Identity is who the operator is: used in createdBy and ack comments.
type Identity struct {
	User string `toml:"user"`
}

// Alerts holds alert-list and action settings.
type Alerts struct {
	GroupBy         []string `toml:"group_by"`
	SilenceLabels   []string `toml:"silence_labels"`
	AckLabels       []string `toml:"ack_labels"`
	AckDuration     Duration `toml:"ack_duration"`
	SilenceDuration Duration `toml:"silence_duration"`
	KeepAcksAlive   bool     `toml:"keep_acks_alive"`
	Sort            string   `toml:"sort"`
	Notify          string   `toml:"notify"`
	// FlappingEpisodes: an alert that fired more often than this in the
	// last 24h is marked as flapping.
	FlappingEpisodes int `toml:"flapping_episodes"`
}

// Runbooks holds where runbooks are found.
type Runbooks struct {
	Paths    []string  `toml:"paths"`
	Rewrites []Rewrite `toml:"rewrites"`
	CacheTTL Duration  `toml:"cache_ttl"`
	Embedded *bool     `toml:"embedded"`
	httpx.ClientConfig
}

// Rewrite turns a web URL into a raw-markdown URL.
type Rewrite struct {
	Pattern string `toml:"pattern"`
	Replace string `toml:"replace"`
}

// Escalation is the escalation path (L1 → L2 → L3).
type Escalation struct {
	Steps []string `toml:"steps"`
	After Duration `toml:"after"`
}

// Shift is the on-call shift used for the handoff window.
type Shift struct {
	Length   Duration `toml:"length"`
	Starts   []string `toml:"starts"`
	Timezone string   `toml:"timezone"`
	// Webhook is a Slack-compatible incoming webhook URL the handoff can be
	// posted to (a secret; $ONCALL_HANDOFF_WEBHOOK overrides it).
	Webhook string `toml:"webhook"`
	// WebhookFormat is what is posted: "slack" (mrkdwn) or "markdown";
	// empty chooses by the webhook's host (Slack's hooks host → slack).
	WebhookFormat string `toml:"webhook_format"`
}

// UI holds display settings.
type UI struct {
	Theme string `toml:"theme"` // auto, dark, light
	Mouse bool   `toml:"mouse"`
}

// Journal holds where actions are journaled.
type Journal struct {
	Path      string   `toml:"path"`
	Retention Duration `toml:"retention"`
}

// Serve holds `oncall serve` (SSH) settings.
type Serve struct {
	Listen         string   `toml:"listen"`
	AuthorizedKeys string   `toml:"authorized_keys"`
	HostKey        string   `toml:"host_key"`
	Responders     []string `toml:"responders"`
	Viewers        []string `toml:"viewers"`
	IdleTimeout    Duration `toml:"idle_timeout"`
	MaxSessions    int      `toml:"max_sessions"`
}

// Defaults returns a config with every default filled in.
func Defaults() *Config {
	return &Config{
		Contexts: map[string]*Context{},
		Identity: Identity{User: DefaultUser()},
		Refresh:  Duration(10 * time.Second),
		Alerts: Alerts{
			GroupBy:          []string{"alertname"},
			SilenceLabels:    []string{"alertname", "service", "instance", "job"},
			AckDuration:      Duration(15 * time.Minute),
			SilenceDuration:  Duration(15 * time.Minute),
			KeepAcksAlive:    true,
			Sort:             "severity",
			FlappingEpisodes: 5,
		},
		Runbooks:   Runbooks{CacheTTL: Duration(5 * time.Minute)},
		Escalation: Escalation{Steps: []string{"L1: on-call engineer", "L2: team lead", "L3: engineering manager"}, After: Duration(15 * time.Minute)},
		Shift:      Shift{Length: Duration(12 * time.Hour)},
		UI:         UI{Theme: "auto"},
		Journal:    Journal{Retention: Duration(30 * 24 * time.Hour)},
		Serve:      Serve{Listen: "127.0.0.1:2222", IdleTimeout: Duration(30 * time.Minute), MaxSessions: 16},
	}
}

// DefaultUser is $USER@hostname.
func DefaultUser() string {
	name := os.Getenv("USER")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if name == "" {
		name = "unknown"
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		return name
	}
	return name + "@" + host
}

// Current returns the selected context, or an error naming the known ones.
func (c *Config) Current() (*Context, error) {
	if c.CurrentContext == "" {
		return nil, fmt.Errorf("no context selected: set current_context or pass --context")
	}
	ctx, ok := c.Contexts[c.CurrentContext]
	if !ok {
		return nil, fmt.Errorf("context %q not found (known: %s)", c.CurrentContext, strings.Join(c.ContextNames(), ", "))
	}
	return ctx, nil
}

// ContextNames lists the contexts in sorted order.
func (c *Config) ContextNames() []string {
	names := make([]string, 0, len(c.Contexts))
	for n := range c.Contexts {
		names = append(names, n)
	}
	sortStrings(names)
	return names
}

// Secrets returns every secret the config holds, for scrubbing output.
func (c *Config) Secrets() []string {
	var out []string
	for _, ctx := range c.Contexts {
		out = append(out, ctx.Alertmanager.Secrets()...)
		out = append(out, ctx.Prometheus.Secrets()...)
		out = append(out, ctx.Loki.Secrets()...)
		out = append(out, ctx.Jaeger.Secrets()...)
	}
	out = append(out, c.Runbooks.Secrets()...)
	if c.Shift.Webhook != "" {
		out = append(out, c.Shift.Webhook)
	}
	return out
}

// RulerOn reports whether Loki's ruler is read ([loki] ruler, default on
// when a Loki is configured).
func (l Loki) RulerOn() bool { return l.URL != "" && (l.Ruler == nil || *l.Ruler) }
