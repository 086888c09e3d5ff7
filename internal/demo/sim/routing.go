package sim

import (
	"fmt"
	"strings"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"
)

// route is a node of the Alertmanager routing tree.
type route struct {
	receiver string
	matchers labels.Matchers
	cont     bool
	groupBy  []string
	routes   []*route
}

// match returns the routes an alert with ls ends up in, with Alertmanager's
// semantics: children are tried in order, a matching child without
// `continue` stops the walk, and a node no child matched keeps the alert.
func (r *route) match(ls model.LabelSet) []*route {
	if !r.matchers.Matches(ls) {
		return nil
	}
	var all []*route
	for _, c := range r.routes {
		m := c.match(ls)
		all = append(all, m...)
		if m != nil && !c.cont {
			break
		}
	}
	if len(all) == 0 {
		all = append(all, r)
	}
	return all
}

// inhibitRule mutes target alerts while a source alert fires with the same
// values for the equal labels.
type inhibitRule struct {
	source labels.Matchers
	target labels.Matchers
	equal  []string
}

// receiverSpec is a receiver and the notifier it would use.
type receiverSpec struct {
	name string
	yaml string
}

func mustMatchers(s string) labels.Matchers {
	ms, err := labels.ParseMatchers(s)
	if err != nil {
		panic(fmt.Sprintf("sim: bad built-in matchers %q: %v", s, err))
	}
	return ms
}

// routingTree routes by severity; SLO alerts also go to the SLO webhook.
func routingTree() *route {
	groupBy := []string{"alertname", "service"}
	child := func(m, recv string, cont bool) *route {
		return &route{receiver: recv, matchers: mustMatchers(m), cont: cont, groupBy: groupBy}
	}
	return &route{
		receiver: ReceiverEmail,
		groupBy:  groupBy,
		routes: []*route{
			child(`{severity="critical"}`, ReceiverCritical, true),
			child(`{slo=~".+"}`, ReceiverSLO, false),
			child(`{severity="warning"}`, ReceiverWarning, false),
			child(`{severity="info"}`, ReceiverEmail, false),
		},
	}
}

func inhibitRules() []inhibitRule {
	return []inhibitRule{
		// A dead instance explains its own latency and resource warnings.
		{source: mustMatchers(`{alertname="APIDown"}`), target: mustMatchers(`{severity="warning"}`), equal: []string{"service", "instance"}},
		{source: mustMatchers(`{severity="critical"}`), target: mustMatchers(`{severity="info"}`), equal: []string{"service"}},
	}
}

// Secrets show as <secret>, the way Alertmanager masks them in its status.
func receivers() []receiverSpec {
	return []receiverSpec{
		{ReceiverCritical, "  slack_configs:\n  - send_resolved: true\n    api_url: <secret>\n    channel: '#crm-incidents'\n"},
		{ReceiverWarning, "  slack_configs:\n  - send_resolved: true\n    api_url: <secret>\n    channel: '#crm-alerts'\n"},
		{ReceiverEmail, "  email_configs:\n  - send_resolved: false\n    to: oncall@conectcrm.example\n    from: alertmanager@conectcrm.example\n    smarthost: smtp.conectcrm.example:587\n    auth_password: <secret>\n"},
		{ReceiverSLO, "  webhook_configs:\n  - send_resolved: true\n    url: http://slo-bridge.crm.svc:8080/alertmanager\n    max_alerts: 0\n"},
	}
}

// inhibitedBy returns the fingerprints of the firing alerts that inhibit a.
func inhibitedBy(rules []inhibitRule, a *alertInstance, firing []*alertInstance) []string {
	var by []string
	seen := map[string]bool{}
	for _, r := range rules {
		if !r.target.Matches(a.labels) {
			continue
		}
		for _, src := range firing {
			if src.fingerprint == a.fingerprint || !r.source.Matches(src.labels) || seen[src.fingerprint] {
				continue
			}
			equal := true
			for _, l := range r.equal {
				if a.labels[model.LabelName(l)] != src.labels[model.LabelName(l)] {
					equal = false
					break
				}
			}
			if equal {
				seen[src.fingerprint] = true
				by = append(by, src.fingerprint)
			}
		}
	}
	return by
}

// configYAML renders the configuration the way Alertmanager prints it in
// /api/v2/status (secrets masked).
func configYAML(root *route, inhibit []inhibitRule, recv []receiverSpec) string {
	var b strings.Builder
	b.WriteString("global:\n  resolve_timeout: 5m\n  smtp_hello: localhost\n  smtp_require_tls: true\n")
	b.WriteString("route:\n")
	writeRoute(&b, root, "  ", true)
	b.WriteString("inhibit_rules:\n")
	for _, r := range inhibit {
		b.WriteString("- source_matchers:\n")
		writeMatchers(&b, r.source, "  ")
		b.WriteString("  target_matchers:\n")
		writeMatchers(&b, r.target, "  ")
		b.WriteString("  equal:\n")
		for _, e := range r.equal {
			b.WriteString("  - " + e + "\n")
		}
	}
	b.WriteString("receivers:\n")
	for _, r := range recv {
		b.WriteString("- name: " + r.name + "\n" + r.yaml)
	}
	b.WriteString("templates: []\n")
	return b.String()
}

func writeRoute(b *strings.Builder, r *route, ind string, root bool) {
	b.WriteString(ind + "receiver: " + r.receiver + "\n")
	b.WriteString(ind + "group_by:\n")
	for _, g := range r.groupBy {
		b.WriteString(ind + "- " + g + "\n")
	}
	if len(r.matchers) > 0 {
		b.WriteString(ind + "matchers:\n")
		writeMatchers(b, r.matchers, ind)
	}
	fmt.Fprintf(b, "%scontinue: %t\n", ind, r.cont)
	if root {
		b.WriteString(ind + "group_wait: 30s\n" + ind + "group_interval: 5m\n" + ind + "repeat_interval: 4h\n")
	}
	if len(r.routes) > 0 {
		b.WriteString(ind + "routes:\n")
		for _, c := range r.routes {
			var sub strings.Builder
			writeRoute(&sub, c, ind+"  ", false)
			// The first line of a list item carries the dash.
			s := sub.String()
			b.WriteString(ind + "- " + strings.TrimPrefix(s, ind+"  "))
		}
	}
}

func writeMatchers(b *strings.Builder, ms labels.Matchers, ind string) {
	for _, m := range ms {
		b.WriteString(ind + "- " + m.String() + "\n")
	}
}
