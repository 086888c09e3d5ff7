package alerts

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

func TestBuildAllMarksTheClusterAndTellsTwinsApart(t *testing.T) {
	am := models.GettableAlerts{amAlert("active", nil, nil, nil, "alertname", "APIDown", "service", "crm")}
	eu, _ := BuildAll(Inputs{Cluster: "prod-eu", AM: am})
	us, _ := BuildAll(Inputs{Cluster: "prod-us", AM: am})
	if eu[0].Cluster != "prod-eu" || us[0].Cluster != "prod-us" {
		t.Fatalf("clusters %q %q", eu[0].Cluster, us[0].Cluster)
	}
	if eu[0].Fingerprint != us[0].Fingerprint || eu[0].Key() == us[0].Key() {
		t.Fatalf("same labels in two clusters must be two alerts: %q %q", eu[0].Key(), us[0].Key())
	}
	if got := eu[0].Field("@cluster"); got != "prod-eu" {
		t.Fatalf("@cluster = %q", got)
	}
}

func TestBuildAllMergesTheLokiRuler(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	lokiExpr := `sum by (service_name) (count_over_time({service_name="conectcrm-backend"} |= "too many clients" [1m])) > 5`
	firing := amAlert("active", nil, nil, nil, "alertname", "DatabaseTooManyClients", "service_name", "conectcrm-backend", "severity", "critical")
	firing.GeneratorURL = "/explore?left=%7B%22queries%22%3A%5B%5D%7D"
	in := Inputs{
		Cluster: "prod",
		AM:      models.GettableAlerts{firing, amAlert("active", nil, nil, nil, "alertname", "APIDown", "job", "crm")},
		Rules:   map[string][]v1.AlertingRule{"APIDown": {{Name: "APIDown", Query: `up{job="crm"} == 0`, Duration: 60}}},
		RulerAlerts: []v1.Alert{{
			Labels: model.LabelSet{"alertname": "LogErrorBurst", "service_name": "api-gateway", "severity": "warning"},
			State:  v1.AlertStatePending, ActiveAt: now.Add(-time.Minute),
		}},
		RulerRules: map[string][]v1.AlertingRule{
			"DatabaseTooManyClients": {{Name: "DatabaseTooManyClients", Query: lokiExpr, Duration: 120, Health: v1.RuleHealthGood, LastEvaluation: now,
				Annotations: model.LabelSet{"runbook_url": "RUNBOOKS.md#databasetoomanyclients"}}},
			"LogErrorBurst": {{Name: "LogErrorBurst", Query: `sum(rate({service_name="api-gateway"} |= "error" [5m])) > 1`, Health: v1.RuleHealthBad, LastError: "too many outstanding requests"}},
		},
	}
	as, _ := BuildAll(in)
	by := map[string]*Alert{}
	for _, a := range as {
		by[a.Name()] = a
	}
	db := by["DatabaseTooManyClients"]
	if db == nil || db.Rule == nil || db.Rule.Source != SourceLoki || db.Rule.Expr != lokiExpr || db.Rule.For != 2*time.Minute {
		t.Fatalf("log-based alert's rule: %+v", db.Rule)
	}
	if db.Rule.Annotations["runbook_url"] == "" || !db.Rule.LastEval.Equal(now) || db.Rule.Health != "ok" {
		t.Fatalf("rule details lost: %+v", db.Rule)
	}
	if r := by["APIDown"].Rule; r == nil || r.Source != SourcePrometheus {
		t.Fatalf("Prometheus rule: %+v", r)
	}
	p := by["LogErrorBurst"]
	if p == nil || p.State != StatePending || p.Rule == nil || p.Rule.Source != SourceLoki || p.Rule.LastError == "" || p.Cluster != "prod" {
		t.Fatalf("pending log-based alert: %+v", p)
	}
	f := ParseFilter("@source=loki")
	if got := f.Apply(as); len(got) != 2 {
		t.Fatalf("@source=loki selected %d alerts", len(got))
	}
}

func TestGeneratorURLPicksTheRuleSource(t *testing.T) {
	for url, want := range map[string]string{
		"http://prometheus:9090/graph?g0.expr=up&g0.tab=1": SourcePrometheus,
		"/explore?left=%7B%7D":                             SourceLoki,
		"http://grafana:3000/explore?orgId=1":              SourceLoki,
		"":                                                 "",
	} {
		if got := GeneratedBy(url); got != want {
			t.Errorf("GeneratedBy(%q) = %q, want %q", url, got, want)
		}
	}
}

func TestFilterFields(t *testing.T) {
	mk := func(cluster string, st State, recv string, kv ...string) *Alert {
		a := &Alert{Cluster: cluster, State: st, Labels: map[string]string{}, Annotations: map[string]string{}, Receivers: []string{recv}}
		for i := 0; i+1 < len(kv); i += 2 {
			a.Labels[kv[i]] = kv[i+1]
		}
		return a
	}
	as := []*Alert{
		mk("prod-eu", StateFiring, "pager", "alertname", "APIDown", "severity", "critical"),
		mk("prod-us", StateFiring, "pager", "alertname", "APIDown", "severity", "critical"),
		mk("staging", StatePending, "slack", "alertname", "HighLatency", "severity", "warning"),
	}
	Prepare(as)
	cases := []struct {
		in   string
		want int
		err  bool
	}{
		{"@cluster=prod-eu", 1, false},
		{`@cluster=~"prod-.*"`, 2, false},
		{"@cluster!=staging severity=critical", 2, false},
		{`@cluster=~"prod-.*" apidown`, 2, false},
		{"@state=pending", 1, false},
		{"@receiver=slack", 1, false},
		{"@cluster=prod-us,alertname=APIDown", 1, false},
		{"@nope=x", 3, true},
		{"@cluster", 3, true},
		{"latency", 1, false},
	}
	for _, c := range cases {
		f := ParseFilter(c.in)
		if got := len(f.Apply(as)); got != c.want || (f.Err != "") != c.err {
			t.Errorf("%q: %d alerts (want %d), err %q", c.in, got, c.want, f.Err)
		}
		if got := len(NewIndex(as).Apply(f)); got != c.want {
			t.Errorf("%q through the index: %d alerts, want %d", c.in, got, c.want)
		}
	}
	groups := GroupBy(as, []string{"@cluster"})
	if len(groups) != 3 || groups[0].Labels["@cluster"] != "prod-eu" {
		t.Fatalf("group by @cluster: %+v", groups)
	}
}

// Merging the clusters' ordered lists gives the order one sort of all of
// them gives.
func TestMergeOrderedMatchesOneSort(t *testing.T) {
	var lists []*Ordered
	var all []*Alert
	sevs := []string{"critical", "warning", "info", "none"}
	for c := range 4 {
		var as []*Alert
		for i := range 50 {
			a := &Alert{Cluster: fmt.Sprintf("c%d", c), Fingerprint: fmt.Sprintf("%04d", (i*7)%50), State: []State{StateFiring, StatePending, StateSilenced}[(i+c)%3],
				StartsAt: time.Unix(int64((i*13+c)%40), 0), Labels: map[string]string{"alertname": fmt.Sprintf("A%d", i%9), "severity": sevs[(i+c)%4]}}
			as = append(as, a)
		}
		Prepare(as)
		all = append(all, as...)
		lists = append(lists, nil)
		lists[c] = Order(as, SortSeverity)
	}
	for _, key := range SortKeys() {
		for c := range lists {
			lists[c] = Order(all[c*50:(c+1)*50], key)
		}
		got := Merge(lists...)
		want := append([]*Alert(nil), all...)
		Sort(want, key)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: position %d: merged %s/%s, sorted %s/%s", key, i, got[i].Cluster, got[i].Fingerprint, want[i].Cluster, want[i].Fingerprint)
			}
		}
	}
}
