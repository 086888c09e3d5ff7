package logql

import (
	"slices"
	"testing"
)

func TestAnalyze(t *testing.T) {
	cases := []struct {
		name    string
		q       string
		cost    Cost
		slow    int
		verdict string
		cheaper string
	}{
		{"issue 15's slow errors filter",
			`{service_name="conectcrm-backend"} | json | level=~"(?i)(error|err|warning)" or detected_level=~"(?i)(error|warn)"`,
			ParsesAll, 0, "the parser | json runs before any line filter: every line of the selected streams is parsed", ""},
		{"selector only", `{service_name="conectcrm-backend", level=~"error|warn"}`,
			Cheap, -1, "only a stream selector: Loki reads the selected streams and nothing more", ""},
		{"structured metadata filter", `{service_name="conectcrm-backend"} | detected_level=~"error|warn"`,
			Cheap, -1, "no parser: Loki selects the streams and filters their lines, the cheapest kind of query", ""},
		{"line filter first", `{a="b"} |= "timeout" | json | level="error"`,
			ParsesFiltered, -1, `line filters run before the parser | json: only the lines they keep are parsed`, ""},
		{"a line filter after the parser moves before it", `{a="b"} | json | level="error" |= "timeout" | line_format "{{.msg}}"`,
			ParsesAll, 0, "the parser | json runs before any line filter: every line of the selected streams is parsed",
			`{a="b"} |= "timeout" | json | level="error" | line_format "{{.msg}}"`},
		{"not across line_format, which rewrites the line", `{a="b"} | json | line_format "{{.msg}}" |= "timeout"`,
			ParsesAll, 0, "the parser | json runs before any line filter: every line of the selected streams is parsed", ""},
		{"not across unpack, which replaces the line", `{a="b"} | unpack |= "timeout"`,
			ParsesAll, 0, "the parser | unpack runs before any line filter: every line of the selected streams is parsed", ""},
		{"not across decolorize", `{a="b"} | decolorize | logfmt |= "x"`,
			ParsesAll, 1, "the parser | logfmt runs before any line filter: every line of the selected streams is parsed",
			`{a="b"} | decolorize |= "x" | logfmt`},
		{"a label filter on a label the parser does not extract", `{a="b"} | json user="ctx.user" | region="eu" | user="ana"`,
			ParsesAll, 0, `the parser | json user="ctx.user" runs before any line filter: every line of the selected streams is parsed`,
			`{a="b"} | region="eu" | json user="ctx.user" | user="ana"`},
		{"a label filter on a label every stream carries", `{service_name="crm"} | json | service_name="crm"`,
			ParsesAll, 0, "the parser | json runs before any line filter: every line of the selected streams is parsed",
			`{service_name="crm"} | service_name="crm" | json`},
		{"a filter on __error__ stays", `{a="b"} | json a="x" | __error__=""`,
			ParsesAll, 0, `the parser | json a="x" runs before any line filter: every line of the selected streams is parsed`, ""},
		{"a regex without regex syntax", `{a="b"} |~ "connection refused" !~ "healthz" or "ready"`,
			Cheap, -1, "no parser: Loki selects the streams and filters their lines, the cheapest kind of query",
			`{a="b"} |= "connection refused" != "healthz" or "ready"`},
		{"a real regex stays", "{a=\"b\"} |~ `timeout after \\d+ms` |~ \"(?i)error\"",
			Cheap, -1, "no parser: Loki selects the streams and filters their lines, the cheapest kind of query", ""},
		{"both", `{a="b"} | logfmt | level="error" |~ "timeout"`,
			ParsesAll, 0, "the parser | logfmt runs before any line filter: every line of the selected streams is parsed",
			`{a="b"} |= "timeout" | logfmt | level="error"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Analyze(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if a.Cost != tc.cost || a.Slow != tc.slow || a.Verdict != tc.verdict {
				t.Errorf("got %v, slow %d, %q\nwant %v, slow %d, %q", a.Cost, a.Slow, a.Verdict, tc.cost, tc.slow, tc.verdict)
			}
			if a.Cheaper != tc.cheaper {
				t.Errorf("cheaper = %s\n   want %s", a.Cheaper, tc.cheaper)
			}
			if (a.Cheaper == "") != (len(a.Advice) == 0) {
				t.Errorf("cheaper %q with advice %q", a.Cheaper, a.Advice)
			}
			if a.Cheaper != "" {
				// The cheaper form is a log query of the same stages.
				c, err := ParseLogQuery(a.Cheaper)
				if err != nil {
					t.Fatalf("cheaper form does not parse: %v", err)
				}
				if len(c.Stages) != len(a.Query.Stages) {
					t.Errorf("cheaper form has %d stages, the query %d", len(c.Stages), len(a.Query.Stages))
				}
			}
		})
	}
}

func TestAnalyzeStages(t *testing.T) {
	a, err := Analyze(`{a="b"} |= "x" | json | level="error" | line_format "{{.msg}}" | label_format a=b | decolorize | drop c | keep d | logfmt --strict | regexp "(?P<x>.)" | pattern "<y>" | unpack`)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, s := range a.Query.Stages {
		kinds = append(kinds, s.Kind.String())
	}
	want := []string{"line filter", "parser", "label filter", "line_format", "label_format", "decolorize", "drop", "keep", "parser", "parser", "parser", "parser"}
	if !slices.Equal(kinds, want) {
		t.Errorf("kinds = %v\nwant %v", kinds, want)
	}
	st := a.Query.Stages
	if !st[1].AnyLabel || !st[8].AnyLabel || !slices.Equal(st[9].Labels, []string{"x"}) || !slices.Equal(st[10].Labels, []string{"y"}) || !st[11].AnyLabel {
		t.Errorf("parser labels: %+v", st)
	}
	if !slices.Equal(st[4].Labels, []string{"a", "b"}) || !slices.Equal(st[8].Flags, []string{"--strict"}) {
		t.Errorf("label_format or logfmt: %+v %+v", st[4], st[8])
	}
}

func TestAnalyzeErrors(t *testing.T) {
	for q, want := range map[string]string{
		`count_over_time({a="b"}[5m])`: `logql: line 1, col 1: unexpected "count_over_time", expected a stream selector {…}`,
		`{a="b"} | json [5m]`:          `logql: line 1, col 16: a range "[5m]" belongs in a metric query's range aggregation, not in a log query`,
		``:                             "logql: empty log query",
	} {
		if _, err := Analyze(q); err == nil || err.Error() != want {
			t.Errorf("Analyze(%q) = %v, want %s", q, err, want)
		}
	}
}

func TestAnalyzeOneLine(t *testing.T) {
	a, err := Analyze("{a=\"b\"} | regexp `(?P<x>a)\n\x1b` |~ \"x\"")
	if err != nil {
		t.Fatal(err)
	}
	want := `the parser | regexp ` + "`(?P<x>a) \\x1b`" + ` runs before any line filter: every line of the selected streams is parsed`
	if a.Verdict != want {
		t.Errorf("verdict %q\n   want %q", a.Verdict, want)
	}
	if len(a.Advice) != 2 || a.Advice[0] != `move |~ "x" before | regexp `+"`(?P<x>a) \\x1b`"+`: a line filter that does not depend on the parser should run first, so fewer lines are parsed` {
		t.Errorf("advice %q", a.Advice)
	}
}

func TestNames(t *testing.T) {
	if Cheap.String() != "cheap" || ParsesFiltered.String() != "parses filtered lines" || ParsesAll.String() != "parses every line" {
		t.Error("Cost names")
	}
	if StageKind(0).String() != "stage(0)" || LineFilter.String() != "line filter" {
		t.Error("StageKind names")
	}
	a, err := Analyze(`{a="b"} |= "x" | json`)
	if err != nil || a.Query.Stages[0].String() != `|= "x"` || a.Query.Stages[1].String() != "| json" {
		t.Errorf("stage text: %v %v", a.Query.Stages, err)
	}
}
