package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const sample = `
current_context = "prod"
refresh = "5s"
[identity]
user = "alice@bastion"
[contexts.prod.alertmanager]
urls = ["http://am-0:9093", "http://am-1:9093"]
bearer_token = "s3cr3t-token"
[contexts.prod.prometheus]
url = "http://prom:9090"
timeout = "3s"
headers = { "X-Scope-OrgID" = "tenant-1" }
[contexts.staging.prometheus]
url = "http://prom-staging:9090"
[[contexts.prod.slo]]
name = "availability"
objective = 99.9
window = "30d"
errors = 'sum(rate(http_requests_total{code=~"5.."}[$window]))'
total = 'sum(rate(http_requests_total[$window]))'
alerts = ["APIDown"]
`

func TestLoadFileAndPrecedence(t *testing.T) {
	p := write(t, sample)
	cfg, err := Load(Overrides{ConfigPath: p}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := cfg.Current()
	if err != nil {
		t.Fatal(err)
	}
	if got := ctx.Alertmanager.URLs; len(got) != 2 || got[1] != "http://am-1:9093" {
		t.Fatalf("am urls = %v", got)
	}
	if ctx.Prometheus.Timeout != 3*time.Second || ctx.Prometheus.Headers["X-Scope-OrgID"] != "tenant-1" {
		t.Fatalf("prometheus cfg = %+v", ctx.Prometheus)
	}
	if cfg.Refresh.D() != 5*time.Second || cfg.Identity.User != "alice@bastion" {
		t.Fatalf("refresh/user = %v %q", cfg.Refresh.D(), cfg.Identity.User)
	}
	if ctx.SLO[0].Window.D() != 30*24*time.Hour {
		t.Fatalf("slo window = %v", ctx.SLO[0].Window.D())
	}
	// flags beat env, env beats file
	flags := Overrides{PrometheusURL: "http://flag:9090"}
	envO := EnvOverrides(env(map[string]string{"ONCALL_PROMETHEUS_URL": "http://env:9090", "ONCALL_ALERTMANAGER_URL": "http://e1:9093, http://e2:9093", "ONCALL_CONFIG": p}))
	cfg, err = Load(flags.Merge(envO), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx, _ = cfg.Current()
	if ctx.Prometheus.URL != "http://flag:9090" {
		t.Fatalf("flag should win, got %s", ctx.Prometheus.URL)
	}
	if strings.Join(ctx.Alertmanager.URLs, ",") != "http://e1:9093,http://e2:9093" {
		t.Fatalf("env peers = %v", ctx.Alertmanager.URLs)
	}
	if ctx.Alertmanager.BearerToken != "s3cr3t-token" {
		t.Fatal("file values under the override must survive")
	}
}

func TestNoFileOverridesOnly(t *testing.T) {
	o := EnvOverrides(env(map[string]string{"ONCALL_ALERTMANAGER_URL": "http://127.0.0.1:9093", "ONCALL_PROMETHEUS_URL": "http://127.0.0.1:9090"}))
	cfg, err := Load(o, env(map[string]string{"XDG_CONFIG_HOME": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := cfg.Current()
	if err != nil || ctx.Prometheus.URL != "http://127.0.0.1:9090" || len(ctx.Alertmanager.URLs) != 1 {
		t.Fatalf("ctx=%+v err=%v", ctx, err)
	}
	if cfg.Identity.User == "" || cfg.Alerts.AckDuration.D() != 15*time.Minute {
		t.Fatal("defaults missing")
	}
}

func TestSearchOrder(t *testing.T) {
	xdg := t.TempDir()
	os.MkdirAll(filepath.Join(xdg, "oncall"), 0o700)
	os.WriteFile(filepath.Join(xdg, "oncall", "config.toml"), []byte("[identity]\nuser = \"from-xdg\"\n"), 0o600)
	cfg, err := Load(Overrides{}, env(map[string]string{"XDG_CONFIG_HOME": xdg}))
	if err != nil || cfg.Identity.User != "from-xdg" {
		t.Fatalf("xdg: %v %v", cfg, err)
	}
	p := write(t, "[identity]\nuser = \"from-env\"\n")
	cfg, err = Load(EnvOverrides(env(map[string]string{"ONCALL_CONFIG": p})), env(map[string]string{"XDG_CONFIG_HOME": xdg}))
	if err != nil || cfg.Identity.User != "from-env" {
		t.Fatalf("env: %v %v", cfg, err)
	}
	_, err = Load(Overrides{ConfigPath: "/nonexistent/oncall.toml"}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/oncall.toml") {
		t.Fatalf("explicit missing file must fail naming it: %v", err)
	}
}

func TestBadConfigErrors(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"unknown key", "[contexts.prod.alertmanager]\nurl = [\"http://x:9093\"]\n", []string{":2:", `"contexts.prod.alertmanager.url"`, `did you mean "urls"`}},
		{"unknown top key", "refersh = \"10s\"\n", []string{":1:", `did you mean "refresh"`}},
		{"syntax", "[identity]\nuser = \n", []string{":2:"}},
		{"bad duration", "refresh = \"ten seconds\"\n", []string{"invalid duration"}},
		{"bad url", "[contexts.p.prometheus]\nurl = \"prom:9090\"\n", []string{"contexts.p.prometheus.url", "http://"}},
		{"slo objective", "[[contexts.p.slo]]\nname='a'\nobjective=100\nratio='x'\n", []string{"objective"}},
		{"secret not echoed", "[contexts.p.prometheus]\nbearer_token = s3cr3tvalue\n", []string{":2:"}},
		{"webhook format", "[shift]\nwebhook = \"https://hooks.example/s3cr3tvalue\"\nwebhook_format = \"mrkdwn\"\n", []string{`shift.webhook_format must be slack or markdown, got "mrkdwn"`}},
		// Not a secret: its bad value is described like any other key's.
		{"webhook format unquoted", "[shift]\nwebhook_format = slack\n", []string{":2:", "webhook_format", "expected value"}},
		{"flapping episodes", "[alerts]\nflapping_episodes = 0\n", []string{"alerts.flapping_episodes must be at least 1, got 0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(Overrides{ConfigPath: write(t, c.text)}, env(nil))
			if err == nil {
				t.Fatal("want error")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error must be one line: %q", msg)
			}
			if strings.Contains(msg, "s3cr3tvalue") {
				t.Errorf("secret leaked: %q", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
		})
	}
}

func TestWebhookFormatAndFlapping(t *testing.T) {
	cfg, err := Parse("c.toml", "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Shift.WebhookFormat != "" || cfg.Alerts.FlappingEpisodes != 5 {
		t.Fatalf("defaults: webhook_format %q, flapping_episodes %d", cfg.Shift.WebhookFormat, cfg.Alerts.FlappingEpisodes)
	}
	cfg, err = Parse("c.toml", "[shift]\nwebhook_format = \"markdown\"\n[alerts]\nflapping_episodes = 3\n")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Shift.WebhookFormat != "markdown" || cfg.Alerts.FlappingEpisodes != 3 {
		t.Fatalf("read: webhook_format %q, flapping_episodes %d", cfg.Shift.WebhookFormat, cfg.Alerts.FlappingEpisodes)
	}
}

func TestPermissionWarning(t *testing.T) {
	p := write(t, sample)
	os.Chmod(p, 0o644)
	cfg, err := Load(Overrides{ConfigPath: p}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "readable by others") || strings.Contains(cfg.Warnings[0], "s3cr3t") {
		t.Fatalf("warnings = %v", cfg.Warnings)
	}
	found := false
	for _, s := range cfg.Secrets() {
		found = found || s == "s3cr3t-token"
	}
	if !found {
		t.Fatal("Secrets() must list the bearer token")
	}
}
