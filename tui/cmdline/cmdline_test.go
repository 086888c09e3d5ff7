package cmdline

import (
	"strings"
	"testing"

	"oncall/tui/tuitest/fixture"
)

func typeIn(l *Line, s string) {
	for _, r := range s {
		l.HandleKey(fixture.Key(string(r)))
	}
}

func registry() []Command {
	ctxs := func() []string { return []string{"prod-eu", "prod-us", "staging"} }
	return []Command{
		{Name: "ctx", Args: "[NAME[,NAME]]", Help: "watch contexts", Complete: ctxs},
		{Name: "logs", Help: "logs"}, {Name: "alerts", Help: "alerts"}, {Name: "filter", Args: "EXPR"},
		{Name: "q", Help: "quit"},
	}
}

func TestCompletionHistoryAndAliases(t *testing.T) {
	l := New(registry(), map[string]string{"eu": "ctx prod-eu"})
	l.Open()
	typeIn(l, "lo")
	if got := l.Suggestions(); strings.Join(got, ",") != "logs" {
		t.Fatalf("suggestions for lo: %v", got)
	}
	l.HandleKey(fixture.Key("tab"))
	if l.input.Value() != "logs" {
		t.Fatalf("tab completed to %q", l.input.Value())
	}
	got, done, _ := l.HandleKey(fixture.Key("enter"))
	if !done || got != "logs" || l.Active() {
		t.Fatalf("enter gave %q done=%v active=%v", got, done, l.Active())
	}
	// a command with arguments completes to "ctx " then its values
	l.Open()
	typeIn(l, "ct")
	l.HandleKey(fixture.Key("tab"))
	if l.input.Value() != "ctx " {
		t.Fatalf("tab on ct gave %q", l.input.Value())
	}
	typeIn(l, "prod-e")
	l.HandleKey(fixture.Key("tab"))
	typeIn(l, ",st")
	l.HandleKey(fixture.Key("tab"))
	if v := l.input.Value(); v != "ctx prod-eu,staging" {
		t.Fatalf("list completion gave %q", v)
	}
	if got, _, _ := l.HandleKey(fixture.Key("enter")); got != "ctx prod-eu,staging" {
		t.Fatalf("submitted %q", got)
	}
	// aliases expand, and count as commands for completion
	l.Open()
	typeIn(l, "eu")
	if got, _, _ := l.HandleKey(fixture.Key("enter")); got != "ctx prod-eu" {
		t.Fatalf("alias gave %q", got)
	}
	// history: up walks back, down returns to the draft
	l.Open()
	typeIn(l, "dra")
	l.HandleKey(fixture.Key("up"))
	if l.input.Value() != "eu" {
		t.Fatalf("up gave %q", l.input.Value())
	}
	l.HandleKey(fixture.Key("up"))
	l.HandleKey(fixture.Key("up"))
	if l.input.Value() != "logs" {
		t.Fatalf("up×3 gave %q", l.input.Value())
	}
	l.HandleKey(fixture.Key("down"))
	l.HandleKey(fixture.Key("down"))
	l.HandleKey(fixture.Key("down"))
	if l.input.Value() != "dra" {
		t.Fatalf("down back to the draft gave %q", l.input.Value())
	}
	if got, done, _ := l.HandleKey(fixture.Key("esc")); !done || got != "" || l.Active() {
		t.Fatal("esc did not cancel")
	}
	if h := l.History(); strings.Join(h, "|") != "logs|ctx prod-eu,staging|eu" {
		t.Fatalf("history %v", h)
	}
}

func TestHistoryIsBounded(t *testing.T) {
	l := New(registry(), nil)
	for i := 0; i < HistoryMax+20; i++ {
		l.Open()
		typeIn(l, "q"+strings.Repeat("x", i%7))
		l.HandleKey(fixture.Key("enter"))
	}
	if n := len(l.History()); n > HistoryMax {
		t.Fatalf("history holds %d entries", n)
	}
}
