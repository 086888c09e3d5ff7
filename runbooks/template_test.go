package runbooks

import (
	"strings"
	"testing"
)

func TestSubstituteEscapesForQueryStrings(t *testing.T) {
	a := Alert{
		Name: "APIDown",
		Labels: map[string]string{
			"service":  `conectcrm-backend`,
			"instance": `10.0.0.7:8080`,
			"path":     `C:\temp\"quoted"`,
			"multi":    "a\nb",
			"dots":     "crm.example.com",
		},
		Annotations: map[string]string{"summary": `say "hi"`},
	}
	cases := []struct{ in, want string }{
		{`up{service="{{ .Labels.service }}",instance="{{ .Labels.instance }}"}`, `up{service="conectcrm-backend",instance="10.0.0.7:8080"}`},
		{`x{p="{{ .Labels.path }}"}`, `x{p="C:\\temp\\\"quoted\""}`},
		{`x{p={{ quote .Labels.path }}}`, `x{p="C:\\temp\\\"quoted\""}`},
		{`x{m="{{ .Labels.multi }}"}`, `x{m="a\nb"}`},
		{`{app="x"} |~ "{{ regex .Labels.dots }}"`, `{app="x"} |~ "crm\\.example\\.com"`},
		{"{app=\"x\"} |= `{{ raw .Labels.path }}`", "{app=\"x\"} |= `C:\\temp\\\"quoted\"`"},
		{`up{job="{{ .Labels.job | default "conectcrm-backend" }}"}`, `up{job="conectcrm-backend"}`},
		{`up{job="{{ .Labels.service | default "other" }}"}`, `up{job="conectcrm-backend"}`},
		{`ALERTS{alertname="{{ .Name }}",missing="{{ .Labels.nope }}"}`, `ALERTS{alertname="APIDown",missing=""}`},
		{`{{ if eq .Labels.service "conectcrm-backend" }}yes{{ else }}no{{ end }}`, `yes`},
		{`# {{ .Annotations.summary }}`, `# say \"hi\"`},
		{`no template here {job="x"}`, `no template here {job="x"}`},
		// Loki's own templates in line_format/label_format are left for Loki
		{"{service_name=\"{{ .Labels.service }}\"} | json | line_format \"{{.route}} \\\"{{ .msg }}\\\"\" | label_format lvl=`{{.level}}`, x=\"{{ .y }}\" | level=\"{{ .Labels.service }}\"",
			"{service_name=\"conectcrm-backend\"} | json | line_format \"{{.route}} \\\"{{ .msg }}\\\"\" | label_format lvl=`{{.level}}`, x=\"{{ .y }}\" | level=\"conectcrm-backend\""},
	}
	for _, c := range cases {
		got, err := Substitute(c.in, a)
		if err != nil || got != c.want {
			t.Errorf("Substitute(%s) = %s, %v\nwant %s", c.in, got, err, c.want)
		}
	}
}

func TestSubstituteErrors(t *testing.T) {
	a := Alert{Name: "X", Labels: map[string]string{"a": "1"}}
	_, err := Substitute("line one\nup{x=\"{{ .Labels.a \"}", a)
	if err == nil || !strings.HasPrefix(err.Error(), "query template line 2: ") || strings.Contains(err.Error(), "\n") {
		t.Errorf("parse error: %v", err)
	}
	_, err = Substitute("{{ nosuchfunc .Labels.a }}", a)
	if err == nil || !strings.Contains(err.Error(), `function "nosuchfunc" not defined`) {
		t.Errorf("unknown func: %v", err)
	}
	b := Block{Code: "sum(x)\n{{ .Labels.a.b }}\n", Line: 10, Lang: "promql", Runnable: true}
	_, err = b.Substitute(a)
	if err == nil || !strings.HasPrefix(err.Error(), "query template at runbook line 12: ") {
		t.Errorf("exec error with block line: %v", err)
	}
	ok := Block{Code: `up{i="{{ .Labels.a }}"}`, Line: 3}
	if got, err := ok.Substitute(a); err != nil || got != `up{i="1"}` {
		t.Errorf("Block.Substitute = %q, %v", got, err)
	}
}
