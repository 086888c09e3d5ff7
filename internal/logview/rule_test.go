package logview

import (
	"context"
	"strings"
	"testing"
	"time"

	"oncall/internal/alerts"
	"oncall/internal/logql/seedrules"
)

// seedRule is the seed's Loki rule of that name.
func seedRule(t *testing.T, name string) seedrules.Rule {
	t.Helper()
	for _, g := range seedrules.Groups() {
		for _, r := range g.Rules {
			if r.Alert == name {
				return r
			}
		}
	}
	t.Fatalf("no seed rule %s", name)
	return seedrules.Rule{}
}

func logAlert(expr string, since time.Time, labels map[string]string) *alerts.Alert {
	return &alerts.Alert{Labels: labels, StartsAt: since, State: alerts.StateFiring,
		Rule: &alerts.Rule{Expr: expr, Source: alerts.SourceLoki}}
}

func TestForRuleFindsTheLinesThatFiredTheAlert(t *testing.T) {
	srv, c := newPlanPair(t, 5*time.Second)
	now := time.Now().Truncate(time.Second)
	be := func() map[string]string {
		return map[string]string{"service_name": "conectcrm-backend", "env": "prod", "level": "error"}
	}
	srv.Push(be(), now.Add(-3*time.Minute), `{"level":"error","instance":"backend-2:3001","msg":"request failed","error":"timeout acquiring connection from pool after 5000ms"}`, nil)
	srv.Push(be(), now.Add(-2*time.Minute), `{"level":"error","instance":"backend-3:3001","msg":"request failed","error":"timeout acquiring connection from pool after 5000ms"}`, nil)
	srv.Push(be(), now.Add(-time.Minute), `{"level":"error","instance":"backend-2:3001","msg":"session cache unavailable"}`, nil)
	srv.Push(be(), now.Add(-90*time.Second), `{"level":"error","msg":"sorry, too many clients already"}`, nil)

	// by (service_name, instance) after | json: instance is the parser's,
	// so it is tested after the parser; service_name is in the selector
	r := seedRule(t, "BackendPoolTimeouts")
	a := logAlert(r.Expr, now.Add(-4*time.Minute), map[string]string{"alertname": r.Alert, "service_name": "conectcrm-backend", "instance": "backend-2:3001", "severity": "critical"})
	rl, err := ForRule(context.Background(), c, a, now)
	if err != nil {
		t.Fatal(err)
	}
	want := `{service_name="conectcrm-backend"} |= "timeout acquiring connection from pool" | json | instance="backend-2:3001"`
	if rl.Query != want || rl.Func != "count_over_time" || !strings.Contains(rl.Why, "the lines that fired it") {
		t.Fatalf("got %+v\nwant query %s", rl, want)
	}
	// the window: the rule's range [5m] before it became active, until now
	if !rl.Start.Equal(now.Add(-9*time.Minute)) || !rl.End.Equal(now) {
		t.Fatalf("window %v–%v", rl.Start, rl.End)
	}
	res, err := Load{Query: rl.Query, Start: rl.Start, End: rl.End}.Run(context.Background(), c, NewBuilder(nil, time.UTC))
	if err != nil || len(res.Rows) != 1 || !strings.Contains(res.Rows[0].Line, "backend-2:3001") || !strings.Contains(res.Rows[0].Line, "timeout acquiring") {
		t.Fatalf("rows %+v (%v)", res.Rows, err)
	}

	// the rule: a string match; the grouping label is already in the selector
	r = seedRule(t, "DatabaseTooManyClients")
	a = logAlert(r.Expr, now.Add(-time.Minute), map[string]string{"alertname": r.Alert, "service_name": "conectcrm-backend"})
	if rl, err = ForRule(context.Background(), c, a, now); err != nil || rl.Query != `{service_name="conectcrm-backend"} |= "too many clients"` {
		t.Fatalf("%+v %v", rl, err)
	}

	// a ratio: the numerator's lines
	r = seedRule(t, "BackendErrorRatio")
	a = logAlert(r.Expr, now.Add(-time.Minute), map[string]string{"alertname": r.Alert, "service_name": "conectcrm-backend"})
	if rl, err = ForRule(context.Background(), c, a, now); err != nil || rl.Query != `{service_name="conectcrm-backend", level="error"}` || !strings.Contains(rl.Why, "first of the rule's 2 log queries") {
		t.Fatalf("%+v %v", rl, err)
	}

	// a missing heartbeat: the pane says an empty result is the alert
	r = seedRule(t, "SchedulerHeartbeatMissing")
	a = logAlert(r.Expr, now.Add(-time.Minute), map[string]string{"alertname": r.Alert, "service_name": "conectcrm-backend"})
	if rl, err = ForRule(context.Background(), c, a, now); err != nil || rl.Func != "absent_over_time" || !strings.Contains(rl.Why, "missing") || !rl.Start.Equal(now.Add(-16*time.Minute)) {
		t.Fatalf("%+v %v", rl, err)
	}
}

func TestForRuleSaysWhenItCannotTakeTheExpressionApart(t *testing.T) {
	for _, c := range []struct {
		a    *alerts.Alert
		want string
	}{
		{logAlert(`sum(count_over_time({app="x"} |= "a" [5m]) > `, time.Now(), nil), "cannot be taken apart (logql: line 1"},
		{logAlert(`vector(1) > 0`, time.Now(), nil), "cannot be taken apart"},
		{logAlert(`sum by (app) (count_over_time({app="x"} [5m])) > 1`, time.Now(), map[string]string{"app": "y"}), "does not fit the alert"},
		{&alerts.Alert{Rule: &alerts.Rule{Expr: `up == 0`, Source: alerts.SourcePrometheus}}, "not a Loki ruler rule"},
	} {
		_, err := ForRule(context.Background(), nil, c.a, time.Now())
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: err %v, want one line with %q", c.a.Rule.Expr, err, c.want)
		}
	}
}
