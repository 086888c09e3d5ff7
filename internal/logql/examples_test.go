package logql_test

import (
	"fmt"
	"testing"

	"oncall/internal/logql"
	"oncall/internal/logql/seedrules"
)

// seedWant is what each of the seed ruler's rules takes apart into, and
// what `l` opens for an alert with the given labels.
var seedWant = map[string]struct {
	queries []string
	cmp     string // "" for none
	alert   map[string]string
	narrow  string // the first query narrowed to alert
	cost    logql.Cost
}{
	"BackendErrorBurst": {
		[]string{`{service_name="conectcrm-backend"} | json | level="error"`}, "> 10",
		map[string]string{"service_name": "conectcrm-backend"},
		`{service_name="conectcrm-backend"} | json | level="error"`, logql.ParsesAll},
	"BackendErrorRatio": {
		[]string{`{service_name="conectcrm-backend", level="error"}`, `{service_name="conectcrm-backend"}`}, "> 0.05",
		map[string]string{"service_name": "conectcrm-backend"},
		`{service_name="conectcrm-backend", level="error"}`, logql.Cheap},
	"BackendProcessCrashed": {
		[]string{`{service_name="conectcrm-backend"} |= "JavaScript heap out of memory" or "process exited"`}, "> 0",
		map[string]string{"service_name": "conectcrm-backend"},
		`{service_name="conectcrm-backend"} |= "JavaScript heap out of memory" or "process exited"`, logql.Cheap},
	"DatabaseTooManyClients": {
		[]string{`{service_name="conectcrm-backend"} |= "too many clients"`}, "> 5",
		map[string]string{"service_name": "conectcrm-backend"},
		`{service_name="conectcrm-backend"} |= "too many clients"`, logql.Cheap},
	"BackendPoolTimeouts": {
		[]string{`{service_name="conectcrm-backend"} |= "timeout acquiring connection from pool" | json`}, "> 10",
		map[string]string{"service_name": "conectcrm-backend", "instance": "backend-2:3001"},
		`{service_name="conectcrm-backend"} |= "timeout acquiring connection from pool" | json | instance="backend-2:3001"`, logql.ParsesFiltered},
	"BackendSlowQueries": {
		[]string{`{service_name="conectcrm-backend", level="warn"} |= "slow query"`}, "> 20",
		map[string]string{"service_name": "conectcrm-backend"},
		`{service_name="conectcrm-backend", level="warn"} |= "slow query"`, logql.Cheap},
	"BackendSlowRequestsP99": {
		[]string{`{service_name="conectcrm-backend"} |= "request completed" | json`}, "> 1000",
		map[string]string{"route": "/api/v1/deals"},
		`{service_name="conectcrm-backend"} |= "request completed" | json | route="/api/v1/deals"`, logql.ParsesFiltered},
	"BackendHeapHigh": {
		[]string{`{service_name="conectcrm-backend"} |= "heap usage high" | json`}, "> 1800",
		map[string]string{"instance": "backend-2:3001"},
		`{service_name="conectcrm-backend"} |= "heap usage high" | json | instance="backend-2:3001"`, logql.ParsesFiltered},
	"PostgresConnectionSlotsExhausted": {
		[]string{`{service_name="postgres"} |= "remaining connection slots are reserved"`}, "> 0",
		map[string]string{"service_name": "postgres"},
		`{service_name="postgres"} |= "remaining connection slots are reserved"`, logql.Cheap},
	"PostgresFatalErrors": {
		[]string{`{service_name="postgres"} | json | error_severity=~"FATAL|PANIC"`}, "> 5",
		map[string]string{"service_name": "postgres"},
		`{service_name="postgres"} | json | error_severity=~"FATAL|PANIC"`, logql.ParsesAll},
	"RedisConnectionRefused": {
		[]string{"{service_name=\"conectcrm-backend\"} |~ `dial tcp [0-9.]+:6379: connect: connection refused`"}, "> 3",
		map[string]string{"service_name": "conectcrm-backend"},
		"{service_name=\"conectcrm-backend\"} |~ `dial tcp [0-9.]+:6379: connect: connection refused`", logql.Cheap},
	"RedisOutOfMemory": {
		[]string{`{service_name="redis"} |= "OOM command not allowed"`}, "> 0",
		map[string]string{},
		`{service_name="redis"} |= "OOM command not allowed"`, logql.Cheap},
	"Gateway5xxByPath": {
		[]string{`{service_name="api-gateway"} | json | status >= 500`}, "> 0.2",
		map[string]string{"path": "/api/v1/contacts"},
		`{service_name="api-gateway"} | json | path="/api/v1/contacts" | status >= 500`, logql.ParsesAll},
	"GatewayHotClient": {
		[]string{`{service_name="api-gateway"} | json`}, "> 300",
		map[string]string{"client_ip": "203.0.113.77"},
		`{service_name="api-gateway"} | json | client_ip="203.0.113.77"`, logql.ParsesAll},
	"SchedulerHeartbeatMissing": {
		[]string{`{service_name="conectcrm-backend"} |= "scheduler heartbeat"`}, "",
		map[string]string{"service_name": "conectcrm-backend"},
		`{service_name="conectcrm-backend"} |= "scheduler heartbeat"`, logql.Cheap},
}

// TestSeedRules takes apart each of the seed ruler's 15 rules, narrows its
// log query to an alert's labels and says what the query costs.
func TestSeedRules(t *testing.T) {
	groups := seedrules.Groups()
	if len(groups) != 7 {
		t.Errorf("%d groups, want 7", len(groups))
	}
	seen := map[string]bool{}
	for _, g := range groups {
		for _, r := range g.Rules {
			seen[r.Alert] = true
			w, ok := seedWant[r.Alert]
			if !ok {
				t.Errorf("%s: no expectation", r.Alert)
				continue
			}
			m, err := logql.Extract(r.Expr)
			if err != nil {
				t.Errorf("%s: %v", r.Alert, err)
				continue
			}
			if len(m.Queries) != len(w.queries) {
				t.Errorf("%s: %d queries, want %d", r.Alert, len(m.Queries), len(w.queries))
				continue
			}
			for i, q := range m.Queries {
				if q.String() != w.queries[i] {
					t.Errorf("%s: query %d = %s\nwant %s", r.Alert, i, q, w.queries[i])
				}
			}
			got := ""
			if c := m.Comparison; c != nil {
				got = fmt.Sprintf("%s %g", c.Op, c.Threshold)
			}
			if got != w.cmp {
				t.Errorf("%s: comparison %q, want %q", r.Alert, got, w.cmp)
			}
			labels := map[string]string{"alertname": r.Alert}
			for k, v := range r.Labels {
				labels[k] = v
			}
			for k, v := range w.alert {
				labels[k] = v
			}
			n, err := logql.Narrow(m.Queries[0], labels)
			if err != nil {
				t.Errorf("%s: Narrow: %v", r.Alert, err)
			} else if n != w.narrow {
				t.Errorf("%s: narrowed to %s\nwant %s", r.Alert, n, w.narrow)
			}
			a, err := logql.Analyze(n)
			if err != nil {
				t.Errorf("%s: Analyze: %v", r.Alert, err)
			} else if a.Cost != w.cost {
				t.Errorf("%s: cost %v, want %v (%s)", r.Alert, a.Cost, w.cost, a.Verdict)
			}
			if r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["runbook_url"] == "" {
				t.Errorf("%s: labels %v, annotations %v", r.Alert, r.Labels, r.Annotations)
			}
		}
	}
	if len(seen) != 15 || len(seedWant) != 15 {
		t.Errorf("%d rules, %d expectations; want 15", len(seen), len(seedWant))
	}
}

// An alert's log query, taken apart and narrowed to the alert's labels.
func Example() {
	m, err := logql.Extract(`sum by (service_name, instance) (count_over_time({service_name="conectcrm-backend"} |= "timeout" | json [5m])) > 10`)
	if err != nil {
		fmt.Println(err)
		return
	}
	q := m.Queries[0]
	fmt.Println(q)
	fmt.Println(q.Func, q.Range, q.Grouping[0], m.Comparison.Op, m.Comparison.Threshold)
	n, err := logql.Narrow(q, map[string]string{"service_name": "conectcrm-backend", "instance": "backend-2:3001", "severity": "critical"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n)
	// Output:
	// {service_name="conectcrm-backend"} |= "timeout" | json
	// count_over_time 5m0s sum by (service_name, instance) > 10
	// {service_name="conectcrm-backend"} |= "timeout" | json | instance="backend-2:3001"
}
