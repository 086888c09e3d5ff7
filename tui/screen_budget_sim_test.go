package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/config"
	"oncall/internal/demo/sim"
	"oncall/internal/demo/simslo"
	"oncall/internal/slo"
	"oncall/sources/prometheus"
)

// budgetSimModel is a model on the simulated Prometheus with the demo SLOs.
func budgetSimModel(t *testing.T, o BudgetOptions) (*Model, *BudgetScreen, *sim.Backend) {
	t.Helper()
	clock := func() time.Time { return fixedNow }
	b, err := sim.Start(context.Background(), sim.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	simslo.RegisterDemo(b.Prometheus)
	cfg := config.Defaults()
	cfg.CurrentContext = "demo"
	cfg.Contexts["demo"] = &config.Context{Prometheus: config.Prometheus{URL: b.Prometheus.URL()}, SLO: simslo.DemoSLOs()}
	prom, err := prometheus.New(prometheus.Config{URL: b.Prometheus.URL()})
	if err != nil {
		t.Fatal(err)
	}
	dark := true
	m, err := New(Deps{Config: cfg, Prom: prom, Now: clock, Screens: []ScreenSpec{BudgetScreenSpec(o)}}, Options{Dark: &dark, NoFetch: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	return m, m.ScreenByName(BudgetScreenName).(*BudgetScreen), b
}

// drain runs cmd and every command its messages lead to, as the runtime
// would, feeding the messages to the model.
func drain(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 100 {
			t.Fatal("commands never settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case nil:
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

func TestBudgetOnTheSimulatedIncident(t *testing.T) {
	m, s, _ := budgetSimModel(t, BudgetOptions{})
	first := s.Refresh(m)
	if again := s.Refresh(m); again != nil {
		t.Error("a second tick started another evaluation while one is in flight")
	}
	drain(t, m, first)
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
	drain(t, m, m.openScreen(BudgetScreenName))
	h := s.hist["availability"]
	if h == nil || len(h.series["5m"]) != 289 || len(h.series["1h"]) != 289 || len(h.series["6h"]) != 289 {
		t.Fatalf("history: %+v", h)
	}
	text := plain(m.Render())
	for _, want := range []string{"▸ availability", "PAGE", "372×", "-24h", "· 5m 372×", "┄ 14.4× page"} {
		if !strings.Contains(text, want) {
			t.Errorf("screen lacks %q:\n%s", want, text)
		}
	}
	// The gateway is next; its history is fetched when it is selected.
	_, cmd := m.Update(keyMsg("j"))
	drain(t, m, cmd)
	if s.Selected() != "gateway-availability" || s.hist["gateway-availability"] == nil || s.hist["gateway-availability"].series == nil {
		t.Errorf("selected %q, gateway history %+v", s.Selected(), s.hist["gateway-availability"])
	}
	// Within HistoryEvery, a tick does not refetch it.
	if cmd := s.history(m.Now()); cmd != nil {
		t.Error("history refetched within a minute")
	}
}

func TestBudgetSlowPrometheusStaysInTheScreen(t *testing.T) {
	m, s, b := budgetSimModel(t, BudgetOptions{Timeout: 300 * time.Millisecond})
	b.Prometheus.SetDelay(3 * time.Second)
	start := time.Now()
	drain(t, m, s.Refresh(m))
	if d := time.Since(start); d > 2500*time.Millisecond {
		t.Errorf("evaluation took %s despite a 300ms timeout", d)
	}
	press(m, "b")
	text := flat(m.Render())
	if !strings.Contains(text, "ERROR") || !strings.Contains(text, "context deadline exceeded") {
		t.Errorf("timeouts not shown:\n%s", plain(m.Render()))
	}
	if _, ok := m.health[BudgetScreenName]; ok {
		t.Error("the budget screen's failure reached the global source health")
	}
}
