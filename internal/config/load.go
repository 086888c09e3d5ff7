package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"oncall/internal/httpx"
)

// Overrides are values from flags and the environment. Empty means unset.
// Flags are applied over the environment by the caller (see Env and Merge).
type Overrides struct {
	ConfigPath string
	// Context is one context, or several to watch at once ("a,b").
	Context         string
	AllContexts     bool
	AlertmanagerURL string // comma-separated peers of one cluster
	PrometheusURL   string
	LokiURL         string
	JaegerURL       string
	JaegerGRPC      string
	User            string
}

// EnvOverrides reads the ONCALL_* environment variables.
func EnvOverrides(getenv func(string) string) Overrides {
	return Overrides{
		ConfigPath:      getenv("ONCALL_CONFIG"),
		Context:         getenv("ONCALL_CONTEXT"),
		AlertmanagerURL: getenv("ONCALL_ALERTMANAGER_URL"),
		PrometheusURL:   getenv("ONCALL_PROMETHEUS_URL"),
		LokiURL:         getenv("ONCALL_LOKI_URL"),
		JaegerURL:       getenv("ONCALL_JAEGER_URL"),
		JaegerGRPC:      getenv("ONCALL_JAEGER_GRPC"),
		User:            getenv("ONCALL_USER"),
	}
}

// Merge returns o with every empty field taken from under (o wins).
func (o Overrides) Merge(under Overrides) Overrides {
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	return Overrides{
		ConfigPath:      pick(o.ConfigPath, under.ConfigPath),
		Context:         pick(o.Context, under.Context),
		AlertmanagerURL: pick(o.AlertmanagerURL, under.AlertmanagerURL),
		PrometheusURL:   pick(o.PrometheusURL, under.PrometheusURL),
		LokiURL:         pick(o.LokiURL, under.LokiURL),
		JaegerURL:       pick(o.JaegerURL, under.JaegerURL),
		JaegerGRPC:      pick(o.JaegerGRPC, under.JaegerGRPC),
		User:            pick(o.User, under.User),
		AllContexts:     o.AllContexts || under.AllContexts,
	}
}

// DefaultPath is $XDG_CONFIG_HOME/oncall/config.toml (or ~/.config/...).
func DefaultPath(getenv func(string) string) string {
	base := getenv("XDG_CONFIG_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, "oncall", "config.toml")
}

// Load finds, reads and validates the config, then applies the overrides
// (already merged flags-over-env). A missing default file is not an error;
// a missing explicit file is.
func Load(o Overrides, getenv func(string) string) (*Config, error) {
	path, explicit := o.ConfigPath, o.ConfigPath != ""
	if !explicit {
		path = DefaultPath(getenv)
	}
	cfg := Defaults()
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			if err := decode(cfg, path, string(data)); err != nil {
				return nil, err
			}
			cfg.Path = path
			cfg.Warnings = append(cfg.Warnings, permissionWarning(path, cfg)...)
		case errors.Is(err, fs.ErrNotExist) && !explicit:
		default:
			return nil, fmt.Errorf("config %s: %w", path, unwrapPathErr(err))
		}
	}
	if err := cfg.apply(o); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		if cfg.Path != "" {
			return nil, fmt.Errorf("config %s: %w", cfg.Path, err)
		}
		return nil, err
	}
	return cfg, nil
}

// Parse decodes TOML text (for tests and `oncall check`).
func Parse(name, text string) (*Config, error) {
	cfg := Defaults()
	if err := decode(cfg, name, text); err != nil {
		return nil, err
	}
	cfg.Path = name
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	return cfg, nil
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func decode(cfg *Config, path, text string) error {
	md, err := toml.Decode(text, cfg)
	if err != nil {
		return decodeError(path, text, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return unknownKeyError(path, text, und[0])
	}
	return nil
}

func decodeError(path, text string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		line := pe.Position.Line
		msg := pe.Message
		if isSecretKey(pe.LastKey) || lineHasSecretKey(text, line) {
			msg = "invalid value (not shown: it may be a secret)"
		}
		if pe.LastKey != "" {
			return fmt.Errorf("config %s:%d: %s: %s", path, line, pe.LastKey, oneLine(msg))
		}
		return fmt.Errorf("config %s:%d: %s", path, line, oneLine(msg))
	}
	return fmt.Errorf("config %s: %s", path, oneLine(err.Error()))
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func isSecretKey(k string) bool {
	k = strings.ToLower(strings.TrimSpace(k))
	if k == "webhook_format" || strings.HasSuffix(k, ".webhook_format") {
		return false
	}
	return strings.Contains(k, "token") || strings.Contains(k, "password") || strings.Contains(k, "secret") || strings.Contains(k, "headers") || strings.Contains(k, "webhook")
}

func lineHasSecretKey(text string, line int) bool {
	lines := strings.Split(text, "\n")
	if line < 1 || line > len(lines) {
		return false
	}
	l := lines[line-1]
	if i := strings.IndexByte(l, '='); i >= 0 {
		return isSecretKey(l[:i])
	}
	return false
}

// apply layers the overrides onto the file's values.
func (c *Config) apply(o Overrides) error {
	if o.User != "" {
		c.Identity.User = o.User
	}
	if c.Identity.User == "" {
		c.Identity.User = DefaultUser()
	}
	if o.Context != "" {
		names := SplitNames([]string{o.Context})
		if len(names) == 0 {
			return fmt.Errorf("--context: no context named in %q", o.Context)
		}
		c.CurrentContext, c.Watching = names[0], names
	}
	anyURL := o.AlertmanagerURL != "" || o.PrometheusURL != "" || o.LokiURL != "" || o.JaegerURL != "" || o.JaegerGRPC != ""
	if c.CurrentContext == "" {
		switch {
		case len(c.Contexts) == 1:
			for n := range c.Contexts {
				c.CurrentContext = n
			}
		case anyURL || len(c.Contexts) == 0:
			c.CurrentContext = "default"
		}
	}
	if c.CurrentContext != "" && c.Contexts[c.CurrentContext] == nil {
		if !anyURL && len(c.Contexts) > 0 {
			return fmt.Errorf("context %q not found (known: %s)", c.CurrentContext, strings.Join(c.ContextNames(), ", "))
		}
		c.Contexts[c.CurrentContext] = &Context{}
	}
	for _, n := range c.Watching {
		if c.Contexts[n] == nil {
			return fmt.Errorf("context %q not found (known: %s)", n, strings.Join(c.ContextNames(), ", "))
		}
	}
	if o.AllContexts {
		c.Watching = c.ContextNames()
	}
	ctx := c.Contexts[c.CurrentContext]
	if ctx == nil {
		return nil
	}
	if o.AlertmanagerURL != "" {
		var urls []string
		for _, u := range strings.Split(o.AlertmanagerURL, ",") {
			if u = strings.TrimSpace(u); u != "" {
				urls = append(urls, u)
			}
		}
		ctx.Alertmanager.URLs = urls
	}
	if o.PrometheusURL != "" {
		ctx.Prometheus.URL = o.PrometheusURL
	}
	if o.LokiURL != "" {
		ctx.Loki.URL = o.LokiURL
	}
	if o.JaegerURL != "" {
		ctx.Jaeger.URL = o.JaegerURL
	}
	if o.JaegerGRPC != "" {
		ctx.Jaeger.GRPC = o.JaegerGRPC
	}
	return nil
}

// Validate checks values the TOML decoder cannot.
func (c *Config) Validate() error {
	for _, name := range c.ContextNames() {
		ctx := c.Contexts[name]
		if ctx == nil {
			continue
		}
		for i, u := range ctx.Alertmanager.URLs {
			if err := checkURL(u); err != nil {
				return fmt.Errorf("contexts.%s.alertmanager.urls[%d]: %w", name, i, err)
			}
		}
		for key, u := range map[string]string{"prometheus.url": ctx.Prometheus.URL, "loki.url": ctx.Loki.URL, "jaeger.url": ctx.Jaeger.URL} {
			if u == "" {
				continue
			}
			if err := checkURL(u); err != nil {
				return fmt.Errorf("contexts.%s.%s: %w", name, key, err)
			}
		}
		for i, s := range ctx.SLO {
			if s.Name == "" {
				return fmt.Errorf("contexts.%s.slo[%d]: name is required", name, i)
			}
			if s.Objective <= 0 || s.Objective >= 100 {
				return fmt.Errorf("contexts.%s.slo %q: objective must be a percentage between 0 and 100, got %v", name, s.Name, s.Objective)
			}
			if s.Ratio == "" && (s.Errors == "" || s.Total == "") {
				return fmt.Errorf("contexts.%s.slo %q: set errors and total, or ratio", name, s.Name)
			}
		}
		if err := ctx.Guard.Validate(c.Alerts.SilenceDuration.D(), c.Alerts.AckDuration.D()); err != nil {
			return fmt.Errorf("contexts.%s.%w", name, err)
		}
		if ctx.GrafanaURL != "" {
			if err := checkURL(ctx.GrafanaURL); err != nil {
				return fmt.Errorf("contexts.%s.grafana_url: %w", name, err)
			}
		}
		if _, err := AccentColor(ctx.UI.Accent); err != nil {
			return fmt.Errorf("contexts.%s.ui.accent: %w", name, err)
		}
	}
	for i, n := range c.View.Contexts {
		if _, ok := c.Contexts[n]; !ok {
			return fmt.Errorf("view.contexts[%d]: context %q not found (known: %s)", i, n, strings.Join(c.ContextNames(), ", "))
		}
	}
	if c.Refresh.D() < time.Second && c.Refresh != 0 {
		return fmt.Errorf("refresh must be at least 1s, got %s", time.Duration(c.Refresh))
	}
	if c.Alerts.AckDuration.D() <= 0 {
		return fmt.Errorf("alerts.ack_duration must be positive")
	}
	if c.Alerts.FlappingEpisodes < 1 {
		return fmt.Errorf("alerts.flapping_episodes must be at least 1, got %d", c.Alerts.FlappingEpisodes)
	}
	switch c.Shift.WebhookFormat {
	case "", "slack", "markdown":
	default:
		return fmt.Errorf("shift.webhook_format must be slack or markdown, got %q", c.Shift.WebhookFormat)
	}
	switch c.UI.Theme {
	case "", "auto", "dark", "light":
	default:
		return fmt.Errorf("ui.theme must be auto, dark or light, got %q", c.UI.Theme)
	}
	return nil
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL: %v", redactParseErr(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("URL must start with http:// or https://")
	}
	if u.Host == "" {
		return fmt.Errorf("URL has no host")
	}
	return nil
}

func redactParseErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return "malformed"
}

// permissionWarning warns when a file holding secrets is readable by others.
func permissionWarning(path string, c *Config) []string {
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm()&0o044 == 0 {
		return nil
	}
	holds := c.Shift.Webhook != "" || inlineSecret(c.Runbooks.ClientConfig)
	for _, ctx := range c.Contexts {
		for _, cc := range []httpx.ClientConfig{ctx.Alertmanager.ClientConfig, ctx.Prometheus.ClientConfig, ctx.Loki.ClientConfig, ctx.Jaeger.ClientConfig} {
			holds = holds || inlineSecret(cc)
		}
	}
	if !holds {
		return nil
	}
	return []string{fmt.Sprintf("config %s holds secrets and is readable by others (mode %04o): chmod 600 it or use *_file keys", path, st.Mode().Perm())}
}

// inlineSecret reports a secret written in the file itself: a bearer token,
// a basic auth password or a secret header (Authorization, X-Api-Key, …).
func inlineSecret(cc httpx.ClientConfig) bool {
	return cc.BearerToken != "" || (cc.BasicAuth != nil && cc.BasicAuth.Password != "") ||
		len(httpx.ClientConfig{Headers: cc.Headers}.Secrets()) > 0
}
