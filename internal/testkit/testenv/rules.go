package testenv

// FiringRules is a Prometheus rule file with one group, "oncall-test", whose
// alerts are driven by vector(1):
//   - TestAPIDown (severity=critical, service=api) fires at once and carries
//     summary, description and runbook_url annotations;
//   - TestHighLatency (severity=warning, service=api) fires at once and is
//     inhibited in Alertmanager by TestAPIDown (AlertmanagerConfig);
//   - TestInfo (severity=info, service=batch) fires at once;
//   - TestPending (severity=warning, service=db) has `for: 1h` and stays pending.
const FiringRules = `groups:
  - name: oncall-test
    interval: 1s
    rules:
      - alert: TestAPIDown
        expr: vector(1)
        labels:
          severity: critical
          service: api
        annotations:
          summary: API is down
          description: The api service has answered no request for 5 minutes.
          runbook_url: https://runbooks.example.com/api-down
      - alert: TestHighLatency
        expr: vector(1)
        labels:
          severity: warning
          service: api
        annotations:
          summary: API latency is high
          description: p99 latency of the api service is above 2s.
      - alert: TestInfo
        expr: vector(1)
        labels:
          severity: info
          service: batch
        annotations:
          summary: Nightly batch finished late
      - alert: TestPending
        expr: vector(1)
        for: 1h
        labels:
          severity: warning
          service: db
        annotations:
          summary: Replication lag is building up
`
