package sim

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"testing"
	"time"

	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	amclient "github.com/prometheus/alertmanager/api/v2/client"
	"github.com/prometheus/alertmanager/api/v2/client/alert"
	"github.com/prometheus/alertmanager/api/v2/models"
	promapi "github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// epoch is the fixed "now" the tests start the incident at.
func epoch() time.Time { return time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC) }

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// startSim starts a backend on a fake clock at epoch and closes it at the
// end of the test.
func startSim(t *testing.T) (*Backend, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: epoch()}
	b, err := Start(context.Background(), Options{Clock: clk.Now})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b, clk
}

// amClient is the official Alertmanager client for the simulated server.
func amClient(t *testing.T, b *Backend) *amclient.AlertmanagerAPI {
	t.Helper()
	u, err := url.Parse(b.Alertmanager.URL())
	if err != nil {
		t.Fatal(err)
	}
	return amclient.New(httptransport.New(u.Host, "/api/v2", []string{u.Scheme}), strfmt.Default)
}

// promClient is the official Prometheus v1 client for the simulated server.
func promClient(t *testing.T, b *Backend) v1.API {
	t.Helper()
	c, err := promapi.NewClient(promapi.Config{Address: b.Prometheus.URL()})
	if err != nil {
		t.Fatal(err)
	}
	return v1.NewAPI(c)
}

// ctxTimeout is a context that ends after d or with the test.
func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// listAlerts lists Alertmanager alerts with the official client.
func listAlerts(t *testing.T, b *Backend, mod func(*alert.GetAlertsParams)) models.GettableAlerts {
	t.Helper()
	p := alert.NewGetAlertsParams().WithContext(ctxTimeout(t, 5*time.Second))
	if mod != nil {
		mod(p)
	}
	res, err := amClient(t, b).Alert.GetAlerts(p)
	if err != nil {
		t.Fatalf("GetAlerts: %v", err)
	}
	return res.Payload
}

// byName indexes alerts by alertname.
func byName(as models.GettableAlerts) map[string]*models.GettableAlert {
	m := map[string]*models.GettableAlert{}
	for _, a := range as {
		m[a.Labels["alertname"]] = a
	}
	return m
}

// names returns the sorted set of alertnames as a slice.
func names(as models.GettableAlerts) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Labels["alertname"])
	}
	sort.Strings(out)
	return out
}

// httpGet fetches u with a bounded timeout and returns status and body.
func httpGet(t *testing.T, u string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxTimeout(t, 5*time.Second), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, string, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body of %s: %v", req.URL, err)
	}
	return resp.StatusCode, string(body), resp.Header
}
