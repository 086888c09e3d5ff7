package sim

import "time"

// ruleSpec is one Prometheus rule of the simulated stack.
type ruleSpec struct {
	group       string
	name        string // alertname, or the recorded metric name
	expr        string
	record      bool
	dur         time.Duration // the rule's `for:`
	labels      map[string]string
	annotations map[string]string // templates, expanded per alert
}

// alertSpec is one alert instance of the incident, relative to the start.
type alertSpec struct {
	rule   string
	series map[string]string // labels coming from the expression result
	// firing is how long the alert has been firing at start; a negative
	// value means it is still pending at start and fires that much later.
	firing time.Duration
	value  float64
}

// groupSpec is a rule group and the file it would live in.
type groupSpec struct {
	name     string
	file     string
	interval time.Duration
}

// Names of the simulated services and receivers.
const (
	ServiceBackend  = "conectcrm-backend"
	ServiceGateway  = "api-gateway"
	ServicePostgres = "postgres"
	ServiceRedis    = "redis"

	ReceiverCritical = "slack-critical"
	ReceiverWarning  = "slack-warning"
	ReceiverEmail    = "email-oncall"
	ReceiverSLO      = "webhook-slo"
)

func groups() []groupSpec {
	return []groupSpec{
		{"conectcrm-backend", "/etc/prometheus/rules/conectcrm-backend.yml", 30 * time.Second},
		{"slo-availability", "/etc/prometheus/rules/slo.yml", 30 * time.Second},
		{"api-gateway", "/etc/prometheus/rules/api-gateway.yml", 30 * time.Second},
		{"postgres", "/etc/prometheus/rules/databases.yml", time.Minute},
		{"redis", "/etc/prometheus/rules/databases.yml", 30 * time.Second},
		{"infrastructure", "/etc/prometheus/rules/infrastructure.yml", time.Minute},
	}
}

// ann builds the usual annotation triple.
func ann(summary, description, runbook string) map[string]string {
	return map[string]string{"summary": summary, "description": description, "runbook_url": runbook}
}

func sev(s string, extra ...string) map[string]string {
	m := map[string]string{"severity": s}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// rules lists every rule of the stack: 27 alerting rules and 3 recording
// rules, in group order.
func rules() []ruleSpec {
	const rb = "RUNBOOKS.md#"
	return []ruleSpec{
		// conectcrm-backend
		{group: "conectcrm-backend", name: "APIDown", expr: `up{job="conectcrm-backend"} == 0`, dur: time.Minute,
			labels: sev("critical", "team", "crm"),
			annotations: ann("conectcrm-backend instance {{ $labels.instance }} is down",
				"Prometheus cannot scrape {{ $labels.instance }} of job {{ $labels.job }}; the API is not answering.", rb+"apidown")},
		{group: "conectcrm-backend", name: "HighErrorRate", expr: `sum by (service, job) (rate(http_requests_total{job="conectcrm-backend",status=~"5.."}[5m])) / sum by (service, job) (rate(http_requests_total{job="conectcrm-backend"}[5m])) > 0.05`, dur: 2 * time.Minute,
			labels: sev("critical", "team", "crm"),
			annotations: ann("{{ $labels.service }} is answering {{ $value | humanizePercentage }} of requests with 5xx",
				"More than 5% of requests to {{ $labels.service }} failed over the last 5 minutes.", rb+"higherrorrate")},
		{group: "conectcrm-backend", name: "HighLatencyP95", expr: `histogram_quantile(0.95, sum by (le, service, instance) (rate(http_request_duration_seconds_bucket{service="conectcrm-backend"}[5m]))) > 1`, dur: 5 * time.Minute,
			labels: sev("warning", "team", "crm"),
			annotations: ann("p95 latency of {{ $labels.instance }} is {{ $value }}s",
				"The 95th percentile request latency of {{ $labels.service }} on {{ $labels.instance }} is above 1s.", rb+"highlatencyp95")},
		{group: "conectcrm-backend", name: "HighLatencyP99", expr: `histogram_quantile(0.99, sum by (le, service) (rate(http_request_duration_seconds_bucket{service="conectcrm-backend"}[5m]))) > 3`, dur: 5 * time.Minute,
			labels: sev("warning", "team", "crm"),
			annotations: ann("p99 latency of {{ $labels.service }} is {{ $value }}s",
				"The 99th percentile request latency of {{ $labels.service }} is above 3s.", rb+"highlatencyp99")},
		{group: "conectcrm-backend", name: "HighMemoryUsage", expr: `container_memory_working_set_bytes{service="conectcrm-backend"} / container_spec_memory_limit_bytes{service="conectcrm-backend"} > 0.9`, dur: 10 * time.Minute,
			labels: sev("warning", "team", "crm"),
			annotations: ann("{{ $labels.instance }} uses {{ $value | humanizePercentage }} of its memory limit",
				"Memory of {{ $labels.instance }} has been above 90% of the limit for 10 minutes; it may be OOM-killed.",
				"https://github.com/conectcrm/runbooks/blob/main/HighMemoryUsage.md")},
		{group: "conectcrm-backend", name: "PodCrashLooping", expr: `increase(kube_pod_container_status_restarts_total{namespace="crm"}[15m]) > 3`, dur: 5 * time.Minute,
			labels:      sev("critical", "team", "crm"),
			annotations: ann("{{ $labels.pod }} is crash looping", "The pod restarted more than 3 times in 15 minutes.", rb+"podcrashlooping")},
		{group: "conectcrm-backend", name: "HighLogErrorRate", expr: `sum by (service) (rate(log_messages_total{level="error"}[5m])) > 10`, dur: 5 * time.Minute,
			labels:      sev("warning", "team", "crm"),
			annotations: ann("{{ $labels.service }} logs {{ $value }} errors/s", "The error log rate is above 10 lines per second.", rb+"highlogerrorrate")},
		{group: "conectcrm-backend", name: "HighCPUUsage", expr: `sum by (service, instance) (rate(container_cpu_usage_seconds_total{service="conectcrm-backend"}[5m])) > 1.8`, dur: 10 * time.Minute,
			labels:      sev("warning", "team", "crm"),
			annotations: ann("{{ $labels.instance }} CPU is saturated", "CPU usage has been above 1.8 cores for 10 minutes.", rb+"highcpuusage")},

		// SLO
		{group: "slo-availability", name: "slo:availability:error_ratio_rate5m", record: true, expr: `sum by (service) (rate(http_requests_total{status=~"5.."}[5m])) / sum by (service) (rate(http_requests_total[5m]))`},
		{group: "slo-availability", name: "slo:availability:error_ratio_rate1h", record: true, expr: `sum by (service) (rate(http_requests_total{status=~"5.."}[1h])) / sum by (service) (rate(http_requests_total[1h]))`},
		{group: "slo-availability", name: "ErrorBudgetBurnFast", expr: `slo:availability:error_ratio_rate5m{service="conectcrm-backend"} > (14.4 * 0.001) and slo:availability:error_ratio_rate1h{service="conectcrm-backend"} > (14.4 * 0.001)`, dur: 2 * time.Minute,
			labels: sev("critical", "slo", "availability", "team", "crm"),
			annotations: ann("{{ $labels.service }} burns its 99.9% availability budget 14.4x too fast",
				"At this rate the monthly error budget is gone in about 2 days; error ratio {{ $value | humanizePercentage }}.", rb+"errorbudgetburnfast")},
		{group: "slo-availability", name: "ErrorBudgetBurnSlow", expr: `slo:availability:error_ratio_rate1h{service="conectcrm-backend"} > (6 * 0.001)`, dur: 15 * time.Minute,
			labels:      sev("warning", "slo", "availability", "team", "crm"),
			annotations: ann("{{ $labels.service }} burns its availability budget 6x too fast", "The error budget is gone in about 5 days at this rate.", rb+"errorbudgetburnslow")},
		{group: "slo-availability", name: "LatencyBudgetBurn", expr: `slo:latency:slow_ratio_rate1h{service="conectcrm-backend"} > (6 * 0.01)`, dur: 15 * time.Minute,
			labels:      sev("warning", "slo", "latency", "team", "crm"),
			annotations: ann("{{ $labels.service }} burns its latency budget", "Too many requests are slower than the SLO threshold.", rb+"latencybudgetburn")},

		// api-gateway
		{group: "api-gateway", name: "service:http_requests:rate5m", record: true, expr: `sum by (service) (rate(http_requests_total[5m]))`},
		{group: "api-gateway", name: "LowTraffic", expr: `service:http_requests:rate5m{service="api-gateway"} < 5`, dur: 10 * time.Minute,
			labels: sev("info", "team", "platform"),
			annotations: ann("{{ $labels.service }} receives only {{ $value }} req/s",
				"Traffic through the gateway is unusually low; check upstream campaigns and DNS.", rb+"lowtraffic")},
		{group: "api-gateway", name: "GatewayUpstreamErrors", expr: `sum by (upstream) (rate(gateway_upstream_errors_total[5m])) > 1`, dur: 5 * time.Minute,
			labels:      sev("warning", "team", "platform"),
			annotations: ann("gateway sees errors from {{ $labels.upstream }}", "The gateway gets connection errors from an upstream.", rb+"gatewayupstreamerrors")},
		{group: "api-gateway", name: "GatewayHighRequestRate", expr: `service:http_requests:rate5m{service="api-gateway"} > 2000`, dur: 5 * time.Minute,
			labels:      sev("warning", "team", "platform"),
			annotations: ann("gateway traffic is {{ $value }} req/s", "Traffic is far above normal; possible abuse.", rb+"gatewayhighrequestrate")},
		{group: "api-gateway", name: "CertificateExpiringSoon", expr: `probe_ssl_earliest_cert_expiry - time() < 86400 * 14`, dur: time.Hour,
			labels:      sev("warning", "team", "platform"),
			annotations: ann("TLS certificate of {{ $labels.instance }} expires in {{ $value | humanizeDuration }}", "Renew the certificate before it expires.", rb+"certificateexpiringsoon")},

		// postgres
		{group: "postgres", name: "DatabaseConnectionsHigh", expr: `sum by (service, instance) (pg_stat_activity_count) / sum by (service, instance) (pg_settings_max_connections) > 0.8`, dur: 5 * time.Minute,
			labels: sev("warning", "team", "dba"),
			annotations: ann("{{ $labels.instance }} uses {{ $value | humanizePercentage }} of max_connections",
				"The connection pool of postgres is nearly exhausted; new connections will be refused.", "DatabaseConnectionsHigh.md")},
		{group: "postgres", name: "DatabaseDown", expr: `pg_up == 0`, dur: time.Minute,
			labels:      sev("critical", "team", "dba"),
			annotations: ann("postgres {{ $labels.instance }} is down", "The postgres exporter cannot reach the database.", rb+"databasedown")},
		{group: "postgres", name: "DatabaseReplicationLag", expr: `pg_replication_lag_seconds > 30`, dur: 5 * time.Minute,
			labels:      sev("warning", "team", "dba"),
			annotations: ann("replica {{ $labels.instance }} lags {{ $value }}s", "Streaming replication is behind.", rb+"databasereplicationlag")},
		{group: "postgres", name: "DatabaseSlowQueries", expr: `rate(pg_stat_statements_total_time_seconds[5m]) / rate(pg_stat_statements_calls_total[5m]) > 0.5`, dur: 10 * time.Minute,
			labels:      sev("warning", "team", "dba"),
			annotations: ann("slow queries on {{ $labels.instance }}", "Average query time is above 500ms.", rb+"databaseslowqueries")},
		{group: "postgres", name: "DatabaseDeadlocks", expr: `increase(pg_stat_database_deadlocks[10m]) > 5`, dur: 0,
			labels:      sev("warning", "team", "dba"),
			annotations: ann("deadlocks on {{ $labels.datname }}", "More than 5 deadlocks in 10 minutes.", rb+"databasedeadlocks")},

		// redis
		{group: "redis", name: "RedisDown", expr: `redis_up{service="redis"} == 0`, dur: time.Minute,
			labels:      sev("critical", "team", "platform"),
			annotations: ann("redis {{ $labels.instance }} is down", "The redis exporter cannot reach redis; sessions and caches are gone.", "RedisDown.md")},
		{group: "redis", name: "RedisMemoryHigh", expr: `redis_memory_used_bytes / redis_memory_max_bytes > 0.9`, dur: 5 * time.Minute,
			labels:      sev("warning", "team", "platform"),
			annotations: ann("redis {{ $labels.instance }} memory is {{ $value | humanizePercentage }} full", "Keys will be evicted soon.", rb+"redismemoryhigh")},
		{group: "redis", name: "RedisRejectedConnections", expr: `increase(redis_rejected_connections_total[5m]) > 0`, dur: 0,
			labels:      sev("warning", "team", "platform"),
			annotations: ann("redis rejects connections", "maxclients was reached.", rb+"redisrejectedconnections")},

		// infrastructure
		{group: "infrastructure", name: "DiskSpaceLow", expr: `node_filesystem_avail_bytes{fstype!="tmpfs"} / node_filesystem_size_bytes{fstype!="tmpfs"} < 0.1`, dur: 5 * time.Minute,
			labels:      sev("warning", "team", "platform"),
			annotations: ann("{{ $labels.instance }}:{{ $labels.mountpoint }} has {{ $value | humanizePercentage }} free", "Disk almost full.", rb+"diskspacelow")},
		{group: "infrastructure", name: "HostOutOfInodes", expr: `node_filesystem_files_free / node_filesystem_files < 0.05`, dur: 5 * time.Minute,
			labels:      sev("warning", "team", "platform"),
			annotations: ann("{{ $labels.instance }} is out of inodes", "Less than 5% inodes left.", rb+"hostoutofinodes")},
		{group: "infrastructure", name: "PrometheusRuleEvaluationFailures", expr: `increase(prometheus_rule_evaluation_failures_total[5m]) > 0`, dur: 0,
			labels:      sev("critical", "team", "platform"),
			annotations: ann("Prometheus fails to evaluate rules", "Some alerts may not fire.", rb+"prometheusruleevaluationfailures")},
		{group: "infrastructure", name: "AlertmanagerNotificationsFailing", expr: `rate(alertmanager_notifications_failed_total[5m]) > 0`, dur: 5 * time.Minute,
			labels:      sev("critical", "team", "platform"),
			annotations: ann("Alertmanager fails to send to {{ $labels.integration }}", "Notifications are being lost.", rb+"alertmanagernotificationsfailing")},
	}
}

// alerts lists the incident: which rules fire, for which series, since when.
func alerts() []alertSpec {
	backend := func(extra ...string) map[string]string {
		m := map[string]string{"service": ServiceBackend, "job": ServiceBackend, "env": "prod"}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	return []alertSpec{
		{rule: "APIDown", series: backend("instance", "backend-1:3001"), firing: 12 * time.Minute, value: 0},
		{rule: "HighErrorRate", series: backend(), firing: 10 * time.Minute, value: 0.372},
		{rule: "HighLatencyP95", series: backend("instance", "backend-1:3001"), firing: 9 * time.Minute, value: 2.84},
		{rule: "ErrorBudgetBurnFast", series: map[string]string{"service": ServiceBackend, "env": "prod"}, firing: 8 * time.Minute, value: 0.372},
		{rule: "DatabaseConnectionsHigh", series: map[string]string{"service": ServicePostgres, "job": "postgres", "instance": "postgres-0:5432", "env": "prod"}, firing: 6 * time.Minute, value: 0.92},
		{rule: "HighMemoryUsage", series: backend("instance", "backend-2:3001"), firing: 25 * time.Minute, value: 0.934},
		{rule: "LowTraffic", series: map[string]string{"service": ServiceGateway, "env": "prod"}, firing: 40 * time.Minute, value: 1.2},
		{rule: "RedisDown", series: map[string]string{"service": ServiceRedis, "job": "redis", "instance": "redis-0:6379", "env": "prod"}, firing: -30 * time.Second, value: 0},
	}
}

// ScenarioStaging is a quiet staging cluster: a memory warning and low
// traffic, nothing critical.
const ScenarioStaging = "staging"

func stagingAlerts() []alertSpec {
	staging := func(extra ...string) map[string]string {
		m := map[string]string{"service": ServiceBackend, "job": ServiceBackend, "env": "staging"}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	return []alertSpec{
		{rule: "HighMemoryUsage", series: staging("instance", "backend-staging-1:3001"), firing: 55 * time.Minute, value: 0.912},
		{rule: "LowTraffic", series: map[string]string{"service": ServiceGateway, "env": "staging"}, firing: 3 * time.Hour, value: 0.1},
	}
}
