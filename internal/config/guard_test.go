package config

import (
	"strings"
	"testing"
	"time"
)

func TestGuardConfig(t *testing.T) {
	text := `
[alerts]
ack_duration = "10m"
[contexts.prod]
readonly = true
[contexts.prod.alertmanager]
urls = ["http://am:9093"]
[contexts.prod.guard.breadth]
max_alerts = 5
max_percent = 40
[contexts.prod.guard.matchers]
mode = "refuse"
required = ["cluster"]
[contexts.prod.guard.duration]
max_ack = "1h"
[contexts.prod.guard.comment]
pattern = '^[A-Z]+-[0-9]+'
[contexts.staging.alertmanager]
urls = ["http://am-staging:9093"]
`
	cfg, err := Load(Overrides{ConfigPath: write(t, text), Context: "prod"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Contexts["prod"]
	if !p.ReadOnly || p.Guard.Breadth.MaxAlerts != 5 || p.Guard.Breadth.MaxPercent != 40 || p.Guard.Breadth.Mode != "" ||
		p.Guard.Matchers.Mode != GuardRefuse || p.Guard.Matchers.Required[0] != "cluster" ||
		p.Guard.Duration.MaxAck.D() != time.Hour || p.Guard.Comment.Pattern != "^[A-Z]+-[0-9]+" {
		t.Fatalf("prod = readonly %v guard %+v", p.ReadOnly, p.Guard)
	}
	if s := cfg.Contexts["staging"]; s.ReadOnly || s.Guard.Breadth.MaxAlerts != 0 || s.Guard.Comment.Pattern != "" {
		t.Fatalf("staging inherited prod's rails: %+v", s)
	}
}

func TestBadGuardConfig(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"bad pattern", "[contexts.p.guard.comment]\npattern = '^[A-Z+-'\n", []string{"contexts.p.guard.comment.pattern", "missing closing ]"}},
		{"pattern matching nothing useful", "[contexts.p.guard.comment]\npattern = '.*'\n", []string{"contexts.p.guard.comment.pattern", "empty comment"}},
		{"percent over 100", "[contexts.p.guard.breadth]\nmax_percent = 150\n", []string{"contexts.p.guard.breadth.max_percent", "150"}},
		{"percent 100", "[contexts.p.guard.breadth]\nmax_percent = 100\n", []string{"contexts.p.guard.breadth.max_percent"}},
		{"negative alerts", "[contexts.p.guard.breadth]\nmax_alerts = -1\n", []string{"contexts.p.guard.breadth.max_alerts"}},
		{"negative min", "[contexts.p.guard.breadth]\nmin_alerts = -2\n", []string{"contexts.p.guard.breadth.min_alerts"}},
		{"bad mode", "[contexts.p.guard.regex]\nmode = \"warn\"\nlabels = [\"cluster\"]\n", []string{"contexts.p.guard.regex.mode", `"warn"`, "refuse"}},
		{"bad label", "[contexts.p.guard.matchers]\nrequired = [\"cluster \"]\n", []string{"contexts.p.guard.matchers.required[0]", `"cluster "`}},
		{"bad regex label", "[contexts.p.guard.regex]\nlabels = [\"ok\", \"\"]\n", []string{"contexts.p.guard.regex.labels[1]"}},
		{"max below default", "[alerts]\nsilence_duration = \"2h\"\n[contexts.p.guard.duration]\nmax = \"1h\"\n", []string{"contexts.p.guard.duration.max", "alerts.silence_duration", "2h"}},
		{"max_ack below default", "[contexts.p.guard.duration]\nmax_ack = \"5m\"\n", []string{"contexts.p.guard.duration.max_ack", "5m", "15m"}},
		{"unknown guard key", "[contexts.p.guard.breadth]\nmax_alert = 3\n", []string{":2:", `did you mean "max_alerts"`}},
		{"unknown rule", "[contexts.p.guard.comments]\npattern = 'x'\n", []string{`did you mean "comment"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(Overrides{ConfigPath: write(t, c.text)}, env(nil))
			if err == nil {
				t.Fatal("want error")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error must be one line: %q", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
		})
	}
}
