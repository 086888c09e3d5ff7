package testenv

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// otlpTrace is one OTLP/JSON span from service.
func otlpTrace(service string) string {
	start := time.Now().Add(-time.Second).UnixNano()
	return fmt.Sprintf(`{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":%q}}]},`+
		`"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",`+
		`"name":"GET /checkout","kind":2,"startTimeUnixNano":"%d","endTimeUnixNano":"%d"}]}]}]}`,
		service, start, start+int64(50*time.Millisecond))
}

func TestJaegerTwoInstancesIngestOTLP(t *testing.T) {
	t.Parallel()
	// both run at once: a fixed port in the config would make the second fail
	jaegers := []*Jaeger{StartJaeger(t), StartJaeger(t)}
	for i, j := range jaegers {
		var services struct {
			Services []string `json:"services"`
		}
		if err := getJSON(j.QueryHTTP+"/api/v3/services", &services); err != nil {
			t.Fatalf("jaeger %d: %v", i, err)
		}
		if len(services.Services) != 0 {
			t.Fatalf("jaeger %d: fresh memory store lists services %v", i, services.Services)
		}
		for _, addr := range []string{j.OTLPGRPC, j.QueryGRPC} {
			if !strings.HasPrefix(addr, "127.0.0.1:") {
				t.Errorf("jaeger %d: address %q is not host:port on loopback", i, addr)
			}
		}
	}
	// a span sent to instance 0 shows up there, and only there
	if err := postJSON(jaegers[0].OTLPHTTP+"/v1/traces", otlpTrace("checkout"), nil); err != nil {
		t.Fatal(err)
	}
	WaitFor(t, 10*time.Second, "service checkout appears in jaeger 0", func() bool {
		var services struct {
			Services []string `json:"services"`
		}
		return getJSON(jaegers[0].QueryHTTP+"/api/v3/services", &services) == nil &&
			slices.Contains(services.Services, "checkout")
	})
	var other struct {
		Services []string `json:"services"`
	}
	if err := getJSON(jaegers[1].QueryHTTP+"/api/v3/services", &other); err != nil || len(other.Services) != 0 {
		t.Fatalf("jaeger 1 services = %v (err %v), want none", other.Services, err)
	}
}
