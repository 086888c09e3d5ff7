package wire_test

import (
	"context"
	"strings"
	"testing"

	"oncall/internal/config"
	"oncall/internal/demo/simtraces"
	"oncall/internal/wire"
	"oncall/tui/screens/trace"
	"oncall/tui/screens/traces"
	"oncall/tui/tuitest"
	"oncall/tui/tuitest/fixture"
)

// TestTraceEntries: with a Jaeger in the context, T lists the selected
// alert's error traces from it; without one, both screens are registered
// and T says why it cannot open.
func TestTraceEntries(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv, err := simtraces.Start(ctx, "127.0.0.1:0", simtraces.NewHandler(simtraces.Demo(fixture.Now())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	var warns []string
	e := env(nil)
	e.Warn = func(s string) { warns = append(warns, s) }

	cfg := tuitest.Config()
	es := wire.Entries(cfg, e)[1:3]
	if len(es) != 2 || es[0].Name != trace.Name || es[1].Name != traces.Name || es[0].New != nil || es[1].New != nil {
		t.Fatalf("without Jaeger: %+v", es)
	}
	d := tuitest.New(t, tuitest.Setup{Config: cfg, Entries: es})
	d.Press("T")
	if out := d.Screen(); d.M.Shown() != "" || !strings.Contains(out, "no Jaeger configured") {
		t.Errorf("T without Jaeger:\n%s", out)
	}

	cfg = tuitest.Config()
	cfg.Contexts["prod"].Jaeger = config.Jaeger{URL: srv.URL()}
	es = wire.Entries(cfg, e)[1:3]
	if es[0].New == nil || es[1].New == nil || len(warns) != 0 {
		t.Fatalf("with Jaeger: unavailable %q/%q, warnings %q", es[0].Unavailable, es[1].Unavailable, warns)
	}
	d = tuitest.New(t, tuitest.Setup{Config: cfg, Entries: es})
	d.Press("T")
	d.UntilScreen("api-gateway: POST /api/v1/deals")
	if d.M.Shown() != traces.Name {
		t.Errorf("T showed %q", d.M.Shown())
	}
}
