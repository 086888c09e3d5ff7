package alerts

import (
	"testing"
)

// alert builds an alert with the given labels ("k=v" pairs) and state.
func alert(state State, kv ...string) *Alert {
	ls := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		ls[kv[i]] = kv[i+1]
	}
	return &Alert{Fingerprint: Fingerprint(ls), Labels: ls, Annotations: map[string]string{}, State: state,
		SilencedBy: []string{}, InhibitedBy: []string{}}
}

func TestParseFilterMatchers(t *testing.T) {
	api := alert(StateFiring, "alertname", "APIDown", "severity", "critical", "service", "api")
	gw := alert(StateFiring, "alertname", "GatewayDown", "severity", "critical", "service", "api-gateway")
	db := alert(StateFiring, "alertname", "DBLag", "severity", "warning", "service", "db")
	all := []*Alert{api, gw, db}

	cases := []struct {
		in   string
		want []*Alert
	}{
		{`severity="critical"`, []*Alert{api, gw}},
		{`{severity="critical"}`, []*Alert{api, gw}},
		{`severity="critical" service="api"`, []*Alert{api}},
		{`severity="critical",service="api"`, []*Alert{api}},
		{`severity="critical", service="api"`, []*Alert{api}},
		{`{severity="critical", service="api"}`, []*Alert{api}},
		{`  severity="critical"   service="db"  `, nil},
		{`service=~"api"`, []*Alert{api}}, // anchored: not api-gateway
		{`service=~"api.*"`, []*Alert{api, gw}},
		{`service!~"api.*"`, []*Alert{db}},
		{`severity!="critical"`, []*Alert{db}},
		{`alertname=~"(API|DB).*"`, []*Alert{api, db}},
		{`service=~"api|db" severity="warning"`, []*Alert{db}}, // a space inside quotes stays
	}
	for _, tc := range cases {
		f := ParseFilter(tc.in)
		if len(f.Matchers) == 0 {
			t.Errorf("ParseFilter(%q) did not parse as matchers (text %q)", tc.in, f.Text)
			continue
		}
		if f.Text != "" {
			t.Errorf("ParseFilter(%q) set free text %q too", tc.in, f.Text)
		}
		got := f.Apply(all)
		if !sameAlerts(got, tc.want) {
			t.Errorf("ParseFilter(%q) selects %v, want %v", tc.in, alertNames(got), alertNames(tc.want))
		}
	}
}

func TestParseFilterQuotedValueWithSpaces(t *testing.T) {
	a := alert(StateFiring, "alertname", "X", "team", "sre core")
	b := alert(StateFiring, "alertname", "Y", "team", "sre")
	f := ParseFilter(`team="sre core" alertname="X"`)
	if len(f.Matchers) != 2 {
		t.Fatalf("got %d matchers %v, want 2", len(f.Matchers), f.Matchers)
	}
	if !f.Match(a) || f.Match(b) {
		t.Errorf("match a=%v b=%v, want true false", f.Match(a), f.Match(b))
	}
}

func TestParseFilterFreeText(t *testing.T) {
	api := alert(StateFiring, "alertname", "APIDown", "service", "api")
	api.Annotations["summary"] = "The Checkout API is down"
	db := alert(StatePending, "alertname", "DBLag", "service", "db")
	acked := alert(StateAcked, "alertname", "DiskFull", "service", "storage")
	acked.Ack = &Ack{By: "Carol"}
	all := []*Alert{api, db, acked}

	cases := []struct {
		in   string
		want []*Alert
	}{
		{"checkout", []*Alert{api}},    // annotation, case-insensitive
		{"DBLAG", []*Alert{db}},        // label value
		{"pending", []*Alert{db}},      // state
		{"carol", []*Alert{acked}},     // acker
		{"service", all},               // label name
		{"nothing-like-it", nil},       // no match
		{"=weird", nil},                // starts with '=': text, not matchers
		{"api down", nil},              // no '=': text; no alert holds that phrase
		{`service="unterminated`, nil}, // fails to parse: text
	}
	for _, tc := range cases {
		f := ParseFilter(tc.in)
		if len(f.Matchers) != 0 {
			t.Errorf("ParseFilter(%q) parsed as matchers %v, want free text", tc.in, f.Matchers)
			continue
		}
		if got := f.Apply(all); !sameAlerts(got, tc.want) {
			t.Errorf("ParseFilter(%q) selects %v, want %v", tc.in, alertNames(got), alertNames(tc.want))
		}
	}
}

func TestEmptyFilterKeepsEverythingInACopy(t *testing.T) {
	all := []*Alert{alert(StateFiring, "alertname", "A"), alert(StateFiring, "alertname", "B")}
	f := ParseFilter("   ")
	if !f.Empty() {
		t.Fatalf("blank filter is not empty: %+v", f)
	}
	got := f.Apply(all)
	if !sameAlerts(got, all) {
		t.Fatalf("Apply = %v", alertNames(got))
	}
	got[0] = nil
	if all[0] == nil {
		t.Error("Apply returned the input slice instead of a copy")
	}
}

func TestParseMatchersErrors(t *testing.T) {
	for _, in := range []string{`severity=~"("`, `="x"`, `9abc="x"`, `severity`} {
		if _, err := ParseMatchers(in); err == nil {
			t.Errorf("ParseMatchers(%q) accepted invalid input", in)
		}
	}
}

func TestCountMatching(t *testing.T) {
	all := []*Alert{
		alert(StateFiring, "alertname", "APIDown", "service", "api"),
		alert(StateSilenced, "alertname", "APISlow", "service", "api"),
		alert(StatePending, "alertname", "APIErrors", "service", "api"), // Alertmanager does not know it
		alert(StateFiring, "alertname", "GatewayDown", "service", "api-gateway"),
	}
	for in, want := range map[string]int{
		`service="api"`:    2,
		`service=~"api"`:   2,
		`service=~"api.*"`: 3,
		`alertname="Nope"`: 0,
		`alertname=~".+"`:  3,
		`service!="api"`:   1,
	} {
		ms, err := ParseMatchers(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := CountMatching(ms, all); got != want {
			t.Errorf("CountMatching(%s) = %d, want %d", in, got, want)
		}
	}
}

func sameAlerts(a, b []*Alert) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func alertNames(as []*Alert) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.Name())
	}
	return out
}
