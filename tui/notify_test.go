package tui

import (
	"image/color"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/prometheus/alertmanager/api/v2/models"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/watch"
)

// rawOutputs runs a command tree and collects what it would print raw.
func rawOutputs(cmd tea.Cmd) []string {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case tea.RawMsg:
		return []string{msg.Msg.(string)}
	case tea.BatchMsg:
		var out []string
		for _, c := range msg {
			out = append(out, rawOutputs(c)...)
		}
		return out
	}
	return nil
}

func notifyModel(t *testing.T, mode string) *Model {
	t.Helper()
	m := newTestModel(t, 120, 40, true, Options{})
	m.deps.Config.Alerts.Notify = mode
	m.SetData(uiFixture()) // the first load: already firing, never announced
	return m
}

// feedAM delivers an Alertmanager reply through Update, as the hub would
// (every source answered).
func feedAM(m *Model, as models.GettableAlerts) []string {
	return rawOutputs(feed(m, alerts.Inputs{AM: as}, okHealth()))
}

func withAlert(f fxAlert) models.GettableAlerts {
	as, _, _, _ := uiFixture()
	return append(as, amAlert(f))
}

func TestBellOnlyForNewFiringCriticals(t *testing.T) {
	m := notifyModel(t, NotifyBell)
	as, _, _, _ := uiFixture()
	if out := feedAM(m, as); len(out) != 0 {
		t.Fatalf("refresh without changes notified: %q", out)
	}
	warn := withAlert(fxAlert{Labels: map[string]string{"alertname": "DiskFull", "severity": "warning"}, Summary: "x"})
	if out := feedAM(m, warn); len(out) != 0 {
		t.Fatalf("a new warning notified: %q", out)
	}
	silenced := withAlert(fxAlert{Labels: map[string]string{"alertname": "Quiet", "severity": "critical"}, Summary: "x", SilencedBy: []string{"s"}})
	if out := feedAM(m, silenced); len(out) != 0 {
		t.Fatalf("a new silenced critical notified: %q", out)
	}
	crit := withAlert(fxAlert{Labels: map[string]string{"alertname": "PaymentsDown", "severity": "critical"}, Summary: "x"})
	if out := feedAM(m, crit); len(out) != 1 || out[0] != "\a" {
		t.Fatalf("new critical: want one BEL, got %q", out)
	}
	if out := feedAM(m, crit); len(out) != 0 {
		t.Fatalf("the same critical notified twice: %q", out)
	}
	// Resolved, then firing again with the same fingerprint: seen before.
	feedAM(m, as)
	if out := feedAM(m, crit); len(out) != 0 {
		t.Fatalf("a re-firing fingerprint notified again: %q", out)
	}
}

func TestNotifyOffByDefault(t *testing.T) {
	m := notifyModel(t, NotifyOff)
	crit := withAlert(fxAlert{Labels: map[string]string{"alertname": "PaymentsDown", "severity": "critical"}, Summary: "x"})
	if out := feedAM(m, crit); len(out) != 0 {
		t.Fatalf("notify off, got %q", out)
	}
}

func TestOSC9IsSanitized(t *testing.T) {
	m := notifyModel(t, NotifyOSC9)
	crit := withAlert(fxAlert{Labels: map[string]string{"alertname": "Evil\x1b]0;pwned\x07Down", "severity": "critical"}, Summary: "x"})
	out := feedAM(m, crit)
	if len(out) != 1 {
		t.Fatalf("want one OSC 9, got %q", out)
	}
	seq := out[0]
	if !strings.HasPrefix(seq, "\x1b]9;oncall: critical firing: Evil") {
		t.Fatalf("not an OSC 9 notification: %q", seq)
	}
	body := strings.TrimSuffix(strings.TrimPrefix(seq, "\x1b]9;"), "\x07")
	if strings.ContainsAny(body, "\x1b\x07;") {
		t.Fatalf("control characters leak into the notification: %q", seq)
	}
}

// Nothing is announced until every configured alert source has answered:
// alerts that were firing before oncall started are not "new".
func TestNoNotificationBeforeEverySourceAnswered(t *testing.T) {
	m := newTestModel(t, 120, 40, true, Options{})
	m.deps.Config.Alerts.Notify = NotifyBell
	m.notify = notifier{}
	crit := withAlert(fxAlert{Labels: map[string]string{"alertname": "PaymentsDown", "severity": "critical"}, Summary: "x"})
	waiting := okHealth()
	waiting[watch.SrcProm] = watch.Health{InFlight: true}
	if out := rawOutputs(feed(m, alerts.Inputs{AM: crit}, waiting)); len(out) != 0 {
		t.Fatalf("notified before Prometheus answered: %q", out)
	}
	if out := rawOutputs(feed(m, alerts.Inputs{AM: crit}, okHealth())); len(out) != 0 {
		t.Fatalf("the first complete load notified: %q", out)
	}
	more := append(crit, amAlert(fxAlert{Labels: map[string]string{"alertname": "QueueStuck", "severity": "critical"}, Summary: "x"}))
	if out := feedAM(m, more); len(out) != 1 {
		t.Fatalf("a critical after the first load: want a bell, got %q", out)
	}
}

// TestBackgroundWaitHoldsTheFirstFrame: with an automatic theme and
// BackgroundWait, nothing is drawn until the terminal's background is
// known, then the frame uses the matching palette; a fixed theme never
// waits.
func TestBackgroundWaitHoldsTheFirstFrame(t *testing.T) {
	cfg := config.Defaults()
	cfg.CurrentContext = "prod"
	m, err := New(Deps{Config: cfg, Now: func() time.Time { return fixedNow }}, Options{NoFetch: true, BackgroundWait: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if v := m.View(); v.Content != "" {
		t.Fatalf("a frame was drawn before the background was known:\n%s", v.Content)
	}
	m.Update(tea.BackgroundColorMsg{Color: color.White})
	if v := m.View(); v.Content == "" || m.st.Dark {
		t.Fatalf("after a white background: frame %d bytes, dark styles %v", len(v.Content), m.st.Dark)
	}
	cfg.UI.Theme = "dark"
	m, _ = New(Deps{Config: cfg, Now: func() time.Time { return fixedNow }}, Options{NoFetch: true, BackgroundWait: time.Hour})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if v := m.View(); v.Content == "" {
		t.Fatal("a fixed theme waited for the background")
	}
}

// TestEmptyListIsNotAllClearUntilASourceAnswers: before Alertmanager or
// Prometheus first answers, the header says loading (or no data once the
// fetches failed), never "all clear".
func TestEmptyListIsNotAllClearUntilASourceAnswers(t *testing.T) {
	cfg := config.Defaults()
	cfg.CurrentContext = "prod"
	dark := true
	m, err := New(Deps{Config: cfg, Now: func() time.Time { return fixedNow }}, Options{NoFetch: true, Dark: &dark})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	if out := plain(m.Render()); !strings.Contains(out, "loading…") || strings.Contains(out, "all clear") || !strings.Contains(out, "Waiting for the first answer") {
		t.Fatalf("nothing yet:\n%s", out)
	}
	feed(m, alerts.Inputs{}, map[string]watch.Health{watch.SrcAM: {InFlight: true}})
	if out := plain(m.Render()); !strings.Contains(out, "loading…") || strings.Contains(out, "all clear") || !strings.Contains(out, "Waiting for the first answer") {
		t.Fatalf("in flight:\n%s", out)
	}
	feed(m, alerts.Inputs{}, map[string]watch.Health{watch.SrcAM: {Err: "connection refused", FailSince: fixedNow}})
	if out := plain(m.Render()); !strings.Contains(out, "no data") || strings.Contains(out, "all clear") || !strings.Contains(out, "what fires is unknown") {
		t.Fatalf("failed:\n%s", out)
	}
	feed(m, alerts.Inputs{}, map[string]watch.Health{watch.SrcAM: {OK: true, LastOK: fixedNow}})
	if out := plain(m.Render()); !strings.Contains(out, "all clear") || !strings.Contains(out, "No alerts.") {
		t.Fatalf("answered, empty:\n%s", out)
	}
}
