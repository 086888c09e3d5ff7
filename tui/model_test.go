package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/guard"
	"oncall/internal/watch"
	"oncall/tui/tuitest/fixture"
)

func TestGoldenViews(t *testing.T) {
	for _, v := range []struct {
		name string
		keys []string
	}{
		{"alerts", nil},
		{"detail", []string{"enter"}},
		{"silences", []string{"S"}},
		{"silence-dialog", []string{"s"}},
		{"silence-dialog-guard", []string{"s"}},
		{"readonly", []string{"s"}},
		{"filter", []string{"/", `severity="warning"`, "enter"}},
		{"help", []string{"?"}},
	} {
		fixture.Frames(t, v.name, func(t *testing.T, w, h int, dark bool) string {
			m := newTestModel(t, w, h, dark, Options{})
			setActions(m, nil)
			switch v.name {
			case "silence-dialog":
				setActions(m, fakeActions())
			case "silence-dialog-guard":
				svc := fakeActions()
				p, err := guard.New(config.Guard{
					Matchers: config.MatchersGuard{Mode: "refuse", Required: []string{"cluster"}},
					Comment:  config.CommentGuard{Pattern: `^[A-Z]+-[0-9]+`},
				})
				if err != nil {
					t.Fatal(err)
				}
				svc.Guard = p
				setActions(m, svc)
			case "readonly":
				svc := fakeActions()
				svc.ReadOnly = "--readonly"
				setActions(m, svc)
			}
			keys(m, v.keys...)
			return m.Render()
		})
	}
}

func TestNavigationAndFilter(t *testing.T) {
	m := newTestModel(t, 160, 48, true, Options{})
	first := m.Selected()
	if first == nil || first.Name() != "APIDown" {
		t.Fatalf("first selected = %v, want APIDown (critical, oldest firing)", first)
	}
	press(m, "j")
	if m.Selected().Name() == "APIDown" {
		t.Fatal("j did not move the cursor")
	}
	press(m, "k")
	if m.Selected().Name() != "APIDown" {
		t.Fatal("k did not move back")
	}
	press(m, "G")
	last := m.Selected()
	press(m, "g")
	if last == m.Selected() {
		t.Fatal("G/g did not jump")
	}
	// matcher filter with Alertmanager semantics
	press(m, "/")
	typeText(m, `severity="warning"`)
	press(m, "enter")
	vis := m.alertsPane.Visible()
	if len(vis) != 4 {
		t.Fatalf("warning filter shows %d alerts, want 4", len(vis))
	}
	for _, a := range vis {
		if a.Severity() != "warning" {
			t.Fatalf("filter let through %s", a.Name())
		}
	}
	// regexes are anchored: "conectcrm" alone must not match conectcrm-backend
	press(m, "/")
	for range len(`severity="warning"`) {
		press(m, "backspace")
	}
	typeText(m, `service=~"conectcrm"`)
	press(m, "enter")
	if n := len(m.alertsPane.Visible()); n != 0 {
		t.Fatalf("anchored regex matched %d alerts", n)
	}
	press(m, "esc")
	if n := len(m.alertsPane.Visible()); n != 8 {
		t.Fatalf("esc should clear the filter: %d shown", n)
	}
	// free text
	press(m, "/")
	typeText(m, "pgbouncer")
	press(m, "enter")
	if vis := m.alertsPane.Visible(); len(vis) != 1 || vis[0].Name() != "DatabaseConnectionsHigh" {
		t.Fatalf("free text filter = %v", vis)
	}
}

func TestSortCycles(t *testing.T) {
	m := newTestModel(t, 160, 48, true, Options{})
	press(m, "o")
	if m.alertsPane.SortKey() != "age" {
		t.Fatalf("sort = %s", m.alertsPane.SortKey())
	}
	if m.alertsPane.Visible()[0].Name() != "LowTraffic" {
		t.Fatalf("oldest first, got %s", m.alertsPane.Visible()[0].Name())
	}
}

func TestAckStateShown(t *testing.T) {
	m := newTestModel(t, 160, 48, true, Options{})
	var db string
	for _, a := range m.Alerts() {
		if a.Name() == "DatabaseConnectionsHigh" {
			if a.Ack == nil || a.Ack.By != "ana@bastion" || a.State != "acked" {
				t.Fatalf("ack not recognised: %+v", a.Ack)
			}
			db = a.Name()
		}
	}
	if db == "" {
		t.Fatal("fixture alert missing")
	}
	if !strings.Contains(plain(m.Render()), "acked ana@bastion 4m") {
		t.Fatalf("ack with who and how long ago not rendered:\n%s", plain(m.Render()))
	}
}

func TestDialogGraceIgnoresInFlightKeys(t *testing.T) {
	grace := time.Hour // nothing typed during the test counts
	m := newTestModel(t, 160, 48, true, Options{Grace: &grace})
	setActions(m, fakeActions())
	press(m, "s")
	if m.overlays.top() == nil {
		t.Fatal("s did not open the silence dialog")
	}
	press(m, "esc", "enter", "enter", "enter")
	if m.overlays.top() == nil {
		t.Fatal("keys within the grace period closed or confirmed the dialog")
	}
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	m := newTestModel(t, 160, 48, true, Options{ReadOnly: true, Role: "viewer"})
	setActions(m, fakeActions())
	press(m, "s")
	if m.overlays.top() != nil {
		t.Fatal("viewer opened the silence dialog")
	}
	if !m.status.err || !strings.Contains(m.status.text, "read-only") {
		t.Fatalf("status = %+v", m.status)
	}
	press(m, "a")
	if !strings.Contains(m.status.text, "read-only") {
		t.Fatalf("ack not refused: %+v", m.status)
	}
}

// A failing source keeps its last good data, marked in the status bar, and
// recovers with its next answer (the hub keeps the data; see watch).
func TestFailuresKeepDataAndShowStale(t *testing.T) {
	m := newTestModel(t, 160, 48, true, Options{})
	as, sils, prom, rules := uiFixture()
	before := len(m.Alerts())
	h := okHealth()
	h[watch.SrcAM] = watch.Health{Err: "alertmanager http://am:9093: list alerts: timed out", FailSince: fixedNow.Add(-time.Minute), LastOK: fixedNow.Add(-2 * time.Minute)}
	feed(m, alerts.Inputs{AM: as, Silences: sils, Prom: prom, Rules: rules}, h)
	if len(m.Alerts()) != before {
		t.Fatal("a failed fetch must keep the last good data")
	}
	out := plain(m.Render())
	if !strings.Contains(out, "am ✗ 1m") || !strings.Contains(out, "stale: alertmanager") {
		t.Fatalf("status bar does not show the stale source:\n%s", out)
	}
	feed(m, alerts.Inputs{AM: as, Silences: sils, Prom: prom, Rules: rules}, okHealth())
	if out := plain(m.Render()); strings.Contains(out, "✗") || !strings.Contains(out, "am ✓  12ms") {
		t.Fatalf("source did not recover:\n%s", out)
	}
}

func TestStoppedTickerIsNotRescheduled(t *testing.T) {
	m := newTestModel(t, 80, 24, true, Options{})
	m.opts.NoFetch = false
	old := m.tickGen
	m.Stop()
	if _, cmd := m.Update(tickMsg{gen: old}); cmd != nil {
		t.Fatal("a tick from a stopped ticker rescheduled itself")
	}
}

func TestNarrowLayoutUsesTabs(t *testing.T) {
	m := newTestModel(t, 80, 24, true, Options{})
	out := plain(m.Render())
	if !strings.Contains(out, " Alerts  Detail  Silences") {
		t.Fatalf("narrow layout has no tabs:\n%s", out)
	}
	press(m, "enter")
	if m.view != viewDetail {
		t.Fatal("enter did not open the detail tab")
	}
	press(m, "esc")
	if m.view != viewAlerts {
		t.Fatal("esc did not return to the list")
	}
	// resizing to wide mid-detail moves focus, never panics
	press(m, "enter")
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	m.Update(tea.WindowSizeMsg{Width: 41, Height: 11})
	m.Update(tea.WindowSizeMsg{Width: 10, Height: 3})
	if !strings.Contains(m.Render(), "too small") {
		t.Fatal("tiny terminal message missing")
	}
}

func TestBackgroundDetectionRebuildsStyles(t *testing.T) {
	cfgDark := false
	m := newTestModel(t, 80, 24, cfgDark, Options{})
	m.opts.Dark = nil
	m.Update(tea.BackgroundColorMsg{Color: blackColor{}})
	if !m.st.Dark {
		t.Fatal("dark background not applied")
	}
}

type blackColor struct{}

func (blackColor) RGBA() (r, g, b, a uint32) { return 0, 0, 0, 0xffff }
