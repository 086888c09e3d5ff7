package runbooks

import (
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/alerts"
)

func TestFromAlert(t *testing.T) {
	now := time.Date(2026, 11, 26, 3, 30, 0, 0, time.UTC)
	a := &alerts.Alert{
		Labels:       map[string]string{"alertname": "APIDown", "job": "api"},
		Annotations:  map[string]string{"summary": "down"},
		GeneratorURL: "http://prom/graph",
		StartsAt:     now.Add(-12 * time.Minute),
		Rule:         &alerts.Rule{Expr: "up == 0"},
	}
	rules := map[string][]v1.AlertingRule{"APIDown": {{Name: "APIDown", Annotations: model.LabelSet{"runbook_url": " RUNBOOKS.md#apidown "}}}}
	ra := FromAlert(a, rules, now)
	if ra.AlertName() != "APIDown" || ra.Expr != "up == 0" || ra.ActiveFor != 12*time.Minute || ra.Acked || ra.GeneratorURL != "http://prom/graph" {
		t.Errorf("converted %+v", ra)
	}
	if ra.Annotations["runbook_url"] != "RUNBOOKS.md#apidown" || ra.Annotations["summary"] != "down" {
		t.Errorf("annotations %v: want the rule's runbook_url beside the alert's own", ra.Annotations)
	}
	if _, ok := a.Annotations["runbook_url"]; ok {
		t.Error("the alert's own annotations were changed")
	}

	// The alert's own runbook_url wins; a templated rule URL is not used.
	a.Annotations["runbook_url"] = "mine.md"
	if got := FromAlert(a, rules, now).Annotations["runbook_url"]; got != "mine.md" {
		t.Errorf("runbook_url %q, want the alert's", got)
	}
	delete(a.Annotations, "runbook_url")
	rules["APIDown"][0].Annotations["runbook_url"] = "https://wiki/{{ $labels.job }}"
	if got, ok := FromAlert(a, rules, now).Annotations["runbook_url"]; ok {
		t.Errorf("templated rule URL used: %q", got)
	}

	// A log-based alert: the runbook_url of its own Loki rule is found,
	// even when a Prometheus rule of that name comes first in rules.
	logAlert := &alerts.Alert{Labels: map[string]string{"alertname": "DatabaseTooManyClients"}, Annotations: map[string]string{},
		Rule: &alerts.Rule{Expr: `sum(count_over_time({app="x"} |= "too many clients" [1m])) > 5`, Source: alerts.SourceLoki,
			Annotations: map[string]string{"runbook_url": "RUNBOOKS.md#databasetoomanyclients"}}}
	both := map[string][]v1.AlertingRule{"DatabaseTooManyClients": {
		{Name: "DatabaseTooManyClients", Annotations: model.LabelSet{"runbook_url": "prometheus.md"}},
		{Name: "DatabaseTooManyClients", Annotations: model.LabelSet{"runbook_url": "RUNBOOKS.md#databasetoomanyclients"}},
	}}
	if got := FromAlert(logAlert, both, now).Annotations["runbook_url"]; got != "RUNBOOKS.md#databasetoomanyclients" {
		t.Errorf("log-based alert's runbook_url %q, want its Loki rule's", got)
	}
	if ra := FromAlert(logAlert, nil, now); ra.Annotations["runbook_url"] != "RUNBOOKS.md#databasetoomanyclients" || ra.Expr == "" {
		t.Errorf("without the rules map: %+v", ra)
	}

	a.Ack = &alerts.Ack{By: "ana"}
	a.ActiveAt = &now
	if ra := FromAlert(a, nil, now); !ra.Acked || ra.ActiveFor != 0 {
		t.Errorf("acked alert %+v", ra)
	}
}
