package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"oncall/internal/config"
	"oncall/internal/demo"
	"oncall/internal/demo/sim"
	"oncall/internal/slo"
	"oncall/internal/wire"
	"oncall/tui/kit"
)

func TestDemoSLOPages(t *testing.T) {
	now := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	b, err := sim.Start(context.Background(), sim.Options{Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var out, errOut bytes.Buffer
	a := &App{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }, timeout: 15 * time.Second}
	cfg := config.Defaults()
	cfg.CurrentContext = demo.Context
	cfg.Contexts[demo.Context] = &config.Context{Prometheus: config.Prometheus{URL: b.Prometheus.URL()}}
	if err := demo.SLO(context.Background(), b, cfg); err != nil {
		t.Fatal(err)
	}
	if got := len(cfg.Contexts[demo.Context].SLO); got != 2 {
		t.Fatalf("demo configures %d SLOs, want 2", got)
	}
	if es := wire.Entries(cfg, a.wireEnv()); !slices.ContainsFunc(es, func(e kit.Entry) bool { return e.Open.Action == "budget" && e.New != nil }) {
		t.Errorf("no budget screen in %v", es)
	}
	a.cfg = cfg
	root := a.Root()
	root.SetArgs([]string{"budget", "-o", "json", "--at", strconv.FormatInt(now.Unix(), 10)})
	root.SetOut(&out)
	root.SetErr(&errOut)
	if err := root.Execute(); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	var reports []slo.Report
	if err := json.Unmarshal(out.Bytes(), &reports); err != nil {
		t.Fatal(err)
	}
	if len(reports) != 2 || reports[0].Name != "availability" || reports[0].State != slo.StatePage || reports[1].State != slo.StateOK {
		t.Fatalf("reports %+v", reports)
	}
	if r := reports[0]; r.BurnRates["5m"] < 370 || r.BurnRates["5m"] > 373 || !strings.HasPrefix(r.Sentence, "Burning ") {
		t.Errorf("availability %+v", r)
	}

	// Without a demo context the hook says so.
	delete(cfg.Contexts, demo.Context)
	if err := demo.SLO(context.Background(), b, cfg); err == nil {
		t.Error("no error without a demo context")
	}
}
