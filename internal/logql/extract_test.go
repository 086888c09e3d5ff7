package logql

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// wantQ is what a test expects of one extracted log query.
type wantQ struct {
	query    string
	fn       string
	rng, off time.Duration
	unwrap   string
	grouping string // Grouping steps joined by "; ", innermost first
}

func groupingString(gs []Grouping) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = g.String()
	}
	return strings.Join(parts, "; ")
}

func cmpString(c *Comparison) string {
	if c == nil {
		return ""
	}
	s := c.Op + " "
	if c.Bool {
		s += "bool "
	}
	return s + strconv.FormatFloat(c.Threshold, 'g', -1, 64)
}

// extractCases are real-world alert expressions: the examples of Loki's
// metric queries, query examples and LogQL reference pages, and the kinds
// of alerts the seed's ruler has; then the corners of the grammar.
var extractCases = []struct {
	name string
	expr string
	want []wantQ
	cmp  string
}{
	// the string match
	{"string match", `sum by (service_name) (count_over_time({service_name="conectcrm-backend"} |= "too many clients" [1m])) > 5`,
		[]wantQ{{`{service_name="conectcrm-backend"} |= "too many clients"`, "count_over_time", time.Minute, 0, "", "sum by (service_name)"}}, "> 5"},
	{"error burst", `sum by (service_name) (count_over_time({service_name="conectcrm-backend"} | json | level="error" [5m])) > 10`,
		[]wantQ{{`{service_name="conectcrm-backend"} | json | level="error"`, "count_over_time", 5 * time.Minute, 0, "", "sum by (service_name)"}}, "> 10"},
	{"missing heartbeat", `absent_over_time({job="cron"} |= "heartbeat" [15m])`,
		[]wantQ{{`{job="cron"} |= "heartbeat"`, "absent_over_time", 15 * time.Minute, 0, "", "absent_over_time by (job)"}}, ""},
	{"rate by label", `sum by (host) (rate({job="mysql"} |= "error" != "timeout" | json | duration > 10s [1m]))`,
		[]wantQ{{`{job="mysql"} |= "error" != "timeout" | json | duration > 10s`, "rate", time.Minute, 0, "", "sum by (host)"}}, ""},
	{"docs count", `count_over_time({job="mysql"}[5m])`,
		[]wantQ{{`{job="mysql"}`, "count_over_time", 5 * time.Minute, 0, "", ""}}, ""},
	{"docs offset", `count_over_time({job="mysql"}[5m] offset 5m)`,
		[]wantQ{{`{job="mysql"}`, "count_over_time", 5 * time.Minute, 5 * time.Minute, "", ""}}, ""},
	{"docs quantile unwrap", `quantile_over_time(0.99,
  {cluster="ops-tools1",container="ingress-nginx"}
    | json
    | __error__ = ""
    | unwrap request_time [1m]) by (path)`,
		[]wantQ{{`{cluster="ops-tools1", container="ingress-nginx"} | json | __error__=""`, "quantile_over_time", time.Minute, 0, "request_time", "quantile_over_time by (path)"}}, ""},
	{"docs sum_over_time", `sum by (org_id) (
  sum_over_time(
  {cluster="ops-tools1",container="loki-dev"}
      |= "metrics.go"
      | logfmt
      | unwrap bytes_processed [1m])
  )`,
		[]wantQ{{`{cluster="ops-tools1", container="loki-dev"} |= "metrics.go" | logfmt`, "sum_over_time", time.Minute, 0, "bytes_processed", "sum by (org_id)"}}, ""},
	{"docs topk", `topk(10,sum(rate({region="us-east1"}[5m])) by (name))`,
		[]wantQ{{`{region="us-east1"}`, "rate", 5 * time.Minute, 0, "", "sum by (name); topk"}}, ""},
	{"docs grouping after", `sum(count_over_time({job="mysql"}[5m])) by (level)`,
		[]wantQ{{`{job="mysql"}`, "count_over_time", 5 * time.Minute, 0, "", "sum by (level)"}}, ""},
	{"docs parenthesised log query", `avg(rate(({job="nginx"} |= "GET" | json | path="/home")[10s])) by (region)`,
		[]wantQ{{`{job="nginx"} |= "GET" | json | path="/home"`, "rate", 10 * time.Second, 0, "", "avg by (region)"}}, ""},
	{"docs ratio of two aggregations", `sum(rate({app="foo", level="warn"}[1m])) / sum(rate({app="foo", level="error"}[1m]))`,
		[]wantQ{
			{`{app="foo", level="warn"}`, "rate", time.Minute, 0, "", "sum by ()"},
			{`{app="foo", level="error"}`, "rate", time.Minute, 0, "", "sum by ()"},
		}, ""},
	{"docs and", `rate({app=~"foo|bar"}[1m]) and rate({app="bar"}[1m])`,
		[]wantQ{{`{app=~"foo|bar"}`, "rate", time.Minute, 0, "", ""}, {`{app="bar"}`, "rate", time.Minute, 0, "", ""}}, ""},
	{"docs bool", `count_over_time({foo="bar"}[1m]) > bool 10`,
		[]wantQ{{`{foo="bar"}`, "count_over_time", time.Minute, 0, "", ""}}, "> bool 10"},
	{"docs vector comparison", `sum without(app) (count_over_time({app="foo"}[1m])) > sum without(app) (count_over_time({app="bar"}[1m]))`,
		[]wantQ{
			{`{app="foo"}`, "count_over_time", time.Minute, 0, "", "sum without (app)"},
			{`{app="bar"}`, "count_over_time", time.Minute, 0, "", "sum without (app)"},
		}, ""},
	{"docs ignoring", `max by(machine) (count_over_time({app="foo"}[1m])) > bool ignoring(machine) avg(count_over_time({app="foo"}[1m]))`,
		[]wantQ{
			{`{app="foo"}`, "count_over_time", time.Minute, 0, "", "max by (machine); ignoring(machine)"},
			{`{app="foo"}`, "count_over_time", time.Minute, 0, "", "avg by (); ignoring(machine)"},
		}, ""},
	{"docs group_left", `sum by (user, namespace) (
  rate({job="events"} | logfmt | discarded="true" [5m])
)
* on (user) group_left(organization)
max_over_time({job="cost-calculator"} | logfmt | unwrap cost [5m]) by (user, organization)`,
		[]wantQ{
			{`{job="events"} | logfmt | discarded="true"`, "rate", 5 * time.Minute, 0, "", "sum by (user, namespace); group_left(organization)"},
			{`{job="cost-calculator"} | logfmt`, "max_over_time", 5 * time.Minute, 0, "cost", "max_over_time by (user, organization); on(user, organization)"},
		}, ""},
	{"docs label_replace", `label_replace(rate({job="api-server",service="a:c"} |= "err" [1m]), "foo", "$1",
  "service", "(.*):.*")`,
		[]wantQ{{`{job="api-server", service="a:c"} |= "err"`, "rate", time.Minute, 0, "", "label_replace(foo)"}}, ""},
	{"docs vector(0)", `sum(count_over_time({namespace="traefik"}[5m])) # will return nothing
  or
vector(0) # will return 0`,
		[]wantQ{{`{namespace="traefik"}`, "count_over_time", 5 * time.Minute, 0, "", "sum by ()"}}, ""},
	{"quantile by route", `quantile_over_time(0.99, {service_name="conectcrm-backend"} | json | unwrap duration_ms [5m]) by (route)`,
		[]wantQ{{`{service_name="conectcrm-backend"} | json`, "quantile_over_time", 5 * time.Minute, 0, "duration_ms", "quantile_over_time by (route)"}}, ""},
	{"bytes_rate", `sum by (service_name) (bytes_rate({env="prod"}[5m])) > 1048576`,
		[]wantQ{{`{env="prod"}`, "bytes_rate", 5 * time.Minute, 0, "", "sum by (service_name)"}}, "> 1.048576e+06"},
	{"bytes_over_time", `sum(bytes_over_time({env="prod"} |= "upload" [1h])) >= 1e9`,
		[]wantQ{{`{env="prod"} |= "upload"`, "bytes_over_time", time.Hour, 0, "", "sum by ()"}}, ">= 1e+09"},
	{"unwrap duration() and an error filter after it", `avg_over_time({app="x"} | logfmt | unwrap duration(latency) | __error__="" [5m]) by (route) > 2`,
		[]wantQ{{`{app="x"} | logfmt`, "avg_over_time", 5 * time.Minute, 0, "duration(latency)", "avg_over_time by (route)"}}, "> 2"},
	{"unwrap bytes() and a line-selecting filter after it", `sum by (app) (sum_over_time({app="x"} | json | unwrap bytes(size) | route="/upload" [5m]))`,
		[]wantQ{{`{app="x"} | json | route="/upload"`, "sum_over_time", 5 * time.Minute, 0, "bytes(size)", "sum by (app)"}}, ""},
	{"rate of an unwrapped label", `rate({app="x"} | logfmt | unwrap duration_seconds(took) [1m])`,
		[]wantQ{{`{app="x"} | logfmt`, "rate", time.Minute, 0, "duration_seconds(took)", ""}}, ""},
	{"range before the pipeline", `count_over_time({app="x"}[5m] |= "panic" | json)`,
		[]wantQ{{`{app="x"} |= "panic" | json`, "count_over_time", 5 * time.Minute, 0, "", ""}}, ""},
	{"range and offset before the pipeline", `count_over_time({app="x"}[5m] offset 10m |= "panic")`,
		[]wantQ{{`{app="x"} |= "panic"`, "count_over_time", 5 * time.Minute, 10 * time.Minute, "", ""}}, ""},
	{"braces and pipes in strings", "count_over_time({app=\"x\"} |= \"a{b}|c [1m])\" |~ `\\d+ms` [1m])",
		[]wantQ{{"{app=\"x\"} |= \"a{b}|c [1m])\" |~ `\\d+ms`", "count_over_time", time.Minute, 0, "", ""}}, ""},
	{"escapes in strings", `count_over_time({app="x\"}"} |= "say \"hi\" \\ # not a comment" [1m])`,
		[]wantQ{{`{app="x\"}"} |= "say \"hi\" \\ # not a comment"`, "count_over_time", time.Minute, 0, "", ""}}, ""},
	{"line_format", `sum by (level) (count_over_time({app="x"} | json | line_format "{{.msg}} {{ .level }}" |= "timeout" [5m]))`,
		[]wantQ{{`{app="x"} | json | line_format "{{.msg}} {{ .level }}" |= "timeout"`, "count_over_time", 5 * time.Minute, 0, "", "sum by (level)"}}, ""},
	{"label_format with a pipe in the template", "count_over_time({app=\"x\"} | logfmt | label_format dst=src, msg2=`{{.msg | ToUpper}}` [5m])",
		[]wantQ{{"{app=\"x\"} | logfmt | label_format dst=src, msg2=`{{.msg | ToUpper}}`", "count_over_time", 5 * time.Minute, 0, "", ""}}, ""},
	{"json parameters", `count_over_time({app="x"} | json first_server="servers[0]", ua="request.headers[\"User-Agent\"]", servers [5m])`,
		[]wantQ{{`{app="x"} | json first_server="servers[0]", ua="request.headers[\"User-Agent\"]", servers`, "count_over_time", 5 * time.Minute, 0, "", ""}}, ""},
	{"logfmt flags", `count_over_time({app="x"} | logfmt --strict --keep-empty host, fwd_ip="fwd" [5m])`,
		[]wantQ{{`{app="x"} | logfmt --strict --keep-empty host, fwd_ip="fwd"`, "count_over_time", 5 * time.Minute, 0, "", ""}}, ""},
	{"negative matchers and filters", `count_over_time({app!="y", env=~"prod|staging", tier!~"dev.*"} != "healthz" !~ "GET /(metrics|ready)" [5m])`,
		[]wantQ{{`{app!="y", env=~"prod|staging", tier!~"dev.*"} != "healthz" !~ "GET /(metrics|ready)"`, "count_over_time", 5 * time.Minute, 0, "", ""}}, ""},
	{"ip filters", `count_over_time({app="x"} |= ip("192.168.4.5/16") | logfmt | addr = ip("10.0.0.0/8") or addr != ip("::1") [5m])`,
		[]wantQ{{`{app="x"} |= ip("192.168.4.5/16") | logfmt | addr=ip("10.0.0.0/8") or addr!=ip("::1")`, "count_over_time", 5 * time.Minute, 0, "", ""}}, ""},
	{"or in a line filter", `sum(count_over_time({app="x"} |= "error" or "fatal" != "expected" or "ignored" [5m])) > 0`,
		[]wantQ{{`{app="x"} |= "error" or "fatal" != "expected" or "ignored"`, "count_over_time", 5 * time.Minute, 0, "", "sum by ()"}}, "> 0"},
	{"label filter forms", `count_over_time({app="x"} | logfmt | duration >= 20ms or size == 20KB  method!~"2.." | (a="1", b=~"x|y") and c > -1.5 | __error__!="" [5m])`,
		[]wantQ{{`{app="x"} | logfmt | duration >= 20ms or size == 20KB method!~"2.." | (a="1", b=~"x|y") and c > -1.5 | __error__!=""`, "count_over_time", 5 * time.Minute, 0, "", ""}}, ""},
	{"comments and lines", "sum by (app) ( # per app\n  count_over_time(\n    {app=\"x\"} # the stream\n    |= \"a#b\" # a hash in a string is no comment\n    [5m]\n  )\n) > 1 # threshold",
		[]wantQ{{`{app="x"} |= "a#b"`, "count_over_time", 5 * time.Minute, 0, "", "sum by (app)"}}, "> 1"},
	{"compound and day durations", `rate({app="x"}[1h30m] offset 1d) + rate({app="x"}[1.5h] offset 2w)`,
		[]wantQ{{`{app="x"}`, "rate", 90 * time.Minute, 24 * time.Hour, "", ""}, {`{app="x"}`, "rate", 90 * time.Minute, 14 * 24 * time.Hour, "", ""}}, ""},
	{"nested parentheses and a constant threshold", `((sum by (a) ((count_over_time(((({app="x"})))[5m]))))) >= (2 * 3)`,
		[]wantQ{{`{app="x"}`, "count_over_time", 5 * time.Minute, 0, "", "sum by (a)"}}, ">= 6"},
	{"threshold written first", `10 < sum(count_over_time({a="b"}[5m]))`,
		[]wantQ{{`{a="b"}`, "count_over_time", 5 * time.Minute, 0, "", "sum by ()"}}, "> 10"},
	{"bottomk by", `bottomk by (route) (3, sum by (route) (rate({app="x"}[5m])))`,
		[]wantQ{{`{app="x"}`, "rate", 5 * time.Minute, 0, "", "sum by (route); bottomk"}}, ""},
	{"approx_topk and sort_desc", `sort_desc(approx_topk(5, sum by (path) (count_over_time({app="x"}[5m]))))`,
		[]wantQ{{`{app="x"}`, "count_over_time", 5 * time.Minute, 0, "", "sum by (path); approx_topk; sort_desc"}}, ""},
	{"pattern, decolorize, drop and keep", `count_over_time({app="x"} | decolorize | pattern "<ip> - <_> \"<method> <uri> <_>\" <status>" | status >= 500 | drop ip | keep method, status, uri="/x" [5m])`,
		[]wantQ{{`{app="x"} | decolorize | pattern "<ip> - <_> \"<method> <uri> <_>\" <status>" | status >= 500 | drop ip | keep method, status, uri="/x"`, "count_over_time", 5 * time.Minute, 0, "", ""}}, ""},
	{"regexp parser", `count_over_time({job="security"} |~ "Invalid user.*" | regexp "(^(?P<user>\\S+ {1,2}){8})" [5m])`,
		[]wantQ{{`{job="security"} |~ "Invalid user.*" | regexp "(^(?P<user>\\S+ {1,2}){8})"`, "count_over_time", 5 * time.Minute, 0, "", ""}}, ""},
	{"pattern line filter", "count_over_time({service_name=`distributor`} |> `<_> caller=http.go:194 level=debug <_>` !> \"<_> msg=ok\" [5m])",
		[]wantQ{{"{service_name=`distributor`} |> `<_> caller=http.go:194 level=debug <_>` !> \"<_> msg=ok\"", "count_over_time", 5 * time.Minute, 0, "", ""}}, ""},
	{"first_over_time and stddev_over_time", `first_over_time({a="b"} | json | unwrap x [5m]) by (a) - stddev_over_time({a="b"} | json | unwrap x [5m]) without (pod)`,
		[]wantQ{
			{`{a="b"} | json`, "first_over_time", 5 * time.Minute, 0, "x", "first_over_time by (a)"},
			{`{a="b"} | json`, "stddev_over_time", 5 * time.Minute, 0, "x", "stddev_over_time without (pod)"},
		}, ""},
	{"equals zero", `sum by (job) (count_over_time({job="backup"} |= "done" [1d])) == 0`,
		[]wantQ{{`{job="backup"} |= "done"`, "count_over_time", 24 * time.Hour, 0, "", "sum by (job)"}}, "== 0"},
	{"unless with on", `sum by (job) (count_over_time({job="cron"} |= "start" [1h])) unless on (job) sum by (job) (count_over_time({job="cron"} |= "done" [1h]))`,
		[]wantQ{
			{`{job="cron"} |= "start"`, "count_over_time", time.Hour, 0, "", "sum by (job)"},
			{`{job="cron"} |= "done"`, "count_over_time", time.Hour, 0, "", "sum by (job); on(job)"},
		}, ""},
	{"arithmetic precedence keeps the comparison on top", `sum(rate({a="b"} |= "x" [1m])) / sum(rate({a="b"}[1m])) * 100 > 5`,
		[]wantQ{{`{a="b"} |= "x"`, "rate", time.Minute, 0, "", "sum by ()"}, {`{a="b"}`, "rate", time.Minute, 0, "", "sum by ()"}}, "> 5"},
	{"constant arithmetic in the threshold, ^ to the right", `sum(count_over_time({a="b"}[5m])) > 2 ^ 3 ^ 2 / 64 - 1`,
		[]wantQ{{`{a="b"}`, "count_over_time", 5 * time.Minute, 0, "", "sum by ()"}}, "> 7"},
	{"comparisons are left-associative: exponent and signs", `rate({a="b"}[1m]) < 1e-3 != bool -5 + 10 % 4`,
		[]wantQ{{`{a="b"}`, "rate", time.Minute, 0, "", ""}}, "!= bool -3"},
	{"a scalar comparison as the threshold", `rate({a="b"}[1m]) * (2 > 1) <= +0.5`,
		[]wantQ{{`{a="b"}`, "rate", time.Minute, 0, "", ""}}, "<= 0.5"},
	{"group_right", `sum by (app) (rate({job="b"}[5m])) * on (app) group_right(tier) sum by (app, status) (rate({job="a"}[5m]))`,
		[]wantQ{
			{`{job="b"}`, "rate", 5 * time.Minute, 0, "", "sum by (app); on(app, tier)"},
			{`{job="a"}`, "rate", 5 * time.Minute, 0, "", "sum by (app, status); group_right(tier)"},
		}, ""},
	{"ignoring with group_left", `sum by (a, b) (rate({job="a"}[5m])) / ignoring (b) group_left sum by (a) (rate({job="b"}[5m]))`,
		[]wantQ{
			{`{job="a"}`, "rate", 5 * time.Minute, 0, "", "sum by (a, b)"},
			{`{job="b"}`, "rate", 5 * time.Minute, 0, "", "sum by (a); ignoring(b)"},
		}, ""},
	{"keywords as label names in a filter", `count_over_time({a="b"} | json | json="x" | by="y" [5m])`,
		[]wantQ{{`{a="b"} | json | json="x" | by="y"`, "count_over_time", 5 * time.Minute, 0, "", ""}}, ""},
}

func TestExtract(t *testing.T) {
	if len(extractCases) < 25 {
		t.Fatalf("only %d cases", len(extractCases))
	}
	for _, tc := range extractCases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Extract(tc.expr)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if len(m.Queries) != len(tc.want) {
				t.Fatalf("got %d queries, want %d: %v", len(m.Queries), len(tc.want), m.Queries)
			}
			for i, w := range tc.want {
				q := m.Queries[i]
				if got := q.String(); got != w.query {
					t.Errorf("query %d = %s\n                want %s", i, got, w.query)
				}
				if q.Func != w.fn || q.Range != w.rng || q.Offset != w.off || q.Unwrap != w.unwrap {
					t.Errorf("query %d: func %s range %v offset %v unwrap %q, want %s %v %v %q", i, q.Func, q.Range, q.Offset, q.Unwrap, w.fn, w.rng, w.off, w.unwrap)
				}
				if got := groupingString(q.Grouping); got != w.grouping {
					t.Errorf("query %d grouping = %q, want %q", i, got, w.grouping)
				}
				// The query is LogQL a log query endpoint takes: it parses
				// again, to the same text.
				back, err := ParseLogQuery(q.String())
				if err != nil {
					t.Errorf("query %d does not parse as a log query: %v", i, err)
				} else if back.String() != q.String() {
					t.Errorf("query %d reparses to %s", i, back.String())
				}
			}
			if got := cmpString(m.Comparison); got != tc.cmp {
				t.Errorf("comparison = %q, want %q", got, tc.cmp)
			}
		})
	}
}

func TestComparisonExpr(t *testing.T) {
	m, err := Extract("sum by (service_name) (count_over_time({service_name=\"conectcrm-backend\"} |= \"too many clients\" [1m]))\n  > 5 # five a minute")
	if err != nil {
		t.Fatal(err)
	}
	want := `sum by (service_name) (count_over_time({service_name="conectcrm-backend"} |= "too many clients" [1m]))`
	if m.Comparison == nil || m.Comparison.Expr != want {
		t.Fatalf("comparison = %+v, want the metric side %s", m.Comparison, want)
	}
	m, err = Extract(`0.5 <= (rate({a="b"}[1m]))`)
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Comparison; c == nil || c.Op != ">=" || c.Threshold != 0.5 || c.Expr != `(rate({a="b"}[1m]))` {
		t.Fatalf("comparison = %+v", c)
	}
	if m.TopOp != "<=" {
		t.Errorf("top operator %q, want <= (parentheses looked through)", m.TopOp)
	}
	for _, tc := range []struct{ expr, top string }{
		{`sum(count_over_time({a="b"}[1m])) > 5 or vector(0)`, "or"},
		{`(sum(count_over_time({a="b"}[1m])) > 5 and sum(count_over_time({a="c"}[1m])) > 1)`, "and"},
		{`sum(count_over_time({a="b"}[1m])) > sum(count_over_time({a="c"}[1m]))`, ">"},
		{`sum(count_over_time({a="b"}[1m])) * 5`, "*"},
		{`sum(count_over_time({a="b"}[1m]))`, ""},
	} {
		m, err := Extract(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		if m.Comparison != nil {
			t.Errorf("%s: comparison %+v, want none", tc.expr, m.Comparison)
		}
		if m.TopOp != tc.top {
			t.Errorf("%s: top operator %q, want %q", tc.expr, m.TopOp, tc.top)
		}
	}
}

func TestExtractErrors(t *testing.T) {
	cases := []struct{ expr, want string }{
		{``, "logql: empty expression"},
		{"  # only a comment\n", "logql: empty expression"},
		{`{app="x"} |= "y"`, "logql: line 1, col 1: a log query, not a metric expression: it needs a range aggregation such as count_over_time(… [5m])"},
		{`count_over_time({app="x"} |= "y")`, `logql: line 1, col 33: unexpected ")", expected a range such as [5m] at the end of the log query`},
		{`count_over_time({app="x"} |= "y [1m])`, `logql: line 1, col 30: string not closed: missing "`},
		{"count_over_time({app=\"x\"} |= \"y\n\" [1m])", `logql: line 1, col 30: string not closed before the end of the line: missing "`},
		{"count_over_time({app=\"x\"} |= `y [1m])", "logql: line 1, col 30: string not closed: missing `"},
		{`count_over_time({app="x"} |= "\q" [1m])`, `logql: line 1, col 30: invalid escape in string "\"\\q\""`},
		{`sum_over_time({app="x"}[5m])`, "logql: line 1, col 15: sum_over_time aggregates a label's values: it needs | unwrap label before the range"},
		{`count_over_time({app="x"} | json | unwrap x [5m])`, "logql: line 1, col 17: count_over_time counts lines or bytes: it takes no | unwrap"},
		{`sum_over_time({app="x"} | unwrap x | json [5m])`, "logql: line 1, col 36: only label filters may follow | unwrap, not a parser"},
		{`count_over_time({}[5m])`, "logql: line 1, col 17: empty stream selector {}: Loki needs at least one matcher"},
		{`count_over_time({job="mysql"}[5m]) offset 5m`, `logql: line 1, col 36: unexpected "offset", expected an operator or the end of the expression`},
		{`count_over_time({app="x"}[-5m])`, `logql: line 1, col 26: invalid range "[-5m]": a duration has no sign`},
		{`count_over_time({app="x"}[5q])`, `logql: line 1, col 26: invalid range "[5q]": not a duration: a number and a unit (ms, s, m, h, d, w, y) such as 5m or 1h30m`},
		{`count_over_time({app="x"}[0s])`, `logql: line 1, col 26: invalid range "[0s]": it must be longer than 0`},
		{`count_over_time({app="x"}[5m`, "logql: line 1, col 26: range not closed: missing ]"},
		{`rate({app="x"}[5m] offset)`, `logql: line 1, col 26: unexpected ")", expected a duration such as 5m after offset`},
		{`foo({app="x"}[5m])`, `logql: line 1, col 1: unknown function "foo"`},
		{`vector(1) + 1`, "logql: line 1, col 1: no log query in the expression: nothing to take apart"},
		{`sum(count_over_time({app="x"}[5m])`, `logql: line 1, col 35: unexpected end of input, expected ")"`},
		{`count_over_time({app="x"} |~ "(" [5m])`, "logql: line 1, col 30: invalid regular expression: error parsing regexp: missing closing ): `(`"},
		{`quantile_over_time({a="b"} | unwrap x [5m])`, `logql: line 1, col 20: unexpected "{", expected a number`},
		{`topk(sum(count_over_time({a="b"}[5m])))`, `logql: line 1, col 6: unexpected "sum", expected a number`},
		{`sum(5, count_over_time({a="b"}[5m]))`, "logql: line 1, col 5: sum takes no parameter"},
		{`count_over_time({app="x"} | frobnicate [5m])`, `logql: line 1, col 29: unknown pipeline stage "frobnicate": expected json, logfmt, regexp, pattern, unpack, line_format, label_format, decolorize, drop, keep or a label filter`},
		{`sum by (a) (count_over_time({a="b"}[5m])) by (a)`, "logql: line 1, col 43: sum is grouped twice"},
		{`count_over_time({a="b"} | logfmt --fast [5m])`, `logql: line 1, col 34: unknown logfmt flag "--fast": --strict or --keep-empty`},
		{`count_over_time({a="b"} |~ ip("1.2.3.4") [5m])`, "logql: line 1, col 28: ip(…) line filters take only |= and !="},
		{`count_over_time({a="b"} | x > "y" [5m])`, "logql: line 1, col 29: > compares numbers, durations or bytes, not strings"},
		{`count_over_time({a="b"} | x > 5q [5m])`, `logql: line 1, col 31: "5q" is not a number, a duration (300ms, 1h30m) or a byte size (20MB, 1.5KiB)`},
		{`count_over_time({a="b"} | unwrap x [5m])`, "logql: line 1, col 17: count_over_time counts lines or bytes: it takes no | unwrap"},
		{`sum(count_over_time({a="b"}[5m])) and bool sum(count_over_time({a="b"}[5m]))`, "logql: line 1, col 39: bool goes only after a comparison operator"},
		{`sum(count_over_time({a="b"}[5m])) / group_left sum(count_over_time({a="b"}[5m]))`, "logql: line 1, col 37: group_left needs on(…) or ignoring(…) before it"},
		{`sum(count_over_time({a="b"}[5m])) > 5m`, `logql: line 1, col 37: a duration "5m" out of place: a range is written [5m], an offset after it`},
		{`count_over_time({a="b"} @ [5m])`, `logql: line 1, col 25: unexpected character '@'`},
		{"sum(\n  count_over_time({a=\"b\"} |= \"x\" [5m]\n", `logql: line 3, col 1: unexpected end of input, expected ")"`},
		{`count_over_time({a="b"} |= ip(1) [5m])`, "logql: line 1, col 31: unexpected \"1\", expected a quoted IP, range or CIDR"},
		{`count_over_time({a="b"} | unwrap foo(x) [5m])`, "logql: line 1, col 34: unknown unwrap conversion \"foo\": duration, duration_seconds or bytes"},
		{`sum(count_over_time({a="b"}[5m])) > vector(x)`, "logql: line 1, col 44: unexpected \"x\", expected a number"},
		{`- sum(count_over_time({a="b"}[5m]))`, "logql: line 1, col 1: a sign goes only before a number"},
		{`label_replace(rate({a="b"}[1m]), "dst", "$1", "src", "(")`, "logql: line 1, col 54: invalid regular expression: error parsing regexp: missing closing ): `(`"},
		{"count_over_time({a=\"b\"} |= \"\xff\" [5m])", "logql: line 1, col 29: invalid UTF-8"},
		{`label_replace(rate({a="b"}[1m]), "1x", "$1", "a", "(.*)")`, `logql: line 1, col 34: invalid label name "\"1x\""`},
		{`count_over_time(({a="b"} |= "x") [5m] [5m])`, `logql: line 1, col 39: unexpected "[5m]", expected ")"`},
		{strings.Repeat("(", 200) + `count_over_time({a="b"}[5m])` + strings.Repeat(")", 200), "logql: line 1, col 101: expression nested too deeply"},
	}
	for _, tc := range cases {
		_, err := Extract(tc.expr)
		if err == nil {
			t.Errorf("%q: no error, want %s", tc.expr, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.expr, err, tc.want)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error spans lines: %q", tc.expr, err)
		}
	}
}

func TestParseLogQueryErrors(t *testing.T) {
	cases := []struct{ q, want string }{
		{`{a="b"}[5m]`, `logql: line 1, col 8: a range "[5m]" belongs in a metric query's range aggregation, not in a log query`},
		{`{a="b"} | unwrap x`, "logql: line 1, col 11: | unwrap belongs in a metric query's range aggregation, not in a log query"},
		{`count_over_time({a="b"}[5m])`, `logql: line 1, col 1: unexpected "count_over_time", expected a stream selector {…}`},
		{`{a="b"} )`, `logql: line 1, col 9: unexpected ")", expected a pipeline stage or the end of the query`},
		{`{a="b",}`, `logql: line 1, col 8: unexpected "}", expected a label name`},
		{`{a=="b"}`, `logql: line 1, col 3: unexpected "==", expected =, !=, =~ or !~`},
		{`{a="b"} | line_format`, `logql: line 1, col 22: unexpected end of input, expected a quoted template`},
	}
	for _, tc := range cases {
		_, err := ParseLogQuery(tc.q)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.q, err, tc.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	good := map[string]time.Duration{
		"5m": 5 * time.Minute, "1h30m": 90 * time.Minute, "1.5h": 90 * time.Minute, "300ms": 300 * time.Millisecond,
		"1d": 24 * time.Hour, "2w": 14 * 24 * time.Hour, "1y": 365 * 24 * time.Hour, "1d12h": 36 * time.Hour,
		"1h30m15s500ms": time.Hour + 30*time.Minute + 15*time.Second + 500*time.Millisecond, "90s": 90 * time.Second, "100us": 100 * time.Microsecond,
	}
	for s, want := range good {
		if got, err := parseDuration(s); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "5", "m", "-5m", "+5m", "1m1d", "5mm", "99999999999y", "1.5d", "5 m"} {
		if d, err := parseDuration(s); err == nil {
			t.Errorf("parseDuration(%q) = %v, want an error", s, d)
		}
	}
}

func TestLimits(t *testing.T) {
	one := `count_over_time({a="b"}[1m]) + `
	expr := strings.Repeat(one, 100) + `count_over_time({a="b"}[1m])`
	_, err := Extract(expr)
	want := fmt.Sprintf("logql: line 1, col %d: more than 100 log queries in one expression", 100*len(one)+1)
	if err == nil || err.Error() != want {
		t.Errorf("101 queries: %v, want %s", err, want)
	}
	if m, err := Extract(strings.Repeat(one, 99) + `count_over_time({a="b"}[1m])`); err != nil || len(m.Queries) != 100 {
		t.Errorf("100 queries: %v", err)
	}
	_, err = Extract(strings.Repeat(" ", maxInput+1))
	if err == nil || err.Error() != "logql: expression is 65537 bytes, more than the 65536 this parser takes" {
		t.Errorf("a large input: %v", err)
	}
	// A long pipeline is analysed, but not reordered.
	q := `{a="b"} | json` + strings.Repeat(` |= "x"`, maxCheaper)
	a, err := Analyze(q)
	if err != nil || a.Cost != ParsesAll || a.Cheaper != "" {
		t.Errorf("long pipeline: %v %v %q", err, a.Cost, a.Cheaper)
	}
	if a, err := Analyze(`{a="b"} | json` + strings.Repeat(` |= "x"`, maxCheaper-1)); err != nil || a.Cheaper == "" {
		t.Errorf("pipeline of %d stages: no cheaper form (%v)", maxCheaper, err)
	}
}
