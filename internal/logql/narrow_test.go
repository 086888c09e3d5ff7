package logql

import (
	"slices"
	"strings"
	"testing"
)

func TestNarrow(t *testing.T) {
	cases := []struct {
		name   string
		expr   string
		query  int // which query of the expression
		labels map[string]string
		opts   NarrowOptions
		want   string
	}{
		{"the brief's example", `sum by (service_name) (count_over_time({app="x"} |= "y" [1m]))`, 0,
			map[string]string{"service_name": "crm", "severity": "critical", "alertname": "X"}, NarrowOptions{},
			`{app="x", service_name="crm"} |= "y"`},
		{"a parser-produced label goes after the parser", `sum by (route) (count_over_time({app="x"} |= "y" | json | status >= 500 [1m]))`, 0,
			map[string]string{"route": "/api/v1/deals"}, NarrowOptions{},
			`{app="x"} |= "y" | json | route="/api/v1/deals" | status >= 500`},
		{"after the last parser that may set it", `sum by (user) (count_over_time({app="x"} | logfmt | json user="ctx.user" | regexp "(?P<ip>\\S+)" [1m]))`, 0,
			map[string]string{"user": "ana"}, NarrowOptions{},
			`{app="x"} | logfmt | json user="ctx.user" | user="ana" | regexp "(?P<ip>\\S+)"`},
		{"pattern capture", `sum by (status) (count_over_time({app="x"} | pattern "<_> <status> <_>" | line_format "{{.status}}" [1m]))`, 0,
			map[string]string{"status": "502"}, NarrowOptions{},
			`{app="x"} | pattern "<_> <status> <_>" | status="502" | line_format "{{.status}}"`},
		{"label_format sets it", `sum by (svc) (count_over_time({app="x"} | label_format svc="{{.app}}-1" | keep svc, app [1m]))`, 0,
			map[string]string{"svc": "x-1"}, NarrowOptions{},
			`{app="x"} | label_format svc="{{.app}}-1" | svc="x-1" | keep svc, app`},
		{"keep drops what it does not list", `sum by (level) (count_over_time({app="x"} | keep app [1m]))`, 0,
			map[string]string{"level": "error"}, NarrowOptions{},
			`{app="x"} | keep app | level="error"`},
		{"a stream label of the selector stays in the selector", `sum by (service_name) (count_over_time({service_name="conectcrm-backend"} | json | level="error" [5m])) > 10`, 0,
			map[string]string{"service_name": "conectcrm-backend"}, NarrowOptions{},
			`{service_name="conectcrm-backend"} | json | level="error"`},
		{"a regex stream matcher: no parser can replace it", `sum by (service_name) (count_over_time({service_name=~"conectcrm-.+"} | json [5m]))`, 0,
			map[string]string{"service_name": "conectcrm-backend"}, NarrowOptions{},
			`{service_name=~"conectcrm-.+", service_name="conectcrm-backend"} | json`},
		{"a regex that matches empty does not say the stream has it", `sum by (env) (count_over_time({app="x", env=~".*"} | json [5m]))`, 0,
			map[string]string{"env": "prod"}, NarrowOptions{},
			`{app="x", env=~".*"} | json | env="prod"`},
		{"label_format can still replace a stream label", `sum by (app) (count_over_time({app="x"} | label_format app="y" [5m]))`, 0,
			map[string]string{"app": "y"}, NarrowOptions{},
			`{app="x"} | label_format app="y" | app="y"`},
		{"quotes, backslashes, newlines", `sum by (msg, path) (count_over_time({app="x"} | logfmt msg [5m]))`, 0,
			map[string]string{"msg": "say \"hi\"\nbye", "path": `C:\temp`}, NarrowOptions{},
			`{app="x", path="C:\\temp"} | logfmt msg | msg="say \"hi\"\nbye"`},
		{"control and non-ASCII characters", `sum by (path) (count_over_time({app="x"}[5m]))`, 0,
			map[string]string{"path": "/café\t\x00\u202e"}, NarrowOptions{},
			`{app="x", path="/café\t\x00\u202e"}`},
		{"the alert lacks the grouped label", `sum by (service_name, instance) (count_over_time({app="x"}[5m]))`, 0,
			map[string]string{"service_name": "crm"}, NarrowOptions{},
			`{app="x", service_name="crm"}`},
		{"an empty value adds nothing", `sum by (instance) (count_over_time({app="x"}[5m]))`, 0,
			map[string]string{"instance": ""}, NarrowOptions{},
			`{app="x"}`},
		{"without adds nothing", `sum without (pod) (count_over_time({app="x"}[5m]))`, 0,
			map[string]string{"app": "x", "service_name": "crm", "severity": "warning"}, NarrowOptions{},
			`{app="x"}`},
		{"no aggregation adds nothing", `count_over_time({app="x"}[5m]) > 1`, 0,
			map[string]string{"app": "x", "host": "h1", "severity": "warning"}, NarrowOptions{},
			`{app="x"}`},
		{"sum with no grouping adds nothing", `sum(count_over_time({app="x"}[5m])) > 1`, 0,
			map[string]string{"host": "h1"}, NarrowOptions{},
			`{app="x"}`},
		{"outer by keeps fewer", `max by (a) (sum by (a, b) (count_over_time({app="x"}[5m])))`, 0,
			map[string]string{"a": "1", "b": "2"}, NarrowOptions{},
			`{app="x", a="1"}`},
		{"without under by", `sum by (a, b) (sum without (b) (count_over_time({app="x"}[5m])))`, 0,
			map[string]string{"a": "1", "b": "2"}, NarrowOptions{},
			`{app="x", a="1"}`},
		{"topk keeps the inner grouping", `topk(3, sum by (route) (rate({app="x"} | json [5m])))`, 0,
			map[string]string{"route": "/a"}, NarrowOptions{},
			`{app="x"} | json | route="/a"`},
		{"range aggregation by", `quantile_over_time(0.99, {app="x"} | json | unwrap duration_ms [5m]) by (route) > 1000`, 0,
			map[string]string{"route": "/a"}, NarrowOptions{},
			`{app="x"} | json | route="/a"`},
		{"label_replace replaces its target", `label_replace(sum by (service, pod) (rate({app="x"}[1m])), "service", "$1", "service", "(.*)-.*")`, 0,
			map[string]string{"service": "crm", "pod": "p1"}, NarrowOptions{},
			`{app="x", pod="p1"}`},
		{"group_left: left side, its copied label is the right's", `sum by (app, status) (rate({job="a"} | json [5m])) / on (app) group_left(tier) sum by (app, tier) (rate({job="b"}[5m]))`, 0,
			map[string]string{"app": "crm", "status": "500", "tier": "web"}, NarrowOptions{},
			`{job="a"} | json | app="crm" | status="500"`},
		{"group_left: right side keeps the on and copied labels", `sum by (app, status) (rate({job="a"} | json [5m])) / on (app) group_left(tier) sum by (app, tier) (rate({job="b"}[5m]))`, 1,
			map[string]string{"app": "crm", "status": "500", "tier": "web"}, NarrowOptions{},
			`{job="b", app="crm", tier="web"}`},
		{"ignoring drops on both sides", `sum by (a, b) (rate({job="a"}[5m])) / ignoring (b) sum by (a, b) (rate({job="b"}[5m]))`, 1,
			map[string]string{"a": "1", "b": "2"}, NarrowOptions{},
			`{job="b", a="1"}`},
		{"or keeps both sides", `sum by (a) (rate({job="a"}[5m])) or sum by (a) (rate({job="b"}[5m]))`, 1,
			map[string]string{"a": "1"}, NarrowOptions{},
			`{job="b", a="1"}`},
		{"structured metadata when stream labels are known", `sum by (detected_level, env) (count_over_time({app="x"}[5m]))`, 0,
			map[string]string{"detected_level": "error", "env": "prod"}, NarrowOptions{StreamLabels: []string{"app", "env"}},
			`{app="x", env="prod"} | detected_level="error"`},
		{"__error__ is tested after the whole pipeline", `sum by (__error__) (count_over_time({app="x"} | json a="b" | c > 5 | line_format "{{.a}}" [5m]))`, 0,
			map[string]string{"__error__": "JSONParserErr"}, NarrowOptions{},
			`{app="x"} | json a="b" | c > 5 | line_format "{{.a}}" | __error__="JSONParserErr"`},
		{"absent_over_time adds its own matchers again, not twice", `absent_over_time({job="cron"} |= "heartbeat" [15m])`, 0,
			map[string]string{"job": "cron", "severity": "warning"}, NarrowOptions{},
			`{job="cron"} |= "heartbeat"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Extract(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, err := NarrowWith(m.Queries[tc.query], tc.labels, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
			// The narrowed query parses, and carries each added value exactly.
			q, err := ParseLogQuery(got)
			if err != nil {
				t.Fatalf("narrowed query does not parse: %v", err)
			}
			if q.String() != got {
				t.Errorf("narrowed query reparses to %s", q)
			}
			for _, name := range Narrowable(m.Queries[tc.query].Grouping) {
				v := tc.labels[name]
				if v == "" {
					continue
				}
				found := slices.ContainsFunc(q.Selector, func(m Matcher) bool { return m.Name == name && m.Op == "=" && m.Value == v })
				if !found && !strings.Contains(got, "| "+name+"=") {
					t.Errorf("label %s=%q was not added", name, v)
				}
			}
		})
	}
}

func TestNarrowValueRoundTrip(t *testing.T) {
	m, err := Extract(`sum by (v) (count_over_time({app="x"} | json [5m]))`)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{`"`, `\`, "\n", "a\"}|=\"b", "`", "\xff\xfe", "{{.x}}", "# not a comment"} {
		got, err := Narrow(m.Queries[0], map[string]string{"v": v})
		if err != nil {
			t.Fatal(err)
		}
		// the filter is the last stage: take its value back
		full, err := Extract("count_over_time(" + got + " [1m])")
		if err != nil {
			t.Fatalf("%q: narrowed query %s does not parse: %v", v, got, err)
		}
		st := full.Queries[0].Stages
		if len(st) != 2 || st[1].Kind != LabelFilter {
			t.Fatalf("%q: stages %v", v, st)
		}
		toks, err := lex(st[1].text)
		if err != nil {
			t.Fatal(err)
		}
		if toks[3].text != v {
			t.Errorf("value %q came back as %q", v, toks[3].text)
		}
	}
}

func TestNarrowContradiction(t *testing.T) {
	m, err := Extract(`sum by (app) (count_over_time({app="x"}[5m]))`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Narrow(m.Queries[0], map[string]string{"app": "y\n"})
	want := `logql: the alert's app="y\n" contradicts the selector's app="x"`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}

func TestNarrowable(t *testing.T) {
	cases := []struct {
		g    []Grouping
		want []string
	}{
		{nil, nil},
		{[]Grouping{{Func: "sum", Labels: []string{"b", "a", "b"}}}, []string{"a", "b"}},
		{[]Grouping{{Func: "sum", Without: true, Labels: []string{"a"}}}, nil},
		{[]Grouping{{Func: "topk", Keeps: true}}, nil},
		{[]Grouping{{Func: "sum", Labels: []string{"a", "b"}}, {Func: "topk", Keeps: true}, {Func: "max", Labels: []string{"b", "c"}}}, []string{"b"}},
		{[]Grouping{{Func: "sum", Labels: []string{"a", "b"}}, {Func: "label_replace", Without: true, Labels: []string{"a"}}}, []string{"b"}},
	}
	for _, tc := range cases {
		if got := Narrowable(tc.g); !slices.Equal(got, tc.want) {
			t.Errorf("Narrowable(%v) = %v, want %v", tc.g, got, tc.want)
		}
	}
}
