package demo_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"oncall/internal/config"
	"oncall/internal/demo"
	"oncall/internal/wire"
)

// Start brings up every simulator and writes a config whose every source
// answers, with the user's identity and keys and a journal of its own.
func TestStartWiresEverySimulator(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	state := t.TempDir()
	base := config.Defaults()
	base.Identity.User = "alice"
	base.Keys = config.Keys{Global: map[string]string{"quit": "Q"}}
	base.Journal.Path = filepath.Join(state, "real.jsonl")
	in, err := demo.Start(ctx, demo.Options{Base: base, Getenv: func(k string) string { return map[string]string{"XDG_STATE_HOME": state}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = in.Close() }()
	cfg := in.Config
	cur, err := cfg.Current()
	if err != nil || cfg.CurrentContext != demo.Context {
		t.Fatalf("context %q: %v", cfg.CurrentContext, err)
	}
	if cfg.Identity.User != "alice" || cfg.Keys.Global["quit"] != "Q" {
		t.Errorf("identity %q, keys %v: want the base config's", cfg.Identity.User, cfg.Keys)
	}
	if want := filepath.Join(state, "oncall", "demo-journal.jsonl"); cfg.Journal.Path != want {
		t.Errorf("journal %q, want %q", cfg.Journal.Path, want)
	}
	if len(cur.SLO) != 2 || len(cfg.Runbooks.Rewrites) != 1 || cur.Loki.AlertSelector != demo.AlertSelector {
		t.Errorf("SLOs %d, rewrites %v, alert selector %q", len(cur.SLO), cfg.Runbooks.Rewrites, cur.Loki.AlertSelector)
	}
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()
	am, err := wire.Alertmanager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := am.Alerts(rctx, nil); err != nil {
		t.Errorf("alertmanager: %v", err)
	}
	prom, err := wire.Prometheus(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prom.Ping(rctx); err != nil {
		t.Errorf("prometheus: %v", err)
	}
	lc, err := wire.Loki(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := lc.Ready(rctx); err != nil {
		t.Errorf("loki: %v", err)
	}
	jc, err := wire.Jaeger(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = jc.Close() }()
	if err := jc.Ping(rctx); err != nil {
		t.Errorf("jaeger: %v", err)
	}
}

// --user beats the config's identity; without a base config the defaults
// apply.
func TestConfigUserWins(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in, err := demo.Start(ctx, demo.Options{User: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = in.Close() }()
	if in.Config.Identity.User != "bob" || filepath.Base(in.Config.Journal.Path) != "demo-journal.jsonl" {
		t.Errorf("user %q, journal %q", in.Config.Identity.User, in.Config.Journal.Path)
	}
}
