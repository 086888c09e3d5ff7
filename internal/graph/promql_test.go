package graph

import (
	"strings"
	"testing"
)

func TestSplitPromQL(t *testing.T) {
	cases := []struct {
		expr, plotted string
		thr           *Threshold
		whole         string // substring of Split.Whole; "" for none
	}{
		{`rate(http_errors_total[5m]) > 0.05`, `rate(http_errors_total[5m])`, &Threshold{Op: ">", Value: 0.05}, ""},
		{`0.05 < rate(http_errors_total[5m])`, `rate(http_errors_total[5m])`, &Threshold{Op: ">", Value: 0.05}, ""},
		{`0.5 >= up`, `up`, &Threshold{Op: "<=", Value: 0.5}, ""},
		{`sum by (job) (up) >= bool 3`, `sum by (job) (up)`, &Threshold{Op: ">=", Value: 3, Bool: true}, ""},
		{`((sum by (job) (rate(x[5m])) / sum by (job) (rate(y[5m]))) > (0.05))`, `sum by (job) (rate(x[5m])) / sum by (job) (rate(y[5m]))`, &Threshold{Op: ">", Value: 0.05}, ""},
		{`up == 0`, `up`, &Threshold{Op: "==", Value: 0}, ""},
		{`node_filesystem_avail_bytes < -1`, `node_filesystem_avail_bytes`, &Threshold{Op: "<", Value: -1}, ""},
		{`x > 2 * (0.5 + 0.25)`, `x`, &Threshold{Op: ">", Value: 1.5}, ""},
		{"# a comment\nx\n  != 1", `x`, &Threshold{Op: "!=", Value: 1}, ""},
		{`x > 1 and y > 2`, `x > 1 and y > 2`, nil, "an and expression is drawn whole"},
		{`(x > 1 or vector(0))`, `(x > 1 or vector(0))`, nil, "an or expression is drawn whole"},
		{`x unless y`, `x unless y`, nil, "an unless expression is drawn whole"},
		{`x > y`, `x > y`, nil, "not with a constant"},
		{`x > scalar(y)`, `x > scalar(y)`, nil, "not with a constant"},
		{`x + 1`, `x + 1`, nil, ""},
		{`absent(up{job="api"})`, `absent(up{job="api"})`, nil, ""},
	}
	for _, tc := range cases {
		s, err := SplitPromQL(tc.expr)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		if s.Plotted != tc.plotted {
			t.Errorf("%q: plotted %q, want %q", tc.expr, s.Plotted, tc.plotted)
		}
		switch {
		case tc.thr == nil && s.Threshold != nil:
			t.Errorf("%q: threshold %+v, want none", tc.expr, *s.Threshold)
		case tc.thr != nil && (s.Threshold == nil || *s.Threshold != *tc.thr):
			t.Errorf("%q: threshold %+v, want %+v", tc.expr, s.Threshold, *tc.thr)
		}
		if tc.whole == "" && s.Whole != "" || !strings.Contains(s.Whole, tc.whole) {
			t.Errorf("%q: whole %q, want %q", tc.expr, s.Whole, tc.whole)
		}
	}
}

func TestSplitPromQLError(t *testing.T) {
	_, err := SplitPromQL("sum(rate(x[5m]) > ")
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error %v, want one line", err)
	}
}

// The labels that reach the result unchanged get a matcher on every
// selector they come from; the others are left to the filter.
func TestInjectMatchers(t *testing.T) {
	ident := map[string]string{"job": "api", "instance": "10.0.0.1:9100", "cluster": "eu", "le": "0.5", "svc": "api"}
	cases := []struct {
		expr, want string
		used       string
	}{
		{`up`, `up{cluster=~"eu|",instance=~"10\\.0\\.0\\.1:9100|",job=~"api|",le=~"0\\.5|",svc=~"api|"}`, "cluster instance job le svc"},
		{`sum by (job) (rate(x[5m])) / sum by (job) (rate(y[5m]))`,
			`sum by (job) (rate(x{job=~"api|"}[5m])) / sum by (job) (rate(y{job=~"api|"}[5m]))`, "job"},
		{`sum without (instance, le, svc) (x)`, `sum without (instance, le, svc) (x{cluster=~"eu|",job=~"api|"})`, "cluster job"},
		{`sum(rate(x[5m]))`, `sum(rate(x[5m]))`, ""},
		{`topk(3, x)`, `topk(3, x)`, ""},
		{`topk by (job) (3, x)`, `topk by (job) (3, x{job=~"api|"})`, "job"},
		{`histogram_quantile(0.9, sum by (le, job) (rate(x_bucket[5m])))`, `histogram_quantile(0.9, sum by (le, job) (rate(x_bucket{job=~"api|"}[5m])))`, "job"},
		{`label_replace(sum by (job, svc) (x), "svc", "$1", "job", "(.*)")`, `label_replace(sum by (job, svc) (x{job=~"api|"}), "svc", "$1", "job", "(.*)")`, "job"},
		{`sum by (job, instance) (x) * on (job) group_left (team) y`, `sum by (job, instance) (x{job=~"api|"}) * on (job) group_left (team) y{job=~"api|"}`, "job"},
		{`x * ignoring (instance) group_left y`, `x * ignoring (instance) group_left () y`, ""},
		{`sum by (job) (x) and on (job) y`, `sum by (job) (x{job=~"api|"}) and on (job) y`, "job"},
		{`sum by (job) (x) or sum by (job) (y)`, `sum by (job) (x) or sum by (job) (y)`, ""},
		{`sum by (job) (x) / scalar(sum(y))`, `sum by (job) (x{job=~"api|"}) / scalar(sum(y))`, "job"},
		{`absent(x{job="api"})`, `absent(x{job="api"})`, ""},
		{`count_values by (job) ("v", x)`, `count_values by (job) ("v", x)`, ""},
		{`max_over_time(sum by (job) (rate(x[1m]))[10m:1m])`, `max_over_time(sum by (job) (rate(x{job=~"api|"}[1m]))[10m:1m])`, "job"},
		{`-sum by (job) (x offset 5m)`, `-sum by (job) (x{job=~"api|"} offset 5m)`, "job"},
	}
	for _, tc := range cases {
		e, err := promParser().ParseExpr(tc.expr)
		if err != nil {
			t.Fatalf("%q: %v", tc.expr, err)
		}
		used := injectMatchers(e, ident)
		if got := e.String(); got != tc.want {
			t.Errorf("%q\n got  %s\n want %s", tc.expr, got, tc.want)
		}
		if got := strings.Join(used, " "); got != tc.used {
			t.Errorf("%q: narrowed by %q, want %q", tc.expr, got, tc.used)
		}
	}
}

func TestThresholdHolds(t *testing.T) {
	for _, c := range []struct {
		op   string
		v    float64
		want bool
	}{
		{">", 0.06, true}, {">", 0.05, false}, {">=", 0.05, true}, {"<", 0.04, true}, {"<", 0.05, false},
		{"<=", 0.05, true}, {"==", 0.05, true}, {"==", 0, false}, {"!=", 0, true}, {"!=", 0.05, false},
	} {
		if got := (Threshold{Op: c.op, Value: 0.05}).Holds(c.v); got != c.want {
			t.Errorf("%v %s 0.05 = %v, want %v", c.v, c.op, got, c.want)
		}
	}
}
