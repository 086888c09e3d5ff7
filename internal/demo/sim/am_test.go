package sim

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/client/alert"
	"github.com/prometheus/alertmanager/api/v2/client/alertgroup"
	"github.com/prometheus/alertmanager/api/v2/client/general"
	"github.com/prometheus/alertmanager/api/v2/client/receiver"
	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/common/model"
)

func receiverNames(a *models.GettableAlert) []string {
	var out []string
	for _, r := range a.Receivers {
		out = append(out, *r.Name)
	}
	return out
}

func TestAlertmanagerServesTheIncident(t *testing.T) {
	b, _ := startSim(t)
	got := listAlerts(t, b, nil)

	want := []string{"APIDown", "BackendPoolTimeouts", "DatabaseConnectionsHigh", "DatabaseTooManyClients", "ErrorBudgetBurnFast", "HighErrorRate", "HighLatencyP95", "HighMemoryUsage", "LowTraffic"}
	if n := names(got); !reflect.DeepEqual(n, want) {
		t.Fatalf("alertnames = %v, want %v (RedisDown is only pending in Prometheus, BackendSlowQueries in Loki's ruler)", n, want)
	}
	logBased := map[string]bool{"BackendPoolTimeouts": true, "DatabaseTooManyClients": true}
	for i, a := range got {
		if err := a.Validate(strfmt.Default); err != nil {
			t.Errorf("alert %s does not validate against the API schema: %v", a.Labels["alertname"], err)
		}
		ls := model.LabelSet{}
		for k, v := range a.Labels {
			ls[model.LabelName(k)] = model.LabelValue(v)
		}
		if fp := ls.Fingerprint().String(); *a.Fingerprint != fp {
			t.Errorf("%s fingerprint = %s, want %s", a.Labels["alertname"], *a.Fingerprint, fp)
		}
		if i > 0 && *got[i-1].Fingerprint >= *a.Fingerprint {
			t.Errorf("alerts not sorted by fingerprint at %d", i)
		}
		for _, k := range []string{"summary", "description", "runbook_url"} {
			if a.Annotations[k] == "" {
				t.Errorf("%s lacks annotation %s", a.Labels["alertname"], k)
			}
		}
		if strings.Contains(a.Annotations["summary"], "{{") {
			t.Errorf("%s summary not expanded: %q", a.Labels["alertname"], a.Annotations["summary"])
		}
		if a.Labels["env"] != "prod" {
			t.Errorf("%s env = %q", a.Labels["alertname"], a.Labels["env"])
		}
		gu, err := url.Parse(string(a.GeneratorURL))
		switch {
		case logBased[a.Labels["alertname"]]:
			// Loki's ruler without an external_url: a relative Grafana Explore link
			if err != nil || gu.Path != "/explore" || gu.IsAbs() || !strings.Contains(gu.Query().Get("left"), `"expr":"sum by (service_name`) {
				t.Errorf("%s generatorURL = %q, want a relative /explore link with the rule's expression", a.Labels["alertname"], a.GeneratorURL)
			}
		case err != nil || !strings.HasPrefix(string(a.GeneratorURL), b.Prometheus.URL()+"/graph?") || gu.Query().Get("g0.expr") == "":
			t.Errorf("%s generatorURL = %q, want a graph link on the sim Prometheus", a.Labels["alertname"], a.GeneratorURL)
		}
	}

	m := byName(got)
	ago := func(a *models.GettableAlert) time.Duration { return epoch().Sub(time.Time(*a.StartsAt)) }
	for name, d := range map[string]time.Duration{
		"APIDown": 12 * time.Minute, "HighErrorRate": 10 * time.Minute, "HighLatencyP95": 9 * time.Minute,
		"ErrorBudgetBurnFast": 8 * time.Minute, "DatabaseConnectionsHigh": 6 * time.Minute,
		"HighMemoryUsage": 25 * time.Minute, "LowTraffic": 40 * time.Minute,
		"DatabaseTooManyClients": 4 * time.Minute, "BackendPoolTimeouts": 7 * time.Minute,
	} {
		if got := ago(m[name]); got != d {
			t.Errorf("%s firing for %v, want %v", name, got, d)
		}
	}

	apiDown := m["APIDown"]
	for k, v := range map[string]string{"severity": "critical", "service": ServiceBackend, "job": ServiceBackend, "instance": "backend-1:3001", "team": "crm"} {
		if apiDown.Labels[k] != v {
			t.Errorf("APIDown label %s = %q, want %q", k, apiDown.Labels[k], v)
		}
	}
	if apiDown.Annotations["runbook_url"] != "RUNBOOKS.md#apidown" {
		t.Errorf("APIDown runbook_url = %q", apiDown.Annotations["runbook_url"])
	}
	full := 0
	for _, a := range got {
		if strings.HasPrefix(a.Annotations["runbook_url"], "https://") {
			full++
		}
	}
	if full != 1 {
		t.Errorf("%d alerts have a full https runbook_url, want exactly 1", full)
	}

	// The warning on the dead instance is inhibited by APIDown; the warning
	// on the healthy instance is not.
	lat := m["HighLatencyP95"]
	if *lat.Status.State != models.AlertStatusStateSuppressed || !reflect.DeepEqual(lat.Status.InhibitedBy, []string{*apiDown.Fingerprint}) {
		t.Errorf("HighLatencyP95 status = %s inhibitedBy %v, want suppressed by %s", *lat.Status.State, lat.Status.InhibitedBy, *apiDown.Fingerprint)
	}
	if mem := m["HighMemoryUsage"]; *mem.Status.State != models.AlertStatusStateActive || len(mem.Status.InhibitedBy) != 0 {
		t.Errorf("HighMemoryUsage status = %s %v, want active", *mem.Status.State, mem.Status.InhibitedBy)
	}

	// The info alert is silenced by maria's silence.
	var maria string
	for _, s := range b.Alertmanager.Silences() {
		if *s.CreatedBy == "maria@bastion" {
			maria = *s.ID
		}
	}
	low := m["LowTraffic"]
	if maria == "" || *low.Status.State != models.AlertStatusStateSuppressed || !reflect.DeepEqual(low.Status.SilencedBy, []string{maria}) {
		t.Errorf("LowTraffic status = %s silencedBy %v, want suppressed by %q", *low.Status.State, low.Status.SilencedBy, maria)
	}

	// Routing by severity; SLO alerts also reach the SLO webhook.
	for name, want := range map[string][]string{
		"APIDown":             {ReceiverCritical},
		"ErrorBudgetBurnFast": {ReceiverCritical, ReceiverSLO},
		"HighMemoryUsage":     {ReceiverWarning},
		"LowTraffic":          {ReceiverEmail},
	} {
		if got := receiverNames(m[name]); !reflect.DeepEqual(got, want) {
			t.Errorf("%s receivers = %v, want %v", name, got, want)
		}
	}
}

func TestAlertmanagerFilters(t *testing.T) {
	b, _ := startSim(t)
	f, tr := false, true
	str := func(s string) *string { return &s }
	cases := []struct {
		name string
		mod  func(*alert.GetAlertsParams)
		want []string
	}{
		{"equal", func(p *alert.GetAlertsParams) { p.Filter = []string{`alertname="APIDown"`} }, []string{"APIDown"}},
		{"regex and equal", func(p *alert.GetAlertsParams) { p.Filter = []string{`service=~"conectcrm.*"`, `severity="warning"`} },
			[]string{"HighLatencyP95", "HighMemoryUsage"}},
		{"not equal", func(p *alert.GetAlertsParams) { p.Filter = []string{`severity!="critical"`} },
			[]string{"DatabaseConnectionsHigh", "DatabaseTooManyClients", "HighLatencyP95", "HighMemoryUsage", "LowTraffic"}},
		{"empty value matches missing label", func(p *alert.GetAlertsParams) { p.Filter = []string{`instance=""`} },
			[]string{"DatabaseTooManyClients", "ErrorBudgetBurnFast", "HighErrorRate", "LowTraffic"}},
		{"no silenced", func(p *alert.GetAlertsParams) { p.Silenced = &f },
			[]string{"APIDown", "BackendPoolTimeouts", "DatabaseConnectionsHigh", "DatabaseTooManyClients", "ErrorBudgetBurnFast", "HighErrorRate", "HighLatencyP95", "HighMemoryUsage"}},
		{"no inhibited", func(p *alert.GetAlertsParams) { p.Inhibited = &f },
			[]string{"APIDown", "BackendPoolTimeouts", "DatabaseConnectionsHigh", "DatabaseTooManyClients", "ErrorBudgetBurnFast", "HighErrorRate", "HighMemoryUsage", "LowTraffic"}},
		{"only suppressed", func(p *alert.GetAlertsParams) { p.Active = &f; p.Silenced = &tr }, []string{"HighLatencyP95", "LowTraffic"}},
		{"receiver regex anchored", func(p *alert.GetAlertsParams) { p.Receiver = str("slack") }, nil},
		{"receiver webhook", func(p *alert.GetAlertsParams) { p.Receiver = str("webhook-.*") }, []string{"ErrorBudgetBurnFast"}},
		{"receiver email", func(p *alert.GetAlertsParams) { p.Receiver = str("email-oncall") }, []string{"LowTraffic"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := names(listAlerts(t, b, c.mod)); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}

	t.Run("bad filter", func(t *testing.T) {
		_, err := amClient(t, b).Alert.GetAlerts(alert.NewGetAlertsParams().WithContext(ctxTimeout(t, 5*time.Second)).WithFilter([]string{"(("}))
		var bad *alert.GetAlertsBadRequest
		if !errors.As(err, &bad) || !strings.Contains(bad.Payload, "bad matcher format") {
			t.Errorf("err = %v, want 400 bad matcher format", err)
		}
	})
	t.Run("bad receiver regex", func(t *testing.T) {
		_, err := amClient(t, b).Alert.GetAlerts(alert.NewGetAlertsParams().WithContext(ctxTimeout(t, 5*time.Second)).WithReceiver(str("(")))
		var bad *alert.GetAlertsBadRequest
		if !errors.As(err, &bad) || !strings.HasPrefix(bad.Payload, "failed to parse receiver param") {
			t.Errorf("err = %v, want 400 failed to parse receiver param", err)
		}
	})
	t.Run("filter[] spelling", func(t *testing.T) {
		code, body, _ := httpGet(t, b.Alertmanager.URL()+"/api/v2/alerts?filter[]="+url.QueryEscape(`alertname="LowTraffic"`))
		if code != 200 || strings.Count(body, `"fingerprint"`) != 1 || !strings.Contains(body, "LowTraffic") {
			t.Errorf("filter[] → %d %s", code, body)
		}
	})
}

func TestAlertmanagerPendingAlertFiresLater(t *testing.T) {
	b, clk := startSim(t)
	if _, ok := byName(listAlerts(t, b, nil))["RedisDown"]; ok {
		t.Fatal("RedisDown reached Alertmanager while still pending")
	}
	clk.Advance(31 * time.Second)
	redis, ok := byName(listAlerts(t, b, nil))["RedisDown"]
	if !ok {
		t.Fatal("RedisDown did not reach Alertmanager after its for: 1m elapsed")
	}
	if got := time.Time(*redis.StartsAt); !got.Equal(epoch().Add(30 * time.Second)) {
		t.Errorf("RedisDown startsAt = %v, want start+30s", got)
	}
	if got := receiverNames(redis); !reflect.DeepEqual(got, []string{ReceiverCritical}) {
		t.Errorf("RedisDown receivers = %v", got)
	}
}

func TestAlertmanagerStatusReceiversGroups(t *testing.T) {
	b, _ := startSim(t)
	c := amClient(t, b)
	st, err := c.General.GetStatus(general.NewGetStatusParams().WithContext(ctxTimeout(t, 5*time.Second)))
	if err != nil {
		t.Fatalf("GetStatus: %v", err)
	}
	s := st.Payload
	if err := s.Validate(strfmt.Default); err != nil {
		t.Errorf("status does not validate: %v", err)
	}
	if *s.Cluster.Status != "ready" || s.Cluster.Name == "" || len(s.Cluster.Peers) == 0 {
		t.Errorf("cluster = %+v", s.Cluster)
	}
	if !time.Time(*s.Uptime).Equal(epoch()) {
		t.Errorf("uptime = %v, want %v", time.Time(*s.Uptime), epoch())
	}
	cfg := *s.Config.Original
	for _, want := range []string{"receiver: " + ReceiverCritical, `severity="warning"`, `slo=~".+"`, "inhibit_rules:", "api_url: <secret>"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}

	rc, err := c.Receiver.GetReceivers(receiver.NewGetReceiversParams().WithContext(ctxTimeout(t, 5*time.Second)))
	if err != nil {
		t.Fatalf("GetReceivers: %v", err)
	}
	var rn []string
	for _, r := range rc.Payload {
		rn = append(rn, *r.Name)
	}
	if want := []string{ReceiverCritical, ReceiverWarning, ReceiverEmail, ReceiverSLO}; !reflect.DeepEqual(rn, want) {
		t.Errorf("receivers = %v, want %v", rn, want)
	}

	gr, err := c.Alertgroup.GetAlertGroups(alertgroup.NewGetAlertGroupsParams().WithContext(ctxTimeout(t, 5*time.Second)))
	if err != nil {
		t.Fatalf("GetAlertGroups: %v", err)
	}
	seen := map[string][]string{}
	for _, g := range gr.Payload {
		if err := g.Validate(strfmt.Default); err != nil {
			t.Errorf("group does not validate: %v", err)
		}
		for _, a := range g.Alerts {
			if g.Labels["alertname"] != a.Labels["alertname"] || g.Labels["service"] != a.Labels["service"] {
				t.Errorf("alert %v in group %v", a.Labels, g.Labels)
			}
			seen[a.Labels["alertname"]] = append(seen[a.Labels["alertname"]], *g.Receiver.Name)
		}
	}
	if got := seen["ErrorBudgetBurnFast"]; !reflect.DeepEqual(got, []string{ReceiverCritical, ReceiverSLO}) {
		t.Errorf("ErrorBudgetBurnFast is in groups of %v, want both receivers", got)
	}
	if len(seen) != 9 {
		t.Errorf("groups hold %d alertnames, want 9 (7 of Prometheus, 2 of Loki's ruler)", len(seen))
	}
}

// The staging scenario is quiet: a memory warning and low traffic, nothing
// critical, and none of the incident's log-based alerts.
func TestStagingIsQuiet(t *testing.T) {
	clk := &fakeClock{t: epoch()}
	b, err := Start(context.Background(), Options{Clock: clk.Now, Scenario: ScenarioStaging})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	clk.Advance(5 * time.Minute) // past the pending log-based alert's firing
	got := listAlerts(t, b, nil)
	if n := names(got); !reflect.DeepEqual(n, []string{"HighMemoryUsage", "LowTraffic"}) {
		t.Fatalf("staging alerts = %v, want HighMemoryUsage and LowTraffic", n)
	}
	for _, a := range got {
		if a.Labels["severity"] == "critical" || a.Labels["env"] != "staging" {
			t.Errorf("staging holds %v", a.Labels)
		}
	}
}
