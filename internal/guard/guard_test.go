package guard

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"

	"oncall/internal/alerts"
	"oncall/internal/config"
)

func mustMatcher(t *testing.T, typ labels.MatchType, name, value string) *labels.Matcher {
	t.Helper()
	m, err := labels.NewMatcher(typ, name, value)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ms(t *testing.T, s string) labels.Matchers {
	t.Helper()
	out, err := alerts.ParseMatchers(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return out
}

func TestMatchesEveryValue(t *testing.T) {
	every := []string{`.*`, `.+`, `(.*)`, `(.+)`, `.*.*`, `.{0,}`, `.{1,}`, `[\s\S]*`, `[\s\S]+`, `(?s).*`, `(?s:.+)`,
		`.*|x`, `x|.+`, `(?i).*`, `(.+)?`, `.*?`, `(?:.)*`, `.+|`, `^.*$`, `(.*)(.*)`, `[^\n]*`, `.*prod|.*`, `(?U).*`}
	for _, re := range every {
		if m := mustMatcher(t, labels.MatchRegexp, "cluster", re); !MatchesEveryValue(m) {
			t.Errorf("%s: does not match every value, want it to", m)
		}
	}
	// !~ with a regex that selects only the empty value
	for _, re := range []string{``, `^$`, `()`, `x{0}`} {
		if m := mustMatcher(t, labels.MatchNotRegexp, "cluster", re); !MatchesEveryValue(m) {
			t.Errorf("%s: does not match every value, want it to", m)
		}
	}
	some := []struct {
		typ labels.MatchType
		v   string
	}{
		{labels.MatchRegexp, `prod`}, {labels.MatchRegexp, `prod.*`}, {labels.MatchRegexp, `.+prod`}, {labels.MatchRegexp, `[a-z]+`},
		{labels.MatchRegexp, `[a-zA-Z0-9_-]*`}, {labels.MatchRegexp, `\S+`}, {labels.MatchRegexp, `.{0,10}`}, {labels.MatchRegexp, `[^/]*`},
		{labels.MatchRegexp, `\w*`}, {labels.MatchRegexp, `[[:print:]]*`}, {labels.MatchRegexp, `.*[^z]`}, {labels.MatchRegexp, ``},
		{labels.MatchNotRegexp, `.*`}, {labels.MatchNotRegexp, `.+`}, {labels.MatchNotRegexp, `prod`},
		{labels.MatchEqual, ``}, {labels.MatchEqual, `prod`}, {labels.MatchNotEqual, `prod`}, {labels.MatchNotEqual, ``},
	}
	for _, c := range some {
		// != "" selects every present value, but it is no regex: the regex
		// rule ignores it and the matchers rule does not count it.
		m := mustMatcher(t, c.typ, "cluster", c.v)
		want := c.typ == labels.MatchNotEqual && c.v == ""
		if got := MatchesEveryValue(m); got != want {
			t.Errorf("%s: MatchesEveryValue = %v, want %v", m, got, want)
		}
	}
}

func policy(t *testing.T, g config.Guard) *Policy {
	t.Helper()
	p, err := New(g)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fleet is 10 firing alerts: 6 warning HighMemory on cluster a/b, 3 critical
// APIDown on cluster a, 1 info; plus a pending and a silenced one.
func fleet() []*alerts.Alert {
	var out []*alerts.Alert
	add := func(name, sev, cluster string, i int, st alerts.State) {
		out = append(out, &alerts.Alert{State: st, Labels: map[string]string{
			"alertname": name, "severity": sev, "cluster": cluster, "instance": fmt.Sprintf("host-%d", i), "namespace": "ns" + cluster}})
	}
	for i := range 6 {
		add("HighMemory", "warning", []string{"a", "b"}[i%2], i, alerts.StateFiring)
	}
	for i := range 3 {
		add("APIDown", "critical", "a", i, alerts.StateFiring)
	}
	add("LowTraffic", "info", "b", 0, alerts.StateSilenced)
	add("DiskFilling", "warning", "a", 0, alerts.StatePending)
	add("Gone", "warning", "a", 0, alerts.StateResolved)
	return out
}

func rules(v Verdict) string {
	var s []string
	for _, f := range v.Findings {
		s = append(s, f.Rule+"/"+string(f.Mode))
	}
	return strings.Join(s, " ")
}

func TestBreadth(t *testing.T) {
	live := fleet()
	cases := []struct {
		name     string
		g        config.BreadthGuard
		matchers string
		want     string // substring of the reason, "" for none
		matched  int
	}{
		{"under the count", config.BreadthGuard{MaxAlerts: 6}, `alertname="HighMemory"`, "", 6},
		{"over the count", config.BreadthGuard{MaxAlerts: 5}, `alertname="HighMemory"`, "would match 6 of 10 firing alerts (more than 5)", 6},
		{"silenced alerts count as firing, pending ones do not", config.BreadthGuard{MaxAlerts: 9}, `alertname=~".+"`, "would match 10 of 10", 10},
		{"over the percentage", config.BreadthGuard{MaxPercent: 50}, `severity="warning"`, "6 of 10 firing alerts, 60% (more than 50%)", 6},
		{"at the percentage", config.BreadthGuard{MaxPercent: 60}, `severity="warning"`, "", 6},
		{"percentage under min_alerts", config.BreadthGuard{MaxPercent: 5, MinAlerts: 2}, `alertname="LowTraffic"`, "", 1},
		{"percentage from min_alerts on", config.BreadthGuard{MaxPercent: 5, MinAlerts: 1}, `alertname="LowTraffic"`, "10%", 1},
		{"every critical alert, live", config.BreadthGuard{WholeSeverity: true}, `alertname="APIDown"`, "every firing critical alert (3)", 3},
		{"every alert of a severity below min_alerts", config.BreadthGuard{WholeSeverity: true, MinAlerts: 4}, `alertname="APIDown"`, "", 3},
		{"part of a severity", config.BreadthGuard{WholeSeverity: true}, `alertname="HighMemory", cluster="a"`, "", 3},
		{"severity only, structurally", config.BreadthGuard{WholeSeverity: true}, `severity="critical", env=~".*"`, `nothing but severity="critical"`, 3},
		{"severity only with no alert of it firing", config.BreadthGuard{WholeSeverity: true}, `severity=~"page|critical"`, `nothing but severity=~"page|critical"`, 3},
		{"everything, structurally", config.BreadthGuard{WholeSeverity: true}, `alertname=~".+", instance=~".*"`, "every alert, of every severity", 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := policy(t, config.Guard{Breadth: c.g})
			v := p.Check(Request{Kind: KindSilence, Matchers: ms(t, c.matchers), Duration: time.Hour, Comment: "x"}, live)
			if len(v.Matched) != c.matched || v.Firing != 10 {
				t.Errorf("matched %d of %d, want %d of 10", len(v.Matched), v.Firing, c.matched)
			}
			switch {
			case c.want == "" && len(v.Findings) > 0:
				t.Errorf("findings %v, want none", v.Findings)
			case c.want != "" && (len(v.Findings) != 1 || v.Findings[0].Rule != RuleBreadth || !strings.Contains(v.Findings[0].Reason, c.want)):
				t.Errorf("findings %v, want breadth: …%s…", v.Findings, c.want)
			}
			for _, f := range v.Findings {
				if f.Mode != Confirm {
					t.Errorf("mode %s, want confirm (the default)", f.Mode)
				}
			}
		})
	}
	t.Run("without live alerts only the structural check runs", func(t *testing.T) {
		p := policy(t, config.Guard{Breadth: config.BreadthGuard{MaxAlerts: 1, WholeSeverity: true}})
		v := p.Check(Request{Kind: KindSilence, Matchers: ms(t, `alertname=~".+"`), Duration: time.Hour}, nil)
		if v.Matched != nil || rules(v) != "breadth/confirm" {
			t.Errorf("verdict %+v", v)
		}
		if v := p.Check(Request{Kind: KindSilence, Matchers: ms(t, `alertname="X"`), Duration: time.Hour}, nil); len(v.Findings) != 0 {
			t.Errorf("findings %v without live alerts", v.Findings)
		}
		if !p.NeedsLive(KindAck) || p.NeedsLive(KindExtend) || (*Policy)(nil).NeedsLive(KindSilence) {
			t.Error("NeedsLive is wrong")
		}
	})
}

func TestMatchersRule(t *testing.T) {
	p := policy(t, config.Guard{Matchers: config.MatchersGuard{Mode: "refuse", BesidesAlertname: true, Required: []string{"cluster", "namespace"}}})
	cases := []struct{ matchers, want string }{
		{`alertname="A", cluster="a", namespace="x"`, ""},
		{`alertname="A", cluster=~"a|b", namespace="x"`, ""},
		{`alertname="A"`, "no matcher narrows it beyond alertname; no = or =~ matcher on required label cluster, namespace"},
		{`alertname="A", instance=~".*", cluster!="b"`, "no matcher narrows it beyond alertname; no = or =~ matcher on required label cluster, namespace"},
		{`alertname="A", cluster="a"`, "no = or =~ matcher on required label namespace"},
		// a sham regex satisfies "present": judging it is the regex rule's job
		{`alertname="A", cluster=~".+", namespace="x"`, ""},
		{`alertname="A", cluster=~".+", namespace=~".*"`, "no matcher narrows it beyond alertname"},
	}
	for _, c := range cases {
		for _, k := range []Kind{KindSilence, KindAck} {
			v := p.Check(Request{Kind: k, Matchers: ms(t, c.matchers), Duration: time.Hour, Comment: "x"}, fleet())
			got := ""
			if len(v.Findings) == 1 && v.Findings[0].Rule == RuleMatchers && v.Findings[0].Mode == Refuse {
				got = v.Findings[0].Reason
			} else if len(v.Findings) > 0 {
				got = fmt.Sprint(v.Findings)
			}
			if got != c.want {
				t.Errorf("%s %s: got %q, want %q", k, c.matchers, got, c.want)
			}
		}
	}
	if v := p.Check(Request{Kind: KindExtend, Matchers: ms(t, `alertname="A"`), Duration: time.Hour}, nil); len(v.Findings) > 0 {
		t.Errorf("an extension is judged by duration only, got %v", v.Findings)
	}
}

func TestDurationRule(t *testing.T) {
	p := policy(t, config.Guard{Duration: config.DurationGuard{Max: config.Duration(24 * time.Hour), MaxAck: config.Duration(4 * time.Hour)}})
	m := ms(t, `alertname="A"`)
	cases := []struct {
		kind Kind
		d    time.Duration
		want string
	}{
		{KindSilence, 24 * time.Hour, ""},
		{KindSilence, 25 * time.Hour, "the silence lasts 1d1h from now, longer than the 1d maximum"},
		{KindAck, 4 * time.Hour, ""},
		{KindAck, 5 * time.Hour, "the ack lasts 5h from now, longer than the 4h maximum"},
		{KindExtend, 30 * time.Hour, "the extended silence lasts 1d6h"},
		{KindAckExtend, 23 * time.Hour, "the extended ack lasts 23h"},
		{KindExtend, 23 * time.Hour, ""},
	}
	for _, c := range cases {
		v := p.Check(Request{Kind: c.kind, Matchers: m, Duration: c.d, Comment: "x"}, nil)
		got := ""
		if len(v.Findings) > 0 {
			got = v.Findings[0].Reason
			if v.Findings[0].Rule != RuleDuration || v.Findings[0].Mode != Confirm || len(v.Findings) > 1 {
				t.Errorf("%s %s: findings %v", c.kind, c.d, v.Findings)
			}
		}
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%s %s: got %q, want %q", c.kind, c.d, got, c.want)
		}
	}
}

func TestCommentRule(t *testing.T) {
	p := policy(t, config.Guard{Comment: config.CommentGuard{Mode: "refuse", Pattern: `^[A-Z]+-[0-9]+`}})
	m := ms(t, `alertname="A"`)
	for c, ok := range map[string]bool{"OPS-123 rollback": true, "OPS-1": true, "rollback OPS-1": false, "ops-1": false, "": false, "OPS-": false} {
		v := p.Check(Request{Kind: KindSilence, Matchers: m, Duration: time.Hour, Comment: c}, nil)
		if ok != (len(v.Findings) == 0) {
			t.Errorf("comment %q: findings %v", c, v.Findings)
		}
		if !ok && (v.Findings[0].Mode != Refuse || !strings.Contains(v.Findings[0].Reason, fmt.Sprintf("%q does not match ^[A-Z]+-[0-9]+", c))) {
			t.Errorf("comment %q: finding %v", c, v.Findings[0])
		}
	}
	// a comment with a newline stays one line in the reason
	v := p.Check(Request{Kind: KindSilence, Matchers: m, Duration: time.Hour, Comment: "a\nb"}, nil)
	if len(v.Findings) != 1 || strings.Contains(v.Findings[0].Reason, "\n") {
		t.Errorf("findings %q", v.Findings)
	}
	// acks are exempt: their comment is generated
	if v := p.Check(Request{Kind: KindAck, Matchers: m, Duration: time.Hour, Comment: "ACK! alice: looking"}, nil); len(v.Findings) > 0 {
		t.Errorf("ack judged by the comment rule: %v", v.Findings)
	}
}

func TestRegexRule(t *testing.T) {
	p := policy(t, config.Guard{Regex: config.RegexGuard{Labels: []string{"alertname", "cluster"}}, Matchers: config.MatchersGuard{Mode: "refuse", Required: []string{"cluster"}}})
	cases := []struct{ matchers, want string }{
		{`alertname="A", cluster=~"a|b"`, ""},
		{`alertname="A", cluster=~".*"`, `regex/confirm:cluster=~".*" matches every cluster`},
		{`alertname="A", cluster=~"(.+)"`, `regex/confirm:cluster=~"(.+)" matches every cluster`},
		{`alertname="A", cluster=~".*|a"`, `regex/confirm:cluster=~".*|a" matches every cluster`},
		{`alertname=~".+", cluster="a"`, `regex/confirm:alertname=~".+" matches every alertname`},
		{`alertname="A", cluster="a", instance=~".*"`, ""}, // not a listed label
		{`alertname="A", cluster="a", cluster!~""`, `regex/confirm:cluster!~"" matches every cluster`},
		{`alertname="A", cluster!=""`, `matchers/refuse:no = or =~ matcher on required label cluster`},
	}
	for _, c := range cases {
		v := p.Check(Request{Kind: KindAck, Matchers: ms(t, c.matchers), Duration: time.Hour}, nil)
		var got []string
		for _, f := range v.Findings {
			got = append(got, string(f.Rule)+"/"+string(f.Mode)+":"+f.Reason)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s: got %q, want %q", c.matchers, got, c.want)
		}
	}
}

func TestVerdictHelpers(t *testing.T) {
	p := policy(t, config.Guard{
		Breadth:  config.BreadthGuard{MaxAlerts: 2},
		Duration: config.DurationGuard{Max: config.Duration(time.Hour)},
		Comment:  config.CommentGuard{Mode: "refuse", Pattern: "^T-"},
	})
	v := p.Check(Request{Kind: KindSilence, Matchers: ms(t, `severity="warning"`), Duration: 2 * time.Hour, Comment: "T-1"}, fleet())
	if rules(v) != "breadth/confirm duration/confirm" || !v.Rules {
		t.Fatalf("verdict %s", rules(v))
	}
	if _, ok := v.Refusal(); ok {
		t.Error("Refusal without a refuse finding")
	}
	if got := v.Confirmations(); strings.Join(got, ",") != "breadth,duration" {
		t.Errorf("Confirmations = %v", got)
	}
	if got := v.Unconfirmed([]string{"breadth"}); len(got) != 1 || got[0].Rule != RuleDuration {
		t.Errorf("Unconfirmed = %v", got)
	}
	v = p.Check(Request{Kind: KindSilence, Matchers: ms(t, `severity="warning"`), Duration: 2 * time.Hour, Comment: "nope"}, fleet())
	if f, ok := v.Refusal(); !ok || f.Rule != RuleComment {
		t.Errorf("Refusal = %v %v", f, ok)
	}
	var none *Policy
	if !none.Empty() || !policy(t, config.Guard{}).Empty() || p.Empty() {
		t.Error("Empty is wrong")
	}
	v = none.Check(Request{Kind: KindSilence, Matchers: ms(t, `severity="warning"`), Duration: 99 * time.Hour}, fleet())
	if len(v.Findings) != 0 || len(v.Matched) != 6 || v.Rules {
		t.Errorf("nil policy verdict %+v", v)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, g := range []config.Guard{
		{Comment: config.CommentGuard{Pattern: "("}},
		{Breadth: config.BreadthGuard{Mode: "maybe", MaxAlerts: 1}},
		{Breadth: config.BreadthGuard{MaxPercent: 101}},
	} {
		if _, err := New(g); err == nil {
			t.Errorf("New(%+v) accepted it", g)
		}
	}
}
