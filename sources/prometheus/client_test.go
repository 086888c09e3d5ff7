package prometheus_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/httpx"
	"oncall/internal/testkit/testenv"
	"oncall/sources/prometheus"
)

func newClient(t *testing.T, url string, timeout time.Duration) *prometheus.Client {
	t.Helper()
	c, err := prometheus.New(prometheus.Config{URL: url, Client: httpx.ClientConfig{Timeout: timeout}})
	if err != nil {
		t.Fatalf("prometheus.New(%s): %v", url, err)
	}
	return c
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// assertOneLine fails unless err is one line containing every want.
func assertOneLine(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans several lines: %q", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not contain %q", msg, w)
		}
	}
}

// TestAgainstRealPrometheus runs the client against a real Prometheus
// evaluating testenv.FiringRules.
func TestAgainstRealPrometheus(t *testing.T) {
	t.Parallel()
	prom := testenv.StartPrometheus(t, testenv.PrometheusOptions{Rules: testenv.FiringRules})
	c := newClient(t, prom.URL, 5*time.Second)
	started := time.Now()

	t.Run("alerts firing and pending with activeAt", func(t *testing.T) {
		var byName map[string]v1.Alert
		testenv.WaitFor(t, 20*time.Second, "TestAPIDown firing and TestPending pending", func() bool {
			as, err := c.Alerts(testCtx(t))
			if err != nil {
				return false
			}
			byName = map[string]v1.Alert{}
			for _, a := range as {
				byName[string(a.Labels["alertname"])] = a
			}
			return byName["TestAPIDown"].State == v1.AlertStateFiring && byName["TestPending"].State == v1.AlertStatePending
		})
		for _, name := range []string{"TestAPIDown", "TestHighLatency", "TestInfo"} {
			if s := byName[name].State; s != v1.AlertStateFiring {
				t.Errorf("%s state = %q, want firing", name, s)
			}
		}
		for name, a := range byName {
			if a.ActiveAt.IsZero() || a.ActiveAt.Before(started.Add(-time.Minute)) || a.ActiveAt.After(time.Now().Add(time.Second)) {
				t.Errorf("%s activeAt = %s, want a time since the server started", name, a.ActiveAt)
			}
		}
		down := byName["TestAPIDown"]
		if down.Labels["severity"] != "critical" || down.Annotations["summary"] != "API is down" {
			t.Errorf("TestAPIDown labels %v annotations %v", down.Labels, down.Annotations)
		}
	})

	t.Run("alerting rules with expr and for", func(t *testing.T) {
		rules, err := c.AlertingRules(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(rules) != 4 {
			t.Errorf("got rules for %d alert names, want 4", len(rules))
		}
		pending := rules["TestPending"]
		if len(pending) != 1 {
			t.Fatalf("TestPending rules = %v, want one", pending)
		}
		if pending[0].Query != "vector(1)" || pending[0].Duration != 3600 {
			t.Errorf("TestPending rule expr %q for %vs, want vector(1) for 3600s", pending[0].Query, pending[0].Duration)
		}
		if down := rules["TestAPIDown"]; len(down) != 1 || down[0].Duration != 0 || down[0].Labels["severity"] != "critical" {
			t.Errorf("TestAPIDown rule = %+v", down)
		}
	})

	t.Run("instant and range queries", func(t *testing.T) {
		v, err := c.Query(testCtx(t), "vector(42) * 2", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		vec, ok := v.(model.Vector)
		if !ok || len(vec) != 1 || vec[0].Value != 84 {
			t.Fatalf("vector(42) * 2 = %v, want one sample of 84", v)
		}
		now := time.Now()
		r, err := c.QueryRange(testCtx(t), "vector(7)", v1.Range{Start: now.Add(-time.Minute), End: now, Step: 15 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		m, ok := r.(model.Matrix)
		if !ok || len(m) != 1 || len(m[0].Values) != 5 || m[0].Values[0].Value != 7 {
			t.Fatalf("range vector(7) over 1m step 15s = %v, want 5 points of 7", r)
		}
	})

	t.Run("ping returns the version", func(t *testing.T) {
		v, err := c.Ping(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[0-9]+\.[0-9]+\.`).MatchString(v) {
			t.Errorf("version = %q, want major.minor.patch", v)
		}
	})

	t.Run("bad query is one line naming the server", func(t *testing.T) {
		_, err := c.Query(testCtx(t), "sum(rate(", time.Now())
		assertOneLine(t, err, prom.URL, "query", "bad_data")
	})
}

func TestUnreachableServerIsOneLine(t *testing.T) {
	t.Parallel()
	url := "http://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	c := newClient(t, url, 2*time.Second)
	_, err := c.Ping(testCtx(t))
	assertOneLine(t, err, url, "buildinfo")
	_, err = c.Alerts(testCtx(t))
	assertOneLine(t, err, url, "alerts")
}

func TestTimeoutIsReported(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c := newClient(t, srv.URL, 200*time.Millisecond)
	start := time.Now()
	_, err := c.Alerts(context.Background())
	assertOneLine(t, err, srv.URL, "timed out")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the call took %s, want it bounded by the 200ms timeout", d)
	}
}

func TestSecretsStayOutOfURLAndErrors(t *testing.T) {
	t.Parallel()
	port := strconv.Itoa(testenv.FreePort(t))
	c := newClient(t, "http://bob:hunter2secret@127.0.0.1:"+port+"/?token=tok3nvalue", time.Second)
	for _, s := range []string{c.URL(), errString(c.Ping(testCtx(t)))} {
		if strings.Contains(s, "hunter2secret") || strings.Contains(s, "tok3nvalue") {
			t.Errorf("secret leaked: %q", s)
		}
	}
	if !strings.Contains(c.URL(), "127.0.0.1:"+port) {
		t.Errorf("URL() = %q lost the host", c.URL())
	}
	// short query values are not scrubbed: that would mangle the address
	short := newClient(t, "http://127.0.0.1:"+port+"/?x=1", time.Second)
	if msg := errString(short.Ping(testCtx(t))); !strings.Contains(msg, "127.0.0.1:"+port) || strings.Contains(msg, "[redacted]") {
		t.Errorf("error with a short query value = %q", msg)
	}
}

func TestInvalidURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "127.0.0.1:9090", "ftp://host:21", "http://"} {
		if _, err := prometheus.New(prometheus.Config{URL: u}); err == nil {
			t.Errorf("New(%q) accepted an invalid URL", u)
		}
	}
}

func errString(_ string, err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
