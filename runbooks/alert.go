package runbooks

import (
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/alerts"
)

// FromAlert converts an alert of oncall's list for the finder, as of now.
// When the alert carries no runbook_url annotation, the one of its rule
// (RuleURL) is used.
func FromAlert(a *alerts.Alert, rules map[string][]v1.AlertingRule, now time.Time) Alert {
	ann := make(map[string]string, len(a.Annotations)+1)
	for k, v := range a.Annotations {
		ann[k] = v
	}
	if strings.TrimSpace(ann["runbook_url"]) == "" {
		// the alert's own rule first (Prometheus's or Loki's ruler's: a
		// rule name may exist in both), then any rule of that name
		u := ""
		if a.Rule != nil {
			u = usableURL(a.Rule.Annotations["runbook_url"])
		}
		if u == "" {
			u = RuleURL(rules, a.Name())
		}
		if u != "" {
			ann["runbook_url"] = u
		}
	}
	ra := Alert{Name: a.Name(), Labels: a.Labels, Annotations: ann, GeneratorURL: a.GeneratorURL,
		ActiveFor: now.Sub(a.Since()), Acked: a.Ack != nil}
	if a.Rule != nil {
		ra.Expr = a.Rule.Expr
	}
	return ra
}

// RuleURL is the runbook_url annotation of the first rule named name ("" if
// none); a templated one (with {{ }}) cannot be used without its alert.
func RuleURL(rules map[string][]v1.AlertingRule, name string) string {
	rs := rules[name]
	if len(rs) == 0 {
		return ""
	}
	return usableURL(string(rs[0].Annotations["runbook_url"]))
}

// usableURL is a rule's runbook_url trimmed; "" when it is templated.
func usableURL(u string) string {
	u = strings.TrimSpace(u)
	if strings.Contains(u, "{{") {
		return ""
	}
	return u
}
