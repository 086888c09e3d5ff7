package backends

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// FakeJaeger serves one error trace of the demo incident over Jaeger's
// /api/v3 JSON gateway (OTLP JSON), enough for the trace screens and
// `oncall trace`. Tags may carry hostile text (SetTag).
type FakeJaeger struct {
	TraceID string
	start   time.Time

	mu   sync.Mutex
	tags map[string]string
}

// NewFakeJaeger builds the fake with a trace that started at start.
func NewFakeJaeger(start time.Time) *FakeJaeger {
	return &FakeJaeger{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", start: start.Add(-time.Minute), tags: map[string]string{}}
}

// SetTag adds an attribute to every span (hostile-text tests).
func (j *FakeJaeger) SetTag(k, v string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.tags[k] = v
}

func (j *FakeJaeger) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/api/v3/services":
		_, _ = w.Write([]byte(`{"services":["api-gateway","conectcrm-backend","postgres"]}`))
	case strings.HasPrefix(r.URL.Path, "/api/v3/operations"):
		_, _ = w.Write([]byte(`{"operations":[{"name":"POST /api/leads"}]}`))
	case r.URL.Path == "/api/v3/traces", r.URL.Path == "/api/v3/traces/"+j.TraceID:
		_ = json.NewEncoder(w).Encode(map[string]any{"result": j.trace()})
	case strings.HasPrefix(r.URL.Path, "/api/v3/traces/"):
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"httpCode":404,"message":"trace not found"}}`))
	default:
		http.NotFound(w, r)
	}
}

type kv = map[string]any

func str(k, v string) kv { return kv{"key": k, "value": kv{"stringValue": v}} }

// trace is the OTLP JSON of the trace: gateway → backend → postgres (error).
func (j *FakeJaeger) trace() kv {
	j.mu.Lock()
	extra := make([]kv, 0, len(j.tags))
	for k, v := range j.tags {
		extra = append(extra, str(k, v))
	}
	j.mu.Unlock()
	ns := func(d time.Duration) string { return fmt.Sprint(j.start.Add(d).UnixNano()) }
	span := func(id, parent, name string, kind int, from, to time.Duration, errMsg string, attrs ...kv) kv {
		s := kv{"traceId": j.TraceID, "spanId": id, "name": name, "kind": kind,
			"startTimeUnixNano": ns(from), "endTimeUnixNano": ns(to), "attributes": append(attrs, extra...)}
		if parent != "" {
			s["parentSpanId"] = parent
		}
		if errMsg != "" {
			s["status"] = kv{"code": 2, "message": errMsg}
			s["events"] = []kv{{"timeUnixNano": ns(to), "name": "exception", "attributes": []kv{str("exception.message", errMsg)}}}
		}
		return s
	}
	res := func(service string, spans ...kv) kv {
		return kv{"resource": kv{"attributes": []kv{str("service.name", service)}}, "scopeSpans": []kv{{"scope": kv{"name": "oncall-test"}, "spans": spans}}}
	}
	return kv{"resourceSpans": []kv{
		res("api-gateway", span("00000000000000a1", "", "POST /api/leads", 2, 0, 1200*time.Millisecond, "upstream 502", str("http.status_code", "502"))),
		res("conectcrm-backend", span("00000000000000a2", "00000000000000a1", "createLead", 2, 10*time.Millisecond, 1190*time.Millisecond, "db pool exhausted")),
		res("postgres", span("00000000000000a3", "00000000000000a2", "INSERT leads", 3, 20*time.Millisecond, 1180*time.Millisecond, "connection refused", str("db.statement", "INSERT INTO leads VALUES ($1)"))),
	}}
}
