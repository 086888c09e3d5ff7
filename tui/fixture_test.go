package tui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/actions"
	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/watch"
	"oncall/tui/kit"
	"oncall/tui/tuitest/fixture"
)

// fixedNow is the clock of every UI test.
var fixedNow = fixture.Now()

func dt(t time.Time) *strfmt.DateTime { return fixture.DT(t) }
func sp(s string) *string             { return fixture.SP(s) }

type fxAlert = fixture.Alert

func amAlert(f fxAlert) *models.GettableAlert { return fixture.AM(f) }

func uiFixture() (models.GettableAlerts, models.GettableSilences, []v1.Alert, map[string][]v1.AlertingRule) {
	return fixture.Data()
}

func newTestModel(t *testing.T, w, h int, dark bool, o Options) *Model {
	t.Helper()
	cfg := config.Defaults()
	cfg.CurrentContext = "prod"
	cfg.Identity.User = "alice@bastion"
	o.Dark = &dark
	o.NoFetch = true
	zero := time.Duration(0)
	if o.Grace == nil {
		o.Grace = &zero
	}
	m, err := New(Deps{Config: cfg, Now: func() time.Time { return fixedNow }}, o)
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.SetData(uiFixture())
	return m
}

func press(m *Model, keys ...string) {
	for _, k := range keys {
		m.Update(keyMsg(k))
	}
}

func keyMsg(k string) tea.KeyPressMsg { return fixture.Key(k) }

func typeText(m *Model, s string) {
	for _, r := range s {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// keys presses each of ks that is "enter" or one character, and types
// each longer one as text.
func keys(m *Model, ks ...string) {
	for _, k := range ks {
		if len(k) > 1 && k != "enter" {
			typeText(m, k)
		} else {
			press(m, k)
		}
	}
}

func plain(s string) string { return kit.Strip(s) }

// fakeActions is a write service with no Alertmanager: enough to open
// dialogs; tests that write use real servers (see e2e tests).
func fakeActions() *actions.Service { return &actions.Service{User: "alice@bastion", Context: "prod"} }

// srcHealth is what the status bar knows of a source of the first watched
// cluster.
func srcHealth(m *Model, src string) watch.Health { return m.healthOf(m.watched[0])[src] }

// allHealthy: Alertmanager's alerts and silences, Prometheus's alerts and
// rules all answered.
func allHealthy(m *Model) bool {
	for _, s := range []string{watch.SrcAM, watch.SrcSil, watch.SrcProm, watch.SrcRules} {
		if !srcHealth(m, s).OK {
			return false
		}
	}
	return true
}

// setActions gives the first watched cluster a write service.
func setActions(m *Model, svc *actions.Service) { m.clusterOf("").Actions = svc }

// okHealth is every alert source of one cluster answering.
func okHealth() map[string]watch.Health {
	h := map[string]watch.Health{}
	for _, s := range []string{watch.SrcAM, watch.SrcSil, watch.SrcProm, watch.SrcRules} {
		h[s] = watch.Health{OK: true, Latency: 12 * time.Millisecond, LastOK: fixedNow}
	}
	return h
}

// feed delivers what the hub would publish for the first watched cluster,
// through Update, and returns the command Update gave back.
func feed(m *Model, in alerts.Inputs, health map[string]watch.Health) tea.Cmd {
	in.Cluster = m.watched[0]
	as, ss := alerts.BuildAll(in)
	alerts.Prepare(as)
	_, cmd := m.Update(snapsMsg{sub: m.sub, snaps: []*watch.Snapshot{{Cluster: in.Cluster, Alerts: as, Silences: ss, Health: health, AMAlerts: in.AM, AMSilences: in.Silences, At: fixedNow}}})
	return cmd
}
