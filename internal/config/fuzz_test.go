package config

import (
	"strings"
	"testing"
)

// fuzzSecret is a bearer token placed in every fuzzed config: no error may
// ever show it, whatever the text around it.
const fuzzSecret = "tok-FUZZ-9f8e7d6c5b4a"

// FuzzParse: the loader never panics; an error is one line naming the file
// and never shows the secret; a config it accepts validates and lists the
// secret among its Secrets when it was decoded.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"current_context = \"prod\"\n[contexts.prod.alertmanager]\nurls = [\"http://am:9093\"]\n",
		"refresh = \"5s\"\n[ui]\ntheme = \"dark\"\n",
		"[contexts.prod]\nalertmanager = 3\n",
		"[keys]\nquit = [\"q\", \"q\"]\n",
		"x = \"\"\"\n",
		"[contexts.a.prometheus]\nurl = \"http://u:pw@h\"\nbearer_token = 'x",
		"\x00\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		full := text + "\n[contexts.fuzzsecret.alertmanager]\nbearer_token = \"" + fuzzSecret + "\"\n"
		for _, in := range []string{text, full} {
			cfg, err := Parse("fuzz.toml", in)
			if err != nil {
				msg := err.Error()
				if strings.ContainsAny(msg, "\n\r") {
					t.Fatalf("error is not one line: %q", msg)
				}
				if !strings.Contains(msg, "fuzz.toml") {
					t.Fatalf("error does not name the file: %q", msg)
				}
				if strings.Contains(msg, fuzzSecret) {
					t.Fatalf("error shows the secret: %q", msg)
				}
				continue
			}
			if err := cfg.Validate(); err != nil {
				t.Fatalf("Parse accepted a config Validate rejects: %v", err)
			}
			if in == full {
				if c, ok := cfg.Contexts["fuzzsecret"]; ok && c.Alertmanager.BearerToken == fuzzSecret {
					found := false
					for _, s := range cfg.Secrets() {
						found = found || s == fuzzSecret
					}
					if !found {
						t.Fatal("Secrets() does not list the bearer token")
					}
				}
			}
		}
	})
}
