package config

import (
	"strings"
	"testing"
)

func TestWatched(t *testing.T) {
	cfg, err := Parse("c.toml", `
current_context = "prod-eu"
[view]
contexts = ["prod-eu", "staging"]
[contexts.prod-eu.alertmanager]
urls = ["http://a:9093"]
[contexts.prod-us.alertmanager]
urls = ["http://b:9093"]
[contexts.staging.alertmanager]
urls = ["http://c:9093"]
`)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		names []string
		all   bool
		want  string
		err   string
	}{
		{nil, false, "prod-eu,staging", ""},
		{[]string{"prod-us", "prod-eu", "prod-us"}, false, "prod-us,prod-eu", ""},
		{nil, true, "prod-eu,prod-us,staging", ""},
		{[]string{"nope"}, false, "", `context "nope" not found (known: prod-eu, prod-us, staging)`},
	}
	for _, c := range cases {
		got, err := cfg.Watched(c.names, c.all)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%v: err %v, want %q", c.names, err, c.err)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != c.want {
			t.Errorf("%v %v: %v %v, want %s", c.names, c.all, got, err, c.want)
		}
	}
	cfg.View.Contexts = nil
	if got, _ := cfg.Watched(nil, false); strings.Join(got, ",") != "prod-eu" {
		t.Errorf("no view: %v", got)
	}
	if got := SplitNames([]string{"a, b", "c"}); strings.Join(got, "|") != "a|b|c" {
		t.Errorf("SplitNames: %v", got)
	}
}

func TestContextLookAndViewErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"red", "1"}, {"bright-cyan", "14"}, {"#FF0000", "#ff0000"}, {"202", "202"}, {"", ""},
	} {
		if got, err := AccentColor(c.in); err != nil || got != c.want {
			t.Errorf("AccentColor(%q) = %q, %v", c.in, got, err)
		}
	}
	for _, in := range []string{"reddish", "256", "#12"} {
		if _, err := AccentColor(in); err == nil {
			t.Errorf("AccentColor(%q) accepted", in)
		}
	}
	_, err := Parse("c.toml", "[contexts.prod.ui]\naccent = \"pinkish\"\n")
	if err == nil || !strings.Contains(err.Error(), "contexts.prod.ui.accent") {
		t.Errorf("bad accent: %v", err)
	}
	_, err = Parse("c.toml", "[view]\ncontexts = [\"nope\"]\n[contexts.prod]\n")
	if err == nil || !strings.Contains(err.Error(), `view.contexts[0]: context "nope" not found`) {
		t.Errorf("bad view: %v", err)
	}
}
