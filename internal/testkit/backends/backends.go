// Package backends starts the four sources oncall reads — the simulated
// Alertmanager and Prometheus, a fake Loki and a fake Jaeger query service —
// each behind its own faulty TLS server, and injects faults into any one of
// them: through the backend's own mechanism where it has one (internal/demo/sim's
// SetFault, lokitest's Inject), through the faulty server otherwise. Tests of
// the fault matrix (sources, CLI, TUI) share it.
package backends

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"oncall/internal/demo/sim"
	"oncall/internal/httpx"
	"oncall/internal/testkit/faulty"
	"oncall/sources/loki/lokitest"
)

// Source names, as the matrix's test names use them.
const (
	Alertmanager = "alertmanager"
	Prometheus   = "prometheus"
	Loki         = "loki"
	Jaeger       = "jaeger"
)

// Sources lists the four sources in matrix order.
func Sources() []string { return []string{Alertmanager, Prometheus, Loki, Jaeger} }

// Set is the running backends.
type Set struct {
	Sim    *sim.Backend
	Loki   *lokitest.Server
	Jaeger *FakeJaeger
	// Front are the faulty TLS servers clients talk to, by source.
	Front map[string]*faulty.Server
	// Start is the simulated incident's start.
	Start time.Time
}

// Start starts everything; it all stops when the test ends.
func Start(t testing.TB) *Set {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b, err := sim.Start(ctx, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	s := &Set{Sim: b, Loki: lokitest.New(), Jaeger: NewFakeJaeger(time.Now()), Front: map[string]*faulty.Server{}, Start: b.Prometheus.IncidentStart()}
	t.Cleanup(s.Loki.Close)
	now := time.Now()
	for i := range 40 {
		s.Loki.Push(map[string]string{"service_name": "conectcrm-backend", "level": "error"}, now.Add(-time.Duration(40-i)*time.Second),
			fmt.Sprintf(`level=error msg="connect ECONNREFUSED 10.0.0.7:5432" attempt=%d trace_id=%s`, i, s.Jaeger.TraceID), nil)
	}
	dir := t.TempDir()
	for name, h := range map[string]http.Handler{
		Alertmanager: mustProxy(t, b.Alertmanager.URL()),
		Prometheus:   mustProxy(t, b.Prometheus.URL()),
		Loki:         mustProxy(t, s.Loki.URL()),
		Jaeger:       s.Jaeger,
	} {
		f, err := faulty.Start(h, faulty.Options{TLS: true, Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(f.Close)
		s.Front[name] = f
	}
	return s
}

func mustProxy(t testing.TB, target string) http.Handler {
	h, err := faulty.NewProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// URL is the address clients use for a source.
func (s *Set) URL(source string) string { return s.Front[source].URL() }

// Client is the connection config for a source: its CA and the timeout.
func (s *Set) Client(source string, timeout time.Duration) httpx.ClientConfig {
	return httpx.ClientConfig{Timeout: timeout, TLS: &httpx.TLS{CAFile: s.Front[source].CAFile()}}
}

// Inject makes one source misbehave. Faults the backend can produce itself
// are injected there (the proxy passes them on); the rest by the faulty
// front server.
func (s *Set) Inject(source string, f faulty.Fault) error {
	if f == faulty.None {
		return s.Clear(source)
	}
	switch source {
	case Alertmanager, Prometheus:
		if sf, ok := simFault(f); ok {
			if source == Alertmanager {
				s.Sim.Alertmanager.SetFault(sf)
			} else {
				s.Sim.Prometheus.SetFault(sf)
			}
			return s.Front[source].Set(faulty.None) // drop kept-alive connections
		}
	case Loki:
		switch f {
		case faulty.HTML500:
			s.Loki.Inject(lokitest.Fault{Status: http.StatusInternalServerError, ContentType: "text/html", Body: "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>nginx</body></html>"})
			return s.Front[source].Set(faulty.None)
		case faulty.Garbage:
			s.Loki.Inject(lokitest.Fault{Status: http.StatusOK, ContentType: "application/json", Body: `{"status":"success","data":{"resultType":"streams","result":[{"stream":{},,<<<`})
			return s.Front[source].Set(faulty.None)
		}
	}
	return s.Front[source].Set(f)
}

// Clear ends every fault of a source.
func (s *Set) Clear(source string) error {
	switch source {
	case Alertmanager:
		s.Sim.Alertmanager.SetFault(sim.None)
	case Prometheus:
		s.Sim.Prometheus.SetFault(sim.None)
	case Loki:
		s.Loki.ClearFaults()
	}
	return s.Front[source].Set(faulty.None)
}

func simFault(f faulty.Fault) (sim.Fault, bool) {
	switch f {
	case faulty.Hang:
		return sim.Hang, true
	case faulty.HTML500:
		return sim.HTML500, true
	case faulty.Garbage:
		return sim.Garbage, true
	case faulty.Truncated:
		return sim.Truncated, true
	case faulty.Huge:
		return sim.Huge, true
	case faulty.SlowDrip:
		return sim.SlowDrip, true
	}
	return sim.None, false
}

// Want is what a clear error for a fault says, whatever the source: one of
// these fragments (lower case) must appear in it.
func Want(f faulty.Fault) []string {
	switch f {
	case faulty.Refused:
		return []string{"connection refused"}
	case faulty.Hang, faulty.SlowDrip:
		return []string{"timed out", "no answer within", "timeout", "deadline exceeded"}
	case faulty.HTML500:
		return []string{"html"}
	case faulty.Garbage:
		return []string{"json", "malformed", "invalid character"}
	case faulty.Truncated:
		return []string{"truncated", "unexpected eof", "cut off"}
	case faulty.Huge:
		return []string{"larger than 64 mib"}
	case faulty.WrongCA:
		return []string{"certificate"}
	}
	return nil
}

// Clear reports whether msg is a clear one-line error for f: one line, at
// most 400 characters, naming the cause.
func ClearError(f faulty.Fault, msg string) error {
	if strings.ContainsAny(msg, "\n\r") {
		return fmt.Errorf("error is not one line: %q", msg)
	}
	if len([]rune(msg)) > 400 {
		return fmt.Errorf("error is %d characters long: %q", len([]rune(msg)), msg)
	}
	low := strings.ToLower(msg)
	for _, w := range Want(f) {
		if strings.Contains(low, w) {
			return nil
		}
	}
	return fmt.Errorf("error %q does not name the cause (want one of %q)", msg, Want(f))
}
