package tui

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/actions"
	"oncall/internal/alerts"
	"oncall/internal/config"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixedNow is the clock of every UI test.
var fixedNow = time.Date(2026, 11, 26, 3, 30, 0, 0, time.UTC)

func dt(t time.Time) *strfmt.DateTime { d := strfmt.DateTime(t); return &d }
func sp(s string) *string             { return &s }

type fxAlert struct {
	labels      map[string]string
	summary     string
	age         time.Duration
	silencedBy  []string
	inhibitedBy []string
}

func amAlert(f fxAlert) *models.GettableAlert {
	state := models.AlertStatusStateActive
	if len(f.silencedBy) > 0 || len(f.inhibitedBy) > 0 {
		state = models.AlertStatusStateSuppressed
	}
	fp := alerts.Fingerprint(f.labels)
	return &models.GettableAlert{
		Alert:       models.Alert{Labels: models.LabelSet(f.labels), GeneratorURL: strfmt.URI("http://prometheus:9090/graph?g0.expr=up")},
		Annotations: models.LabelSet{"summary": f.summary, "runbook_url": "RUNBOOKS.md#" + strings.ToLower(f.labels["alertname"])},
		Fingerprint: &fp,
		StartsAt:    dt(fixedNow.Add(-f.age)),
		EndsAt:      dt(fixedNow.Add(5 * time.Minute)),
		UpdatedAt:   dt(fixedNow),
		Receivers:   []*models.ReceiverReference{{Name: sp("slack-" + f.labels["severity"])}},
		Status:      &models.AlertStatus{State: &state, SilencedBy: f.silencedBy, InhibitedBy: f.inhibitedBy},
	}
}

func fixture() (models.GettableAlerts, models.GettableSilences, []v1.Alert, map[string][]v1.AlertingRule) {
	apiDown := map[string]string{"alertname": "APIDown", "severity": "critical", "service": "conectcrm-backend", "instance": "backend-1:3001", "job": "conectcrm-backend"}
	apiFP := alerts.Fingerprint(apiDown)
	as := models.GettableAlerts{
		amAlert(fxAlert{labels: apiDown, summary: "conectcrm-backend instance backend-1:3001 is down", age: 12 * time.Minute}),
		amAlert(fxAlert{labels: map[string]string{"alertname": "HighErrorRate", "severity": "critical", "service": "conectcrm-backend"}, summary: "37.2% of requests fail", age: 10 * time.Minute}),
		amAlert(fxAlert{labels: map[string]string{"alertname": "HighLatencyP95", "severity": "warning", "service": "conectcrm-backend"}, summary: "p95 latency 2.84s", age: 9 * time.Minute, inhibitedBy: []string{apiFP}}),
		amAlert(fxAlert{labels: map[string]string{"alertname": "HighMemoryUsage", "severity": "warning", "service": "conectcrm-backend", "instance": "backend-2:3001"}, summary: "93% of the memory limit", age: 25 * time.Minute}),
		amAlert(fxAlert{labels: map[string]string{"alertname": "HighMemoryUsage", "severity": "warning", "service": "conectcrm-backend", "instance": "backend-3:3001"}, summary: "91% of the memory limit", age: 21 * time.Minute}),
		amAlert(fxAlert{labels: map[string]string{"alertname": "LowTraffic", "severity": "info", "service": "api-gateway"}, summary: "only 1.2 req/s", age: 40 * time.Minute, silencedBy: []string{"11111111-2222-3333-4444-555555555555"}}),
		amAlert(fxAlert{labels: map[string]string{"alertname": "DatabaseConnectionsHigh", "severity": "warning", "service": "postgres"}, summary: "92% of max_connections", age: 6 * time.Minute, silencedBy: []string{"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}}),
	}
	active := models.SilenceStatusStateActive
	expired := models.SilenceStatusStateExpired
	yes, no := true, false
	m := func(n, v string) *models.Matcher {
		return &models.Matcher{Name: sp(n), Value: sp(v), IsRegex: &no, IsEqual: &yes}
	}
	sils := models.GettableSilences{
		{ID: sp("11111111-2222-3333-4444-555555555555"), Status: &models.SilenceStatus{State: &active}, UpdatedAt: dt(fixedNow.Add(-2 * time.Hour)),
			Silence: models.Silence{Matchers: models.Matchers{m("alertname", "LowTraffic")}, CreatedBy: sp("maria@bastion"), Comment: sp("known: marketing campaign paused"),
				StartsAt: dt(fixedNow.Add(-2 * time.Hour)), EndsAt: dt(fixedNow.Add(3 * time.Hour))}},
		{ID: sp("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"), Status: &models.SilenceStatus{State: &active}, UpdatedAt: dt(fixedNow.Add(-4 * time.Minute)),
			Silence: models.Silence{Matchers: models.Matchers{m("alertname", "DatabaseConnectionsHigh")}, CreatedBy: sp("ana@bastion"), Comment: sp("ACK! ana@bastion: checking pgbouncer"),
				StartsAt: dt(fixedNow.Add(-4 * time.Minute)), EndsAt: dt(fixedNow.Add(11 * time.Minute))}},
		{ID: sp("99999999-8888-7777-6666-555555555555"), Status: &models.SilenceStatus{State: &expired}, UpdatedAt: dt(fixedNow.Add(-2 * time.Hour)),
			Silence: models.Silence{Matchers: models.Matchers{m("alertname", "DiskSpaceLow")}, CreatedBy: sp("joao@bastion"), Comment: sp("cleanup done"),
				StartsAt: dt(fixedNow.Add(-5 * time.Hour)), EndsAt: dt(fixedNow.Add(-2 * time.Hour))}},
	}
	prom := []v1.Alert{{
		Labels:      model.LabelSet{"alertname": "RedisDown", "severity": "critical", "service": "redis"},
		State:       v1.AlertStatePending,
		ActiveAt:    fixedNow.Add(-30 * time.Second),
		Annotations: model.LabelSet{"summary": "redis-0 is down"},
	}}
	rules := map[string][]v1.AlertingRule{"APIDown": {{Name: "APIDown", Query: `up{job="conectcrm-backend"} == 0`, Duration: 60}}}
	return as, sils, prom, rules
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
	m.SetData(fixture())
	return m
}

func press(m *Model, keys ...string) {
	for _, k := range keys {
		m.Update(keyMsg(k))
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+n":
		return tea.KeyPressMsg{Code: 'n', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

func typeText(m *Model, s string) {
	for _, r := range s {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// golden compares got with testdata/NAME.golden (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from golden file; run go test ./tui -run %s -update and review the diff\n--- got (plain) ---\n%s", name, t.Name(), plain(got))
	}
}

func plain(s string) string { return ansiStrip(s) }

// fakeActions is a write service with no Alertmanager: enough to open
// dialogs; tests that write use real servers (see e2e tests).
func fakeActions() *actions.Service { return &actions.Service{User: "alice@bastion", Context: "prod"} }
