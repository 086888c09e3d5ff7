package dialog

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/prometheus/alertmanager/pkg/labels"

	"oncall/internal/alerts"
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
