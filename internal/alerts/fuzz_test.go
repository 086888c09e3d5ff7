package alerts

import (
	"strings"
	"testing"

	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/alertmanager/pkg/labels"
)

// FuzzParseFilter: the filter box never panics; input that parses as
// matchers round-trips through its canonical form and selects exactly what
// the re-parsed matchers select; free text is matched case-insensitively.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		`severity="critical"`, `{severity="critical",service=~"api.*"}`, `service!~"db|cache" alertname!="X"`,
		`a="x y" b=~"(" `, `=oops`, `free text`, `API`, `a=~"\\"`, "\x1b[2J", `{`, `a="\u202e"`, `,,a="1",,`,
	} {
		f.Add(s)
	}
	as := []*Alert{
		alert(StateFiring, "alertname", "APIDown", "severity", "critical", "service", "api"),
		alert(StateSilenced, "alertname", "DBLag", "severity", "warning", "service", "db"),
		alert(StatePending, "alertname", "x y", "severity", "", "service", "\u202e"),
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt := ParseFilter(s)
		if flt.Raw != strings.TrimSpace(s) {
			t.Fatalf("Raw = %q, want the trimmed input %q", flt.Raw, strings.TrimSpace(s))
		}
		got := flt.Apply(as)
		switch {
		case len(flt.Matchers) > 0:
			again, err := ParseMatchers(flt.Matchers.String())
			if err != nil {
				t.Fatalf("canonical form %q of %q does not parse: %v", flt.Matchers.String(), s, err)
			}
			if again.String() != flt.Matchers.String() {
				t.Fatalf("round trip changed matchers: %q → %q", flt.Matchers.String(), again.String())
			}
			var want []*Alert
			for _, a := range as {
				if again.Matches(a.LabelSet()) {
					want = append(want, a)
				}
			}
			if len(want) != len(got) {
				t.Fatalf("filter %q selected %d alerts, re-parsed matchers select %d", s, len(got), len(want))
			}
		case flt.Text != "":
			if len(flt.Meta) == 0 && flt.Err == "" && flt.Text != strings.ToLower(flt.Raw) {
				t.Fatalf("Text = %q, want lower-cased %q", flt.Text, flt.Raw)
			}
			for _, a := range got {
				if !flt.Match(a) {
					t.Fatal("Apply kept an alert Match rejects")
				}
			}
		default:
			if len(got) != len(as) {
				t.Fatalf("empty filter %q dropped alerts", s)
			}
		}
	})
}

// FuzzParseMatchers: a successful parse re-parses to the same matchers from
// its canonical string.
func FuzzParseMatchers(f *testing.F) {
	for _, s := range []string{`a="1"`, `{a=~"x.*", b!="2"}`, `a="1" b="2"`, `a=~"["`, `{}`, `a="\""`, "a=\"\n\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := ParseMatchers(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		again, err := ParseMatchers(ms.String())
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", ms.String(), s, err)
		}
		if again.String() != ms.String() {
			t.Fatalf("round trip %q → %q", ms.String(), again.String())
		}
	})
}

// FuzzIndexApply: the search index selects exactly what Filter.Apply does,
// for any filter text.
func FuzzIndexApply(f *testing.F) {
	for _, s := range []string{"api", "FIRING", "host-0", "ß", "x\x00y", `severity="critical"`, "looking", ""} {
		f.Add(s)
	}
	as := []*Alert{
		alert(StateFiring, "alertname", "APIDown", "severity", "critical", "service", "api"),
		alert(StateSilenced, "alertname", "DBLag", "severity", "warning", "instance", "host-01"),
		alert(StatePending, "alertname", "Straße", "İstanbul", "x"),
	}
	as[1].Annotations["summary"] = "replica LAG 30s"
	as[0].Ack = &Ack{By: "ops@bastion", Note: "looking"}
	ix := NewIndex(as)
	f.Fuzz(func(t *testing.T, s string) {
		flt := ParseFilter(s)
		want, got := flt.Apply(as), ix.Apply(flt)
		if len(want) != len(got) {
			t.Fatalf("filter %q: index kept %d alerts, Apply kept %d", s, len(got), len(want))
		}
		for i := range want {
			if want[i] != got[i] {
				t.Fatalf("filter %q: alert %d differs", s, i)
			}
		}
	})
}

// TestSilenceMatchingCount: the per-silence count of matched alerts (which
// skips alerts of other names when the silence pins alertname) equals a
// brute-force count, for equality, regex and negative alertname matchers.
func TestSilenceMatchingCount(t *testing.T) {
	var as []*Alert
	for i := range 30 {
		st := StateFiring
		if i%5 == 0 {
			st = StatePending
		}
		as = append(as, alert(st, "alertname", []string{"A", "B", "C"}[i%3], "instance", string(rune('a'+i%4))))
	}
	sils := models.GettableSilences{
		silenceWith("1", `alertname="A"`),
		silenceWith("2", `alertname="A"`, `instance="b"`),
		silenceWith("3", `alertname=~"A|B"`),
		silenceWith("4", `alertname!="C"`, `instance="a"`),
		silenceWith("5", `instance="c"`),
		silenceWith("6", `alertname="Z"`),
	}
	for _, s := range FromModelSilences(sils, as) {
		want := 0
		for _, a := range as {
			if a.State != StatePending && s.LabelMatchers().Matches(a.LabelSet()) {
				want++
			}
		}
		if s.Matching != want || (s.ID != "6" && want == 0) {
			t.Errorf("silence %s %v: Matching = %d, want %d", s.ID, s.Matchers, s.Matching, want)
		}
	}
}

func silenceWith(id string, ms ...string) *models.GettableSilence {
	var out models.Matchers
	for _, m := range ms {
		parsed, err := ParseMatchers(m)
		if err != nil {
			panic(err)
		}
		for _, p := range parsed {
			isEq := p.Type == labels.MatchEqual || p.Type == labels.MatchRegexp
			isRe := p.Type == labels.MatchRegexp || p.Type == labels.MatchNotRegexp
			name, value := p.Name, p.Value
			out = append(out, &models.Matcher{Name: &name, Value: &value, IsEqual: &isEq, IsRegex: &isRe})
		}
	}
	active := models.SilenceStatusStateActive
	return &models.GettableSilence{ID: &id, Status: &models.SilenceStatus{State: &active}, Silence: models.Silence{Matchers: out}}
}
