package loki

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/httpx"
	"oncall/sources/loki/lokitest"
)

func rulerFixture() lokitest.RuleGroup {
	eval := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	return lokitest.RuleGroup{Name: "crm-errors", File: "crm", Interval: time.Minute, LastEvaluation: eval, Rules: []lokitest.Rule{
		{
			Alert: "DatabaseTooManyClients", For: 2 * time.Minute,
			Expr:           `sum by (service_name) (count_over_time({service_name="conectcrm-backend"} |= "too many clients" [1m])) > 5`,
			Labels:         map[string]string{"severity": "critical"},
			Annotations:    map[string]string{"summary": "too many clients", "runbook_url": "RUNBOOKS.md#db"},
			LastEvaluation: eval, EvaluationTime: 120 * time.Millisecond,
			Alerts: []lokitest.Alert{{
				Labels: map[string]string{"alertname": "DatabaseTooManyClients", "service_name": "conectcrm-backend", "severity": "critical"},
				State:  "firing", ActiveAt: eval.Add(-5 * time.Minute), Value: 12,
			}},
		},
		{
			Alert: "HeartbeatMissing", Expr: `absent_over_time({job="cron"} |= "heartbeat" [15m])`, For: time.Minute,
			Health: "err", LastError: "query timed out",
			Alerts: []lokitest.Alert{{Labels: map[string]string{"alertname": "HeartbeatMissing", "job": "cron"}, State: "pending", ActiveAt: eval.Add(-30 * time.Second), Value: 1}},
		},
		{Record: "crm:errors:rate1m", Expr: `sum(rate({service_name="conectcrm-backend"} |= "error" [1m]))`},
	}}
}

func TestRulerReadsRulesAndAlertsWithTheTenant(t *testing.T) {
	const token = "ruler-token-5678"
	s, c := newPair(t, Config{Tenant: "team-a", Client: httpx.ClientConfig{BearerToken: token}},
		lokitest.WithTenant("team-a"), lokitest.WithBearerToken(token))
	s.SetRuleGroups("", rulerFixture())
	r, err := c.Ruler()
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Rules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Groups) != 1 || res.Groups[0].Name != "crm-errors" || res.Groups[0].File != "crm" || res.Groups[0].Interval != 60 || len(res.Groups[0].Rules) != 3 {
		t.Fatalf("groups %+v", res.Groups)
	}
	if _, ok := res.Groups[0].Rules[2].(v1.RecordingRule); !ok {
		t.Errorf("third rule %T", res.Groups[0].Rules[2])
	}
	rules, err := r.AlertingRules(context.Background())
	if err != nil || len(rules) != 2 {
		t.Fatalf("alerting rules %v %v", rules, err)
	}
	db := rules["DatabaseTooManyClients"][0]
	if db.Duration != 120 || db.Health != v1.RuleHealthGood || db.State != "firing" || db.Labels["severity"] != "critical" ||
		db.Annotations["runbook_url"] != "RUNBOOKS.md#db" || !strings.Contains(db.Query, `|= "too many clients"`) ||
		!db.LastEvaluation.Equal(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)) || db.EvaluationTime != 0.12 {
		t.Errorf("rule %+v", db)
	}
	if len(db.Alerts) != 1 || db.Alerts[0].State != v1.AlertStateFiring || db.Alerts[0].Value != "1.2e+01" {
		t.Errorf("rule alerts %+v", db.Alerts)
	}
	hb := rules["HeartbeatMissing"][0]
	if hb.Health != v1.RuleHealthBad || hb.LastError != "query timed out" || hb.State != "pending" {
		t.Errorf("heartbeat %+v", hb)
	}
	alerts, err := r.Alerts(context.Background())
	if err != nil || len(alerts) != 2 {
		t.Fatalf("alerts %+v %v", alerts, err)
	}
	pending := alerts[1]
	if pending.State != v1.AlertStatePending || pending.Labels["job"] != model.LabelValue("cron") ||
		!pending.ActiveAt.Equal(time.Date(2026, 3, 1, 9, 59, 30, 0, time.UTC)) {
		t.Errorf("pending alert %+v", pending)
	}
	for _, rq := range s.Requests() {
		if rq.Header.Get("X-Scope-OrgID") != "team-a" || rq.Header.Get("Authorization") != "Bearer "+token {
			t.Errorf("%s without tenant or auth: %v", rq.Path, rq.Header)
		}
		if rq.Path != "/prometheus/api/v1/rules" && rq.Path != "/prometheus/api/v1/alerts" {
			t.Errorf("unexpected path %s", rq.Path)
		}
	}
}

func TestRulerWithoutTenant(t *testing.T) {
	// single-tenant Loki: no header needed
	s, c := newPair(t, Config{})
	s.SetRuleGroups("", rulerFixture())
	r, _ := c.Ruler()
	if alerts, err := r.Alerts(context.Background()); err != nil || len(alerts) != 2 {
		t.Fatalf("single tenant: %v %v", alerts, err)
	}
	if got := s.Requests()[0].Header.Get("X-Scope-OrgID"); got != "" {
		t.Errorf("X-Scope-OrgID %q sent without a tenant", got)
	}
	// multi-tenant Loki and no tenant configured: Loki's 401 with the hint
	_, c2 := newPair(t, Config{Context: "prod"}, lokitest.WithTenant("team-a"))
	r2, _ := c2.Ruler()
	_, err := r2.Rules(context.Background())
	var he *HTTPError
	if !errors.As(err, &he) || !he.NoOrgID() || !strings.Contains(err.Error(), "[contexts.prod.loki]") {
		t.Fatalf("no tenant: %v", err)
	}
	// an empty ruler is not an error
	_, c3 := newPair(t, Config{})
	r3, _ := c3.Ruler()
	if rules, err := r3.AlertingRules(context.Background()); err != nil || len(rules) != 0 {
		t.Fatalf("empty ruler: %v %v", rules, err)
	}
}

func TestRulerErrorsAreOneLineAndScrubbed(t *testing.T) {
	const token = "leaky-token-9999"
	s, c := newPair(t, Config{Client: httpx.ClientConfig{BearerToken: token}})
	r, _ := c.Ruler()
	s.Inject(lokitest.Fault{Path: "/prometheus/api/v1/rules", Status: 502, Body: "bad gateway\nupstream said Bearer " + token})
	_, err := r.Rules(context.Background())
	t.Logf("502: %v", err)
	if err == nil || strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "502") {
		t.Fatalf("err %q", err)
	}
	s.Inject(lokitest.Fault{Path: "/prometheus/api/v1/alerts", Status: 200, ContentType: "application/json", Body: `{"status":"success","data":{"alerts":[{"activeAt":"not a time"}]}}`})
	_, err = r.Alerts(context.Background())
	t.Logf("bad JSON: %v", err)
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Fatalf("bad JSON: %v", err)
	}
}
