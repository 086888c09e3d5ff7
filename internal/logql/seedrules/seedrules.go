// Package seedrules holds the seed company's Loki ruler: 15 log-based
// alerting rules in 7 groups, over the logs of its CRM (the NestJS
// backend conectcrm-backend, postgres, redis and api-gateway; JSON lines
// with level, msg and trace_id; service_name, env and level as stream
// labels). The demo's simulated ruler serves them; internal/logql's tests
// take each apart. The lines they match are those internal/sim/simlogs
// writes where it has them (request failed, slow query, connection slots,
// heap usage high, connection refused).
package seedrules

import "time"

// Group is one rule group of the Loki ruler.
type Group struct {
	Name     string
	Interval time.Duration
	Rules    []Rule
}

// Rule is one alerting rule, as the ruler's YAML and its
// /prometheus/api/v1/rules hold it.
type Rule struct {
	Alert       string
	Expr        string
	For         time.Duration
	Labels      map[string]string
	Annotations map[string]string
}

func rule(alert, expr string, forDur time.Duration, severity, summary string) Rule {
	return Rule{
		Alert:  alert,
		Expr:   expr,
		For:    forDur,
		Labels: map[string]string{"severity": severity, "team": "crm"},
		Annotations: map[string]string{
			"summary":     summary,
			"runbook_url": "RUNBOOKS.md#" + lower(alert),
		},
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Groups returns the ruler's groups, a fresh copy on every call.
func Groups() []Group {
	return []Group{
		{Name: "conectcrm-backend-errors", Interval: time.Minute, Rules: []Rule{
			rule("BackendErrorBurst",
				`sum by (service_name) (count_over_time({service_name="conectcrm-backend"} | json | level="error" [5m])) > 10`,
				2*time.Minute, "critical", "{{ $labels.service_name }} logged {{ $value }} errors in 5 minutes"),
			rule("BackendErrorRatio",
				`sum by (service_name) (count_over_time({service_name="conectcrm-backend", level="error"} [5m]))
  /
sum by (service_name) (count_over_time({service_name="conectcrm-backend"} [5m])) > 0.05`,
				5*time.Minute, "warning", "{{ $labels.service_name }}: {{ $value | humanizePercentage }} of its log lines are errors"),
			rule("BackendProcessCrashed",
				`sum by (service_name) (count_over_time({service_name="conectcrm-backend"} |= "JavaScript heap out of memory" or "process exited" [10m])) > 0`,
				0, "critical", "a {{ $labels.service_name }} process died"),
		}},
		{Name: "conectcrm-backend-database", Interval: time.Minute, Rules: []Rule{
			rule("DatabaseTooManyClients",
				`sum by (service_name) (count_over_time({service_name="conectcrm-backend"} |= "too many clients" [1m])) > 5`,
				time.Minute, "warning", "postgres refuses {{ $labels.service_name }}'s connections: too many clients"),
			rule("BackendPoolTimeouts",
				`sum by (service_name, instance) (
  count_over_time({service_name="conectcrm-backend"}
    |= "timeout acquiring connection from pool"  # the pool is exhausted
    | json
    [5m])
) > 10`,
				2*time.Minute, "critical", "{{ $labels.instance }} waits for database connections"),
			rule("BackendSlowQueries",
				`sum by (service_name) (count_over_time({service_name="conectcrm-backend", level="warn"} |= "slow query" [10m])) > 20`,
				5*time.Minute, "warning", "{{ $labels.service_name }} logged {{ $value }} slow queries in 10 minutes"),
		}},
		{Name: "conectcrm-backend-performance", Interval: time.Minute, Rules: []Rule{
			rule("BackendSlowRequestsP99",
				`quantile_over_time(0.99,
  {service_name="conectcrm-backend"} |= "request completed" | json | unwrap duration_ms | __error__="" [5m]
) by (route) > 1000`,
				5*time.Minute, "warning", "p99 of {{ $labels.route }} is {{ $value }}ms"),
			rule("BackendHeapHigh",
				`max_over_time({service_name="conectcrm-backend"} |= "heap usage high" | json | unwrap heap_used_mb | __error__="" [5m]) by (instance) > 1800`,
				10*time.Minute, "warning", "{{ $labels.instance }} uses {{ $value }} MB of its 2048 MB heap"),
		}},
		{Name: "postgres", Interval: time.Minute, Rules: []Rule{
			rule("PostgresConnectionSlotsExhausted",
				`sum by (service_name) (count_over_time({service_name="postgres"} |= "remaining connection slots are reserved" [5m])) > 0`,
				time.Minute, "critical", "postgres has no connection slots left"),
			rule("PostgresFatalErrors",
				`sum by (service_name) (count_over_time({service_name="postgres"} | json | error_severity=~"FATAL|PANIC" [5m])) > 5`,
				2*time.Minute, "warning", "postgres logged {{ $value }} FATAL or PANIC messages in 5 minutes"),
		}},
		{Name: "redis", Interval: time.Minute, Rules: []Rule{
			rule("RedisConnectionRefused",
				"sum by (service_name) (count_over_time({service_name=\"conectcrm-backend\"} |~ `dial tcp [0-9.]+:6379: connect: connection refused` [2m])) > 3",
				time.Minute, "critical", "{{ $labels.service_name }} cannot reach redis"),
			rule("RedisOutOfMemory",
				`sum(count_over_time({service_name="redis"} |= "OOM command not allowed" [5m])) > 0`,
				0, "critical", "redis refuses writes: maxmemory reached"),
		}},
		{Name: "api-gateway", Interval: time.Minute, Rules: []Rule{
			rule("Gateway5xxByPath",
				`sum by (path) (rate({service_name="api-gateway"} | json | status >= 500 [5m])) > 0.2`,
				2*time.Minute, "warning", "{{ $labels.path }} answers {{ $value }} 5xx a second"),
			rule("GatewayHotClient",
				`topk(1, sum by (client_ip) (count_over_time({service_name="api-gateway"} | json [5m]))) > 300`,
				5*time.Minute, "info", "{{ $labels.client_ip }} sent {{ $value }} requests in 5 minutes"),
		}},
		{Name: "heartbeats", Interval: time.Minute, Rules: []Rule{
			rule("SchedulerHeartbeatMissing",
				`absent_over_time({service_name="conectcrm-backend"} |= "scheduler heartbeat" [15m])`,
				0, "warning", "the CRM's job scheduler has not logged a heartbeat for 15 minutes"),
		}},
	}
}
