package wire_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/demo/sim"
	"oncall/internal/httpx"
	"oncall/internal/serve"
	"oncall/internal/wire"
	"oncall/tui"
)

// world is a config on the simulated Alertmanager and Prometheus, with its
// journal in a temporary folder.
func world(t *testing.T) *config.Config {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b, err := sim.Start(ctx, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	cfg := config.Defaults()
	cfg.Identity.User = "alice"
	cfg.CurrentContext = "prod"
	cfg.Journal.Path = filepath.Join(t.TempDir(), "journal.jsonl")
	cfg.Contexts["prod"] = &config.Context{
		Alertmanager: config.Alertmanager{URLs: []string{b.Alertmanager.URL()}},
		Prometheus:   config.Prometheus{URL: b.Prometheus.URL()},
	}
	return cfg
}

func env(getenv map[string]string) wire.Env {
	return wire.Env{Getenv: func(k string) string { return getenv[k] }, Timeout: 5 * time.Second}
}

// names lists the screens a session can open: the legacy specs and the
// available entries.
func names(d tui.Deps) []string {
	var out []string
	es := d.Entries
	if len(d.Clusters) > 0 {
		es = append(es, d.Clusters[0].Entries...)
	}
	for _, e := range es {
		if e.New != nil {
			out = append(out, e.Name)
		}
	}
	slices.Sort(out)
	return out
}

func screens(cfg *config.Config, e wire.Env) tui.Deps {
	return tui.Deps{Entries: wire.Entries(cfg, e)}
}

// The local screen reads and writes through one Alertmanager client, and
// a silence made through its action service lands in the Alertmanager and
// in the configured journal under the config's user.
func TestLocalWritesThroughTheConfiguredJournal(t *testing.T) {
	cfg := world(t)
	deps, err := wire.Local(cfg, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(deps.Clusters) != 1 || deps.Config != cfg {
		t.Fatalf("deps %+v", deps)
	}
	d := deps.Clusters[0]
	if d.Name != "prod" || d.AM == nil || d.Prom == nil || d.Actions == nil || d.Actions.AM != d.AM {
		t.Fatalf("cluster %+v", d)
	}
	ms, err := alerts.ParseMatchers(`alertname="APIDown"`)
	if err != nil {
		t.Fatal(err)
	}
	id, err := d.Actions.Silence(context.Background(), ms, time.Hour, "wire test")
	if err != nil {
		t.Fatal(err)
	}
	sils, err := d.AM.Silences(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(sils, func(s *models.GettableSilence) bool { return *s.ID == id && *s.CreatedBy == "alice" }) {
		t.Errorf("silence %s by alice not in the Alertmanager", id)
	}
	got, err := d.Actions.Journal.Read(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Actions.Journal.Path != cfg.Journal.Path || len(got.Entries) != 1 || got.Entries[0].SilenceID != id || got.Entries[0].User != "alice" {
		t.Errorf("journal %s: %+v", d.Actions.Journal.Path, got.Entries)
	}
}

// A context with nothing to show is an error the CLI can add its hint to.
func TestLocalNeedsAlertmanagerOrPrometheus(t *testing.T) {
	cfg := config.Defaults()
	cfg.CurrentContext = "empty"
	cfg.Contexts["empty"] = &config.Context{Loki: config.Loki{URL: "http://127.0.0.1:9"}}
	_, err := wire.Local(cfg, env(nil))
	var ns wire.NoSourceError
	if !errors.As(err, &ns) || ns.Context != "empty" || !strings.Contains(err.Error(), `context "empty" has no Alertmanager or Prometheus`) {
		t.Fatalf("err %v", err)
	}
	if _, _, err := wire.Sessions(cfg, env(nil)); !errors.As(err, &ns) {
		t.Fatalf("sessions: err %v", err)
	}
}

// Each SSH session gets the config under its own identity and its own
// action service, which writes under that identity; a viewer's refuses
// every write itself.
func TestSessionsHaveTheirOwnIdentity(t *testing.T) {
	cfg := world(t)
	build, hub, err := wire.Sessions(cfg, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	bob := serve.Identity{User: "bob", Fingerprint: "SHA256:0123456789abcdef", Role: serve.RoleResponder}
	carol := serve.Identity{User: "carol", Fingerprint: "SHA256:fedcba9876543210", Role: serve.RoleViewer}
	rd, err := build(bob)
	if err != nil {
		t.Fatal(err)
	}
	vd, err := build(carol)
	if err != nil {
		t.Fatal(err)
	}
	r, v := rd.Clusters[0], vd.Clusters[0]
	if r.Actions == nil || r.Actions.User != bob.Name() || rd.Config.Identity.User != bob.Name() {
		t.Errorf("responder: actions %+v, user %q", r.Actions, rd.Config.Identity.User)
	}
	if v.Actions == nil || v.Actions.User != carol.Name() || vd.Config.Identity.User != carol.Name() {
		t.Fatalf("viewer: actions %+v, user %q", v.Actions, vd.Config.Identity.User)
	}
	if r.Actions.Writable() != nil || v.Actions.Writable() == nil || v.Actions.Writable().Error() != "read-only: context prod is read-only (viewer)" {
		t.Errorf("responder writable: %v; viewer writable: %v", r.Actions.Writable(), v.Actions.Writable())
	}
	ms, err := alerts.ParseMatchers(`alertname="APIDown"`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Actions.Silence(context.Background(), ms, time.Hour, "viewer"); err == nil || !strings.HasPrefix(err.Error(), "read-only: ") {
		t.Errorf("a viewer's silence: %v", err)
	}
	if cfg.Identity.User != "alice" || r.AM != v.AM || r.Prom != v.Prom || rd.Hub != hub || vd.Hub != hub {
		t.Errorf("the shared config changed (%q), or the clients or the hub are not shared", cfg.Identity.User)
	}
	if len(rd.Entries) == 0 || !slices.Equal(names(rd), names(vd)) {
		t.Errorf("screens: %v and %v", names(rd), names(vd))
	}
}

// The screens follow the sources the context has.
func TestScreensFollowTheSources(t *testing.T) {
	cfg := world(t)
	// The graph screen is always there: without a rule source it says so.
	want := []string{"budget", "graph", "handoff", "note", "runbook"}
	if got := names(screens(cfg, env(nil))); !slices.Equal(got, want) {
		t.Errorf("with Alertmanager and Prometheus: %v, want %v", got, want)
	}
	cur := cfg.Contexts["prod"]
	cur.Loki.URL = "http://127.0.0.1:9"
	cur.Jaeger.URL = "http://127.0.0.1:9"
	cur.Prometheus.URL = ""
	want = []string{"graph", "handoff", "logs", "note", "runbook", "trace", "traces"}
	if got := names(screens(cfg, env(nil))); !slices.Equal(got, want) {
		t.Errorf("with Loki and Jaeger, no Prometheus: %v, want %v", got, want)
	}
}

// A Jaeger whose client cannot be built leaves the trace screens out with
// one warning, and the warning holds no secret of the config.
func TestScreensWarnWithoutSecrets(t *testing.T) {
	cfg := world(t)
	secret := filepath.Join(t.TempDir(), "s3cr3t-token")
	cur := cfg.Contexts["prod"]
	cur.Jaeger.URL = "http://127.0.0.1:9"
	cur.Jaeger.ClientConfig = httpx.ClientConfig{BearerToken: secret, TLS: &httpx.TLS{CAFile: secret}}
	var warns []string
	e := env(nil)
	e.Warn = func(s string) { warns = append(warns, s) }
	got := names(screens(cfg, e))
	if slices.Contains(got, "trace") || len(warns) != 1 || !strings.HasPrefix(warns[0], "traces disabled: ") {
		t.Fatalf("screens %v, warnings %q", got, warns)
	}
	if strings.Contains(warns[0], "s3cr3t") || !strings.Contains(warns[0], "[redacted]") {
		t.Errorf("warning %q: want the token redacted", warns[0])
	}
}

// $ONCALL_HANDOFF_WEBHOOK beats [shift] webhook.
func TestWebhook(t *testing.T) {
	cfg := config.Defaults()
	cfg.Shift.Webhook = " https://hooks.example/config "
	if got := wire.Webhook(cfg, func(string) string { return "" }); got != "https://hooks.example/config" {
		t.Errorf("config webhook %q", got)
	}
	getenv := func(k string) string {
		return map[string]string{wire.EnvHandoffWebhook: "https://hooks.example/env"}[k]
	}
	if got := wire.Webhook(cfg, getenv); got != "https://hooks.example/env" {
		t.Errorf("env webhook %q", got)
	}
}
