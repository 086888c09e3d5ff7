package dialog

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/prometheus/alertmanager/pkg/labels"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/guard"
	"oncall/internal/sanitize"
	"oncall/internal/testkit/corpus"
	"oncall/tui/kit"
	"oncall/tui/tuitest/fixture"
)

// TestSilencePrefillMatchesHostileValues: a label value holding any corpus
// string is prefilled as text with no raw control, escape or bidi
// character, and the matcher parsed back from that text still selects the
// alert's raw value (and nothing that merely looks like it).
func TestSilencePrefillMatchesHostileValues(t *testing.T) {
	for _, e := range corpus.All() {
		if len(e.Text) > 4096 {
			continue
		}
		for _, typ := range []labels.MatchType{labels.MatchEqual, labels.MatchNotEqual} {
			m, err := labels.NewMatcher(typ, "service", e.Text)
			if err != nil {
				t.Fatal(err)
			}
			txt, ok := matcherText(m)
			if !ok {
				t.Fatalf("%s: matcher dropped", e.Name)
			}
			if err := corpus.LeakOf(txt, e); err != nil {
				t.Errorf("%s: prefill %q leaks: %v", e.Name, txt, err)
			}
			ms, err := alerts.ParseMatchers(txt)
			if err != nil || len(ms) != 1 {
				t.Fatalf("%s: prefill %q does not parse: %v", e.Name, txt, err)
			}
			if got, want := ms[0].Matches(e.Text), typ == labels.MatchEqual; got != want {
				t.Errorf("%s: %q matches the raw value = %v, want %v", e.Name, txt, got, want)
			}
			if got, want := ms[0].Matches(sanitize.Text(e.Text)), typ != labels.MatchEqual; sanitize.Text(e.Text) != e.Text && got != want {
				t.Errorf("%s: %q matches the escaped look-alike = %v, want %v", e.Name, txt, got, want)
			}
		}
	}
	if _, ok := matcherText(&labels.Matcher{Type: labels.MatchEqual, Name: "x\x1b[2J", Value: "v"}); ok {
		t.Error("a matcher on an unsafe label name is prefilled")
	}
}

func TestSilenceDialogValidatesAndReturnsAction(t *testing.T) {
	d := NewSilence(nil, 15*time.Minute, nil)
	typeDialog(d, `alertname="APIDown" service=~"conectcrm-.*"`)
	d.HandleKey(fixture.Key("tab"))
	d.HandleKey(fixture.Key("tab"))
	act, _ := d.HandleKey(fixture.Key("enter"))
	if act != nil {
		t.Fatalf("empty comment must not submit, got %#v", act)
	}
	if !strings.Contains(d.err, "comment is required") {
		t.Fatalf("err = %q", d.err)
	}
	typeDialog(d, "deploy rollback")
	act, _ = d.HandleKey(fixture.Key("enter"))
	cs, ok := act.(CreateSilence)
	if !ok {
		t.Fatalf("action = %#v", act)
	}
	if cs.Duration != 15*time.Minute || cs.Comment != "deploy rollback" || len(cs.Matchers) != 2 {
		t.Fatalf("silence = %+v", cs)
	}
	// presets
	d2 := NewSilence(nil, 15*time.Minute, nil)
	d2.HandleKey(fixture.Key("tab"))
	d2.HandleKey(fixture.Key("ctrl+n"))
	if d2.fields[1].Value() != "1h" {
		t.Fatalf("preset = %q", d2.fields[1].Value())
	}
}

func typeDialog(d kit.Dialog, s string) {
	for _, r := range s {
		d.HandleKey(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func TestSilenceDialogCountsWithAlertmanagerSemantics(t *testing.T) {
	mem := func(instance string) *alerts.Alert {
		return &alerts.Alert{Labels: map[string]string{"alertname": "HighMemoryUsage", "instance": instance}}
	}
	d := NewSilence(nil, 15*time.Minute, []*alerts.Alert{mem("a"), mem("b"), {Labels: map[string]string{"alertname": "APIDown"}}})
	typeDialog(d, `alertname="HighMemoryUsage"`)
	if d.count != 2 {
		t.Fatalf("count = %d, want 2", d.count)
	}
	for range len(`"HighMemoryUsage"`) {
		d.HandleKey(fixture.Key("backspace"))
	}
	d.fields[0].SetValue(`alertname=~"High"`)
	d.recount()
	if d.count != 0 {
		t.Fatalf("anchored regex counted %d", d.count)
	}
}

// The guard preview follows the text and the target: each cluster is
// judged by its own judge call, a refusal or a blocked cluster keeps the
// dialog from submitting and says why, and confirm findings pass through
// to the root (which asks).
func TestSilenceDialogGuardPreview(t *testing.T) {
	strict, err := guard.New(config.Guard{Comment: config.CommentGuard{Mode: "refuse", Pattern: `^[A-Z]+-[0-9]+`}})
	if err != nil {
		t.Fatal(err)
	}
	wide, err := guard.New(config.Guard{Breadth: config.BreadthGuard{MaxAlerts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	disk := func(c, i string) *alerts.Alert {
		return &alerts.Alert{Cluster: c, State: alerts.StateFiring, Labels: map[string]string{"alertname": "DiskFull", "instance": i}}
	}
	live := map[string][]*alerts.Alert{"prod": {disk("prod", "a"), disk("prod", "b")}, "staging": {disk("staging", "c")}}
	policies := map[string]*guard.Policy{"prod": wide, "staging": strict}
	var asked []string
	judge := func(c string, r guard.Request) Preview {
		asked = append(asked, c)
		p := Preview{Cluster: c, Verdict: policies[c].Check(r, live[c])}
		if c == "dr" {
			p.Blocked = "read-only: context dr is read-only (--readonly)"
		}
		return p
	}
	d := NewSilence(nil, time.Hour, append(live["prod"], live["staging"]...)).WithClusters("prod", []string{"prod", "staging", "dr"}).WithGuard("prod", judge)
	typeDialog(d, `alertname="DiskFull"`)
	if p := d.Previews(); len(p) != 1 || p[0].Cluster != "prod" || len(p[0].Verdict.Matched) != 2 || len(p[0].Verdict.Findings) != 1 || p[0].Verdict.Findings[0].Rule != guard.RuleBreadth {
		t.Fatalf("prod preview %+v", p)
	}
	d.HandleKey(fixture.Key("tab"))
	d.HandleKey(fixture.Key("tab"))
	typeDialog(d, "no ticket")
	act, _ := d.HandleKey(fixture.Key("enter"))
	cs, ok := act.(CreateSilence)
	if !ok || len(cs.Confirmed) != 0 || len(cs.Clusters) != 1 || cs.Clusters[0] != "prod" {
		t.Fatalf("prod: a confirm finding must reach the root unconfirmed, got %#v (%s)", act, d.err)
	}
	// staging is judged by its own (strict) guard: the comment is refused
	d.HandleKey(fixture.Key("ctrl+t"))
	if p := d.Previews(); len(p) != 1 || p[0].Cluster != "staging" {
		t.Fatalf("after ctrl+t: %+v", p)
	}
	if act, _ := d.HandleKey(fixture.Key("enter")); act != nil || d.err != `refused by guard comment in staging: comment "no ticket" does not match ^[A-Z]+-[0-9]+` {
		t.Fatalf("staging: action %#v, err %q", act, d.err)
	}
	view := kit.Strip(d.View(120, 40, kit.NewStyles(true)))
	for _, want := range []string{"staging: matches 1 of 1 firing alert: DiskFull", "✗ staging: refused · comment: comment \"no ticket\""} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	// a cluster that takes no write blocks the submit
	d.HandleKey(fixture.Key("ctrl+t"))
	if act, _ := d.HandleKey(fixture.Key("enter")); act != nil || d.err != "cannot write in dr: read-only: context dr is read-only (--readonly)" {
		t.Fatalf("dr: action %#v, err %q", act, d.err)
	}
	// all three: each judged once, by its own call
	d.HandleKey(fixture.Key("ctrl+t"))
	asked = nil
	d.HandleKey(fixture.Key("enter"))
	if strings.Join(asked, ",") != "prod,staging,dr" || !strings.HasPrefix(d.err, "refused by guard comment in staging") {
		t.Fatalf("all: judged %v, err %q", asked, d.err)
	}
}

func TestConfirmExplicitAndNotice(t *testing.T) {
	yes := CreateSilence{Comment: "x"}
	c := &Confirm{Title: "t", OnYes: yes, Explicit: true}
	if act, _ := c.HandleKey(fixture.Key("enter")); act != nil {
		t.Fatalf("enter confirmed an explicit dialog: %#v", act)
	}
	if act, _ := c.HandleKey(fixture.Key("y")); act == nil {
		t.Fatal("y did not confirm")
	}
	if act, _ := (&Confirm{OnYes: yes}).HandleKey(fixture.Key("enter")); act == nil {
		t.Fatal("enter did not confirm a plain dialog")
	}
	if act, _ := (&Notice{Title: "t"}).HandleKey(fixture.Key("enter")); act != (kit.ActionClose{}) {
		t.Fatalf("enter on a notice: %#v", act)
	}
	if v := kit.Strip(c.View(80, 24, kit.NewStyles(false))); !strings.Contains(v, "y: yes · n/esc: no") {
		t.Errorf("explicit hint missing:\n%s", v)
	}
}
