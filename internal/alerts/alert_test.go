package alerts

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// amAlert builds an Alertmanager API alert.
func amAlert(state string, silencedBy, inhibitedBy []string, receivers []string, kv ...string) *models.GettableAlert {
	ls := models.LabelSet{}
	for i := 0; i+1 < len(kv); i += 2 {
		ls[kv[i]] = kv[i+1]
	}
	fp := Fingerprint(ls)
	start := strfmt.DateTime(t0)
	g := &models.GettableAlert{
		Fingerprint: &fp,
		StartsAt:    &start,
		Status:      &models.AlertStatus{State: &state, SilencedBy: silencedBy, InhibitedBy: inhibitedBy},
	}
	g.Labels = ls
	for _, r := range receivers {
		g.Receivers = append(g.Receivers, &models.ReceiverReference{Name: &r})
	}
	return g
}

// promAlert builds a Prometheus API alert.
func promAlert(state v1.AlertState, active time.Time, kv ...string) v1.Alert {
	ls := model.LabelSet{}
	for i := 0; i+1 < len(kv); i += 2 {
		ls[model.LabelName(kv[i])] = model.LabelValue(kv[i+1])
	}
	return v1.Alert{Labels: ls, Annotations: model.LabelSet{"summary": "from prometheus"}, State: state, ActiveAt: active}
}

func TestFromAlertmanagerStates(t *testing.T) {
	in := models.GettableAlerts{
		amAlert("active", nil, nil, []string{"critical"}, "alertname", "Firing"),
		amAlert("suppressed", []string{"s1"}, nil, nil, "alertname", "Silenced"),
		amAlert("suppressed", nil, []string{"fp"}, nil, "alertname", "Inhibited"),
		amAlert("unprocessed", nil, nil, nil, "alertname", "New"),
		nil,
	}
	got := FromAlertmanager(in)
	if len(got) != 4 {
		t.Fatalf("got %d alerts, want 4 (nil skipped)", len(got))
	}
	want := map[string]State{"Firing": StateFiring, "Silenced": StateSilenced, "Inhibited": StateInhibited, "New": StateUnprocessed}
	for _, a := range got {
		if a.State != want[a.Name()] {
			t.Errorf("%s state = %s, want %s", a.Name(), a.State, want[a.Name()])
		}
		if a.SilencedBy == nil || a.InhibitedBy == nil || a.Annotations == nil || a.Receivers == nil {
			t.Errorf("%s has nil slices or maps (JSON would show null)", a.Name())
		}
		if !a.StartsAt.Equal(t0) {
			t.Errorf("%s startsAt = %s", a.Name(), a.StartsAt)
		}
	}
	if !slices.Equal(got[0].Receivers, []string{"critical"}) {
		t.Errorf("receivers = %v", got[0].Receivers)
	}
	if !slices.Equal(got[2].InhibitedBy, []string{"fp"}) {
		t.Errorf("inhibitedBy = %v", got[2].InhibitedBy)
	}
}

func TestMergePrometheus(t *testing.T) {
	am := FromAlertmanager(models.GettableAlerts{
		// exact label set match
		amAlert("active", nil, nil, nil, "alertname", "APIDown", "service", "api"),
		// Alertmanager holds an extra external label
		amAlert("active", nil, nil, nil, "alertname", "DiskFull", "instance", "a", "cluster", "eu1"),
		// two candidates for one Prometheus alert: ambiguous, not enriched
		amAlert("active", nil, nil, nil, "alertname", "Twin", "side", "l", "cluster", "eu1"),
		amAlert("active", nil, nil, nil, "alertname", "Twin", "side", "l", "cluster", "us1"),
	})
	activeDown := t0.Add(-10 * time.Minute)
	activeDisk := t0.Add(-20 * time.Minute)
	activePending := t0.Add(-time.Minute)
	prom := []v1.Alert{
		promAlert(v1.AlertStateFiring, activeDown, "alertname", "APIDown", "service", "api"),
		promAlert(v1.AlertStateFiring, activeDisk, "alertname", "DiskFull", "instance", "a"),
		promAlert(v1.AlertStateFiring, t0, "alertname", "Twin", "side", "l"),
		promAlert(v1.AlertStatePending, activePending, "alertname", "DBLag", "service", "db"),
		// firing in Prometheus but not yet in Alertmanager: not added
		promAlert(v1.AlertStateFiring, t0, "alertname", "NotYetSent"),
	}
	rules := map[string][]v1.AlertingRule{
		"DBLag":   {{Name: "DBLag", Query: "lag > 10", Duration: 600}},
		"APIDown": {{Name: "APIDown", Query: "up == 0", Duration: 0}, {Name: "APIDown", Query: "second", Duration: 60}},
	}
	got := MergePrometheus(am, prom, rules)
	by := map[string][]*Alert{}
	for _, a := range got {
		by[a.Name()] = append(by[a.Name()], a)
	}
	if len(got) != 5 {
		t.Fatalf("got %d alerts %v, want the 4 from Alertmanager plus 1 pending", len(got), alertNames(got))
	}
	if a := by["APIDown"][0]; a.ActiveAt == nil || !a.ActiveAt.Equal(activeDown) || !a.Since().Equal(activeDown) {
		t.Errorf("APIDown activeAt = %v, want %s", a.ActiveAt, activeDown)
	}
	if a := by["DiskFull"][0]; a.ActiveAt == nil || !a.ActiveAt.Equal(activeDisk) {
		t.Errorf("DiskFull (external label) activeAt = %v, want %s by subset match", a.ActiveAt, activeDisk)
	}
	for _, a := range by["Twin"] {
		if a.ActiveAt != nil {
			t.Errorf("ambiguous Twin %v was enriched", a.Labels)
		}
	}
	if len(by["NotYetSent"]) != 0 {
		t.Error("a firing Prometheus alert unknown to Alertmanager was added")
	}
	p := by["DBLag"]
	if len(p) != 1 {
		t.Fatalf("pending DBLag not added once: %d", len(p))
	}
	if p[0].State != StatePending || p[0].ActiveAt == nil || !p[0].ActiveAt.Equal(activePending) || !p[0].StartsAt.Equal(activePending) {
		t.Errorf("pending alert = state %s activeAt %v startsAt %s", p[0].State, p[0].ActiveAt, p[0].StartsAt)
	}
	if p[0].Fingerprint != Fingerprint(map[string]string{"alertname": "DBLag", "service": "db"}) {
		t.Errorf("pending fingerprint %s is not the label set's", p[0].Fingerprint)
	}
	if p[0].Annotations["summary"] != "from prometheus" || p[0].SilencedBy == nil || p[0].Receivers == nil {
		t.Errorf("pending alert annotations %v silencedBy %v receivers %v", p[0].Annotations, p[0].SilencedBy, p[0].Receivers)
	}
	js, err := json.Marshal(p[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"receivers":[]`, `"silencedBy":[]`, `"inhibitedBy":[]`, `"state":"pending"`, `"ack":null`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("pending alert JSON lacks %s: %s", want, js)
		}
	}
	if strings.Contains(string(js), `"endsAt"`) {
		t.Errorf("pending alert JSON has a zero endsAt: %s", js)
	}
	if r := p[0].Rule; r == nil || r.Expr != "lag > 10" || r.For != 10*time.Minute {
		t.Errorf("DBLag rule = %+v, want lag > 10 for 10m", r)
	}
	if r := by["APIDown"][0].Rule; r == nil || r.Expr != "up == 0" || r.For != 0 {
		t.Errorf("APIDown rule = %+v, want the first rule", r)
	}
	if by["DiskFull"][0].Rule != nil {
		t.Error("DiskFull got a rule it has none of")
	}
}

func TestSortOrders(t *testing.T) {
	mk := func(name, sev string, st State, since time.Time) *Alert {
		a := alert(st, "alertname", name, "severity", sev)
		a.StartsAt = since
		return a
	}
	oldInfo := mk("OldInfo", "info", StateFiring, t0.Add(-3*time.Hour))
	newCrit := mk("NewCrit", "critical", StateFiring, t0.Add(-time.Minute))
	oldCrit := mk("OldCrit", "critical", StateFiring, t0.Add(-time.Hour))
	silCrit := mk("SilencedCrit", "critical", StateSilenced, t0.Add(-2*time.Hour))
	pendWarn := mk("PendWarn", "warning", StatePending, t0.Add(-30*time.Minute))
	ackCrit := mk("AckedCrit", "critical", StateAcked, t0.Add(-5*time.Hour))
	in := []*Alert{oldInfo, newCrit, silCrit, pendWarn, oldCrit, ackCrit}

	cases := map[SortKey][]string{
		// live (firing/pending) first, then severity, then oldest first
		SortSeverity: {"OldCrit", "NewCrit", "PendWarn", "OldInfo", "AckedCrit", "SilencedCrit"},
		SortAge:      {"AckedCrit", "OldInfo", "SilencedCrit", "OldCrit", "PendWarn", "NewCrit"},
		SortName:     {"AckedCrit", "NewCrit", "OldCrit", "OldInfo", "PendWarn", "SilencedCrit"},
		// firing, pending, acked, silenced; severity then age within a state
		SortState: {"OldCrit", "NewCrit", "OldInfo", "PendWarn", "AckedCrit", "SilencedCrit"},
		// without counts: the severity order
		SortEpisodes: {"OldCrit", "NewCrit", "PendWarn", "OldInfo", "AckedCrit", "SilencedCrit"},
	}
	for key, want := range cases {
		as := slices.Clone(in)
		Sort(as, key)
		if got := alertNames(as); !slices.Equal(got, want) {
			t.Errorf("Sort(%s) = %v, want %v", key, got, want)
		}
	}
	if keys := SortKeys(); len(keys) != len(cases) {
		t.Errorf("SortKeys() = %v, want the %d tested orders", keys, len(cases))
	}
}

func TestSortByEpisodes(t *testing.T) {
	mk := func(name, sev string, st State) *Alert { return alert(st, "alertname", name, "severity", sev) }
	in := []*Alert{mk("Quiet", "critical", StateFiring), mk("Flaps", "info", StateFiring), mk("Twice", "warning", StateSilenced),
		mk("AlsoTwice", "critical", StateFiring), mk("Unknown", "critical", StatePending)}
	eps := map[string]int{"Quiet": 1, "Flaps": 9, "Twice": 2, "AlsoTwice": 2}
	calls := 0
	as := slices.Clone(in)
	SortBy(as, SortEpisodes, func(a *Alert) int { calls++; return eps[a.Name()] })
	// most episodes first; ties in the severity order (live first)
	want := []string{"Flaps", "AlsoTwice", "Twice", "Quiet", "Unknown"}
	if got := alertNames(as); !slices.Equal(got, want) {
		t.Errorf("SortBy(episodes) = %v, want %v", got, want)
	}
	if calls != len(in) {
		t.Errorf("episodes called %d times, want once per alert (%d)", calls, len(in))
	}
	as = slices.Clone(in)
	SortBy(as, SortName, func(*Alert) int { t.Fatal("episodes asked for another order"); return 0 })
}

func TestSortUsesActiveAtAndFingerprintTiebreak(t *testing.T) {
	a := alert(StateFiring, "alertname", "Same", "severity", "warning", "i", "1")
	b := alert(StateFiring, "alertname", "Same", "severity", "warning", "i", "2")
	a.StartsAt, b.StartsAt = t0, t0
	older := t0.Add(-time.Hour)
	b.ActiveAt = &older // Prometheus knows b is older than Alertmanager says
	as := []*Alert{a, b}
	Sort(as, SortSeverity)
	if as[0] != b {
		t.Errorf("the alert with the older activeAt is not first")
	}
	b.ActiveAt = nil
	want := []*Alert{a, b}
	if b.Fingerprint < a.Fingerprint {
		want = []*Alert{b, a}
	}
	for _, start := range [][]*Alert{{a, b}, {b, a}} {
		as := slices.Clone(start)
		Sort(as, SortName)
		if !sameAlerts(as, want) {
			t.Errorf("tie not broken by fingerprint: %v", as)
		}
	}
}

func TestGroupBy(t *testing.T) {
	a1 := alert(StateFiring, "alertname", "A", "service", "api")
	b1 := alert(StateFiring, "alertname", "B", "service", "db")
	a2 := alert(StateFiring, "alertname", "A", "service", "web")
	n := alert(StateFiring, "service", "api") // no alertname
	gs := GroupBy([]*Alert{a1, b1, a2, n}, []string{"alertname"})
	if len(gs) != 3 {
		t.Fatalf("got %d groups, want 3", len(gs))
	}
	if gs[0].Key != "alertname=A" || !sameAlerts(gs[0].Alerts, []*Alert{a1, a2}) || gs[0].Labels["alertname"] != "A" {
		t.Errorf("group 0 = %q %v", gs[0].Key, alertNames(gs[0].Alerts))
	}
	if gs[1].Key != "alertname=B" || gs[2].Key != "alertname=" || !sameAlerts(gs[2].Alerts, []*Alert{n}) {
		t.Errorf("groups 1, 2 = %q, %q", gs[1].Key, gs[2].Key)
	}
	two := GroupBy([]*Alert{a1, b1, a2}, []string{"alertname", "service"})
	if len(two) != 3 || two[0].Key != "alertname=A,service=api" {
		t.Errorf("two-label groups = %d, first %q", len(two), two[0].Key)
	}
	one := GroupBy([]*Alert{a1, b1}, nil)
	if len(one) != 1 || len(one[0].Alerts) != 2 {
		t.Errorf("empty by: %d groups", len(one))
	}
	if len(GroupBy(nil, []string{"x"})) != 0 {
		t.Error("no alerts gave groups")
	}
}

func TestCountsAndAccessors(t *testing.T) {
	a := alert(StateFiring, "alertname", "A", "severity", "CRITICAL")
	a.Annotations["description"] = "desc"
	b := alert(StateFiring, "alertname", "B")
	b.Annotations["summary"] = "sum"
	b.Annotations["description"] = "desc"
	c := alert(StateFiring, "alertname", "C", "severity", "critical")
	got := Counts([]*Alert{a, b, c})
	if got["critical"] != 2 || got["none"] != 1 || len(got) != 2 {
		t.Errorf("Counts = %v", got)
	}
	if a.Summary() != "desc" || b.Summary() != "sum" || c.Summary() != "" {
		t.Errorf("Summary fallbacks: %q %q %q", a.Summary(), b.Summary(), c.Summary())
	}
	if SeverityRank("critical") >= SeverityRank("warning") || SeverityRank("warning") >= SeverityRank("info") || SeverityRank("info") >= SeverityRank("whatever") {
		t.Error("severity ranks out of order")
	}
}
