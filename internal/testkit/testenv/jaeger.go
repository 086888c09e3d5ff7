package testenv

import (
	"fmt"
	"path/filepath"
	"testing"
)

// Jaeger is a running Jaeger v2 server with in-memory storage.
type Jaeger struct {
	// OTLPGRPC is the OTLP/gRPC receiver address, host:port.
	OTLPGRPC string
	// OTLPHTTP is the OTLP/HTTP receiver base URL, http://host:port (POST /v1/traces).
	OTLPHTTP string
	// QueryGRPC is the query gRPC address host:port (api_v2 and api_v3 QueryService).
	QueryGRPC string
	// QueryHTTP is the query HTTP base URL http://host:port (/api/v3/..., UI).
	QueryHTTP string
	// ConfigFile is the generated collector configuration.
	ConfigFile string

	proc *process
}

// Kill sends SIGKILL and waits for the process to end. It is idempotent.
func (j *Jaeger) Kill() { j.proc.kill() }

// Stop asks the process to exit (SIGTERM) and kills it if it lingers.
func (j *Jaeger) Stop() { j.proc.stop() }

// Exited reports whether the server process has ended.
func (j *Jaeger) Exited() bool { return j.proc.exited() }

// StartJaeger starts the Jaeger v2 binary ($ONCALL_JAEGER_BIN or
// <repo root>/.cache/bin/jaeger, built by `make tools`) with memory storage,
// an OTLP receiver and the query service, all on free loopback ports and
// nothing else listening, and waits until GET /api/v3/services answers. A
// missing binary fails the test when CI=true and skips it otherwise. It is
// stopped on t.Cleanup.
func StartJaeger(t testing.TB) *Jaeger {
	t.Helper()
	bin := Require(t, "jaeger")
	dir := t.TempDir()
	j := &Jaeger{ConfigFile: filepath.Join(dir, "jaeger.yaml")}
	j.proc = runServer(t, "jaeger", bin, dir, func() (launch, error) {
		ports, err := freePorts(4, false)
		if err != nil {
			return launch{}, err
		}
		addrs := make([]string, len(ports))
		for i, p := range ports {
			addrs[i] = fmt.Sprintf("127.0.0.1:%d", p)
		}
		j.OTLPGRPC, j.QueryGRPC = addrs[0], addrs[2]
		j.OTLPHTTP, j.QueryHTTP = "http://"+addrs[1], "http://"+addrs[3]
		writeFile(t, j.ConfigFile, jaegerConfig(addrs[0], addrs[1], addrs[2], addrs[3]))
		return launch{
			args:     []string{"--config=" + j.ConfigFile},
			readyURL: j.QueryHTTP + "/api/v3/services",
			// receivers start after extensions: wait for them too
			dial: []string{addrs[0], addrs[1], addrs[2]},
		}, nil
	})
	return j
}

// jaegerConfig renders a Jaeger v2 (OpenTelemetry collector) configuration
// that listens only on the given addresses. Compared with the all-in-one
// default it drops the jaeger/zipkin receivers, remote_sampling, healthcheckv2,
// expvar, zpages and pprof, disables the collector's own metrics endpoint
// (:8888) and the query service's self-tracing (which would export to :4317).
func jaegerConfig(otlpGRPC, otlpHTTP, queryGRPC, queryHTTP string) string {
	return fmt.Sprintf(`service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: none
    traces:
      level: none
    logs:
      level: info

extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
  jaeger_query:
    storage:
      traces: memstore
    enable_tracing: false
    grpc:
      endpoint: %q
    http:
      endpoint: %q

receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %q
      http:
        endpoint: %q

processors:
  batch:
    timeout: 100ms

exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`, queryGRPC, queryHTTP, otlpGRPC, otlpHTTP)
}
