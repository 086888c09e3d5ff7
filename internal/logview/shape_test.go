package logview

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"oncall/sources/loki"
)

func kinds(sh Shape) string {
	var out []string
	for _, st := range sh.Stages {
		out = append(out, [...]string{"other", "filter", "parser", "label", "format"}[st.Kind])
	}
	return strings.Join(out, ",")
}

func TestParseShape(t *testing.T) {
	cases := []struct {
		q, selector, kinds, suffix string
	}{
		{`{app="api"}`, `{app="api"}`, "", ""},
		{`{app="a}b", env=~"p|q"} |= "x" | json | level="error"`, `{app="a}b", env=~"p|q"}`, "filter,parser,label", ""},
		{"{app=`a{`} != \"debug\" | logfmt != \"x\" | status != 200 != \"y\"", "{app=`a{`}", "filter,parser,filter,label,filter", ""},
		{`{a="b"} | json | line_format "{{.msg}}" |~ "boom"`, `{a="b"}`, "parser,format,filter", ""},
		{`{a="b"} | regexp "(?P<x>\\d+)" | pattern "<_> <y>" | unpack | drop x`, `{a="b"}`, "parser,parser,parser,format", ""},
		{`sum by (svc) (count_over_time({svc="a"} |= "too many clients" [1m])) > 5`, `{svc="a"}`, "filter", " [1m])) > 5"},
		{`rate({a="b"} | json | unwrap dur [5m])`, `{a="b"}`, "parser,format", " [5m])"},
		{`{a="b"} # a comment | json` + "\n" + `|= "x"`, `{a="b"}`, "filter", ""},
	}
	for _, tc := range cases {
		sh, err := ParseShape(tc.q)
		if err != nil {
			t.Errorf("%s: %v", tc.q, err)
			continue
		}
		if sh.Selector != tc.selector || kinds(sh) != tc.kinds || sh.Suffix != tc.suffix {
			t.Errorf("%s:\n selector %s, stages %s (%v), suffix %q", tc.q, sh.Selector, kinds(sh), sh.Stages, sh.Suffix)
		}
	}
	for _, bad := range []string{`app="api"`, `{app="api"`, `{app="unterminated}`} {
		if _, err := ParseShape(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestWideSelectorAndLikelySlow(t *testing.T) {
	wide := map[string]bool{
		`{service_name=~".+"}`:               true,
		`{app!="x", env=~"prod|dev"}`:        true,
		`{app="", env=~".+"}`:                true,
		`{app="api"}`:                        false,
		`{app="api", pod=~"api-.*"}`:         false,
		"{app=`api`}":                        false,
		`{service_name="conectcrm-backend"}`: false,
	}
	for q, want := range wide {
		sh, _ := ParseShape(q)
		if sh.WideSelector() != want {
			t.Errorf("%s: wide=%v", q, !want)
		}
	}
	slow := map[string]bool{
		`{service_name=~".+"} | json | level="error"`:                      true,
		`{service_name=~".+"} |= "error" | json | level="error"`:           false,
		`{service_name="a"} | json | level="error"`:                        false,
		`sum(count_over_time({job=~".+"} | logfmt | status="500" [5m]))`:   true,
		`{service_name=~".+"} | detected_level="error"`:                    false,
		`{service_name=~".+"} | line_format "{{.x}}" | json |= "x"`:        true,
		`{service_name=~".+"} | json | status >= 500 |= "timeout" |~ "db"`: true,
	}
	for q, want := range slow {
		reason, got := LikelySlow(q)
		if got != want {
			t.Errorf("%s: slow=%v (%s)", q, got, reason)
		}
	}
	reason, _ := LikelySlow(`{service_name=~".+"} | json | status >= 500 |= "timeout" |~ "db"`)
	if want := `likely slow: | json parses every line of {service_name=~".+"} before any line filter; cheaper: {service_name=~".+"} |= "timeout" |~ "db" | json | status >= 500`; reason != want {
		t.Errorf("reason\n got %s\nwant %s", reason, want)
	}
}

func TestCheaperMovesLineFiltersBeforeTheParser(t *testing.T) {
	cases := map[string]string{
		`{a="b"} | json | level="error" |= "db"`:                            `{a="b"} |= "db" | json | level="error"`,
		`{a="b"} |= "x" | logfmt != "y"`:                                    `{a="b"} |= "x" != "y" | logfmt`,
		`{a="b"} | json | line_format "{{.msg}}" |= "db"`:                   "",
		`{a="b"} |= "db" | json`:                                            "",
		`{a="b"} | json`:                                                    "",
		`count_over_time({a="b"} | json | x="1" |= "boom" [5m])`:            `count_over_time({a="b"} |= "boom" | json | x="1" [5m])`,
		`{a="b"} | pattern "<ip> <_>" | ip="10.0.0.1" |~ "GET|POST" != "x"`: `{a="b"} |~ "GET|POST" != "x" | pattern "<ip> <_>" | ip="10.0.0.1"`,
	}
	for q, want := range cases {
		got, ok := Cheaper(q)
		if want == "" {
			if ok {
				t.Errorf("%s: moved to %s", q, got)
			}
			continue
		}
		if !ok || got != want {
			t.Errorf("%s:\n got %s (%v)\nwant %s", q, got, ok, want)
		}
	}
}

func TestSlowHintOnlyForTimeouts(t *testing.T) {
	timeout := fmt.Errorf("loki: query_range: no answer within 10s: %w", context.DeadlineExceeded)
	gateway := &loki.HTTPError{StatusCode: 504, Status: "504 Gateway Timeout"}
	cases := []struct {
		q    string
		err  error
		want string
	}{
		{`{a="b"} | json`, errors.New("loki: 400 Bad Request: parse error"), ""},
		{`{a="b"} | json`, nil, ""},
		{`{a="b"} | json | x="1" |= "boom"`, timeout, `Loki did not answer in time: | json parses every line of {a="b"} before any filter; try {a="b"} |= "boom" | json | x="1"`},
		{`{a="b"} | json | level=~"(?i)(error)"`, gateway, `Loki did not answer in time: | json parses every line of {a="b"} before any filter; try a line filter before it (|= "…"), or the errors key, which needs no parser`},
		{`{app=~".+"} |= "x"`, timeout, `Loki did not answer in time: {app=~".+"} selects every stream it allows; add an exact matcher`},
		{`{app="a"} |~ "x.*y"`, timeout, "Loki did not answer in time: the regex line filter reads every line of the window; narrow the window or use |= with a plain string"},
		{`{app="a"}`, timeout, "Loki did not answer in time: the window holds more lines than Loki reads within the timeout; narrow the window"},
	}
	for _, tc := range cases {
		if got := SlowHint(tc.q, tc.err); got != tc.want {
			t.Errorf("%s (%v):\n got %q\nwant %q", tc.q, tc.err, got, tc.want)
		}
	}
}

func TestTraceQueryPutsTheLineFilterFirst(t *testing.T) {
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	cases := map[string]string{
		`{env="prod"}`:                        `{env="prod"} |= "` + id + `"`,
		`{env="prod"} | json | app="crm"`:     `{env="prod"} |= "` + id + `" | json | app="crm"`,
		`  {service_name=~".+"} != "healthz"`: `{service_name=~".+"} |= "` + id + `" != "healthz"`,
	}
	for sel, want := range cases {
		if got := TraceQuery(sel, id); got != want {
			t.Errorf("%s:\n got %s\nwant %s", sel, got, want)
		}
	}
}

// FuzzParseShape: any query is taken apart without panicking, and a shape
// put back together parses to the same selector and stage kinds.
func FuzzParseShape(f *testing.F) {
	for _, s := range []string{
		`{a="b"} |= "x" | json | level="error"`,
		`sum(rate({a=~"x|y"} | logfmt | unwrap d [5m])) by (a)`,
		"{a=`}`} != \"{\" | pattern \"<x> <_>\"",
		`{a="b"} | json != "x" | status != 200`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		sh, err := ParseShape(q)
		if err != nil {
			return
		}
		again, err := ParseShape(sh.String())
		if err != nil {
			t.Fatalf("%q re-rendered as %q: %v", q, sh.String(), err)
		}
		if again.Selector != sh.Selector || kinds(again) != kinds(sh) {
			t.Fatalf("%q: %s %s, then %s %s", q, sh.Selector, kinds(sh), again.Selector, kinds(again))
		}
		_, _ = Cheaper(q)
		_, _ = LikelySlow(q)
	})
}
