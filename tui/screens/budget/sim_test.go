package budget

import (
	"context"
	"strings"
	"testing"
	"time"

	"oncall/internal/config"
	"oncall/internal/demo/sim"
	"oncall/internal/demo/simslo"
	"oncall/internal/slo"
	"oncall/sources/prometheus"
	"oncall/tui"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
)

// simDriver is the budget screen on the simulated Prometheus with the demo
// SLOs; fetch lets the model fetch (and tick) as a session does.
func simDriver(t *testing.T, o Options, fetch bool) (*tuitest.Driver, *screen, *sim.Backend) {
	t.Helper()
	clock := func() time.Time { return fixedNow }
	b, err := sim.Start(context.Background(), sim.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	simslo.RegisterDemo(b.Prometheus)
	cfg := tuitest.Config()
	cfg.CurrentContext = "demo"
	cfg.Contexts["demo"] = &config.Context{Prometheus: config.Prometheus{URL: b.Prometheus.URL()}, SLO: simslo.DemoSLOs()}
	prom, err := prometheus.New(prometheus.Config{URL: b.Prometheus.URL()})
	if err != nil {
		t.Fatal(err)
	}
	d := tuitest.New(t, tuitest.Setup{Dark: true, Config: cfg, Deps: tui.Deps{Prom: prom, Now: clock}, Fetch: fetch, NoData: true,
		Entries: []kit.Entry{Entry(o)}})
	return d, screenOf(t, d), b
}

func TestBudgetOnTheSimulatedIncident(t *testing.T) {
	d, s, _ := simDriver(t, Options{}, false)
	first := s.Refresh(d.M)
	if again := s.Refresh(d.M); again != nil {
		t.Error("a second tick started another evaluation while one is in flight")
	}
	d.Run(first).Until("the SLOs are evaluated", func() bool { return s.loaded })
	if len(s.rows) != 2 || s.rows[0].def.Name != "availability" || s.rows[0].status == nil {
		t.Fatalf("rows after the tick: %+v (load error %q)", s.rows, s.loadErr)
	}
	st := s.rows[0].status
	if st.State != slo.StatePage || !strings.HasPrefix(st.Sentence(), "Burning ") {
		t.Errorf("availability: state %s, %q", st.State, st.Sentence())
	}
	if len(s.hist) != 0 {
		t.Error("history fetched before the screen was opened")
	}

	// Opening the screen fetches the chart of the selected SLO.
	d.Press("b").UntilScreen("┄ 14.4× page")
	h := s.hist["availability"]
	if h == nil || len(h.series["5m"]) != 289 || len(h.series["1h"]) != 289 || len(h.series["6h"]) != 289 {
		t.Fatalf("history: %+v", h)
	}
	text := d.Screen()
	for _, want := range []string{"▸ availability", "PAGE", "372×", "-24h", "· 5m 372×", "┄ 14.4× page"} {
		if !strings.Contains(text, want) {
			t.Errorf("screen lacks %q:\n%s", want, text)
		}
	}
	// The gateway is next; its history is fetched when it is selected.
	d.Press("j").Until("the gateway's history", func() bool {
		h := s.hist["gateway-availability"]
		return h != nil && !h.inFlight
	})
	if s.Selected() != "gateway-availability" || s.hist["gateway-availability"].series == nil {
		t.Errorf("selected %q, gateway history %+v", s.Selected(), s.hist["gateway-availability"])
	}
	// Within HistoryEvery, a tick does not refetch it.
	if cmd := s.history(d.M.Now()); cmd != nil {
		t.Error("history refetched within a minute")
	}
}

// The session's refresh (the first one, and every tick after it) evaluates
// the SLOs while the screen is hidden, so the alert detail has its lines.
func TestBudgetFollowsTheSessionRefresh(t *testing.T) {
	d, s, _ := simDriver(t, Options{}, true)
	d.Until("the SLOs are evaluated without opening the screen", func() bool { return s.loaded })
	if d.M.Shown() != "" || len(s.rows) != 2 || s.rows[0].status == nil {
		t.Fatalf("shown %q, rows %+v (load error %q)", d.M.Shown(), s.rows, s.loadErr)
	}
}

func TestBudgetSlowPrometheusStaysInTheScreen(t *testing.T) {
	d, s, b := simDriver(t, Options{Timeout: 300 * time.Millisecond}, false)
	b.Prometheus.SetDelay(3 * time.Second)
	start := time.Now()
	d.Run(s.Refresh(d.M)).Until("the evaluation to give up", func() bool { return s.loaded })
	if took := time.Since(start); took > 2500*time.Millisecond {
		t.Errorf("evaluation took %s despite a 300ms timeout", took)
	}
	d.Press("b")
	text := flat(d.Render())
	if !strings.Contains(text, "ERROR") || !strings.Contains(text, "context deadline exceeded") {
		t.Errorf("timeouts not shown:\n%s", d.Screen())
	}
	// The failure is the screen's: the status bar's sources stay healthy.
	lines := strings.Split(d.Screen(), "\n")
	if bar := lines[len(lines)-1]; strings.Contains(bar, "✗") || strings.Contains(bar, "budget") {
		t.Errorf("the budget screen's failure reached the status bar: %q", bar)
	}
}
