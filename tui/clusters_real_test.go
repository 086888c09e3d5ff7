package tui

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"oncall/internal/actions"
	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/journal"
	"oncall/internal/testkit/testenv"
	"oncall/internal/watch"
	"oncall/sources/alertmanager"
	"oncall/sources/prometheus"
)

// counting is a reverse proxy in front of one Alertmanager peer that counts
// the requests it passes.
type counting struct {
	srv   *httptest.Server
	reads atomic.Int64
	posts atomic.Int64
}

func countingProxy(t *testing.T, target string) *counting {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	c := &counting{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0) // a killed cluster is the point of the test
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			c.reads.Add(1)
		} else {
			c.posts.Add(1)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// realCluster is one cluster of real servers: an Alertmanager (an HA pair
// when peers is 2) behind counting proxies, and a Prometheus evaluating
// testenv.FiringRules and sending to every peer.
type realCluster struct {
	name    string
	ams     []*testenv.Alertmanager
	proxies []*counting
	prom    *testenv.Prometheus
}

func startRealCluster(t *testing.T, name string, peers int) *realCluster {
	t.Helper()
	c := &realCluster{name: name}
	if peers > 1 {
		c.ams = testenv.StartAlertmanagerCluster(t, peers)
	} else {
		c.ams = []*testenv.Alertmanager{testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})}
	}
	var urls []string
	for _, am := range c.ams {
		urls = append(urls, am.URL)
		c.proxies = append(c.proxies, countingProxy(t, am.URL))
	}
	c.prom = testenv.StartPrometheus(t, testenv.PrometheusOptions{Rules: testenv.FiringRules, AlertmanagerURLs: urls})
	return c
}

func (c *realCluster) reads() (n int64) {
	for _, p := range c.proxies {
		n += p.reads.Load()
	}
	return n
}

// cluster is the UI's view of it: clients through the proxies, a write
// service journaling into dir.
func (c *realCluster) cluster(t *testing.T, dir string) *Cluster {
	t.Helper()
	var urls []string
	for _, p := range c.proxies {
		urls = append(urls, p.srv.URL)
	}
	am, err := alertmanager.New(alertmanager.Config{URLs: urls})
	if err != nil {
		t.Fatal(err)
	}
	prom, err := prometheus.New(prometheus.Config{URL: c.prom.URL})
	if err != nil {
		t.Fatal(err)
	}
	svc := &actions.Service{AM: am, Journal: &journal.Journal{Path: dir + "/journal-" + c.name + ".jsonl"}, User: "alice@bastion", Context: c.name}
	return &Cluster{Name: c.name, AM: am, Prom: prom, Actions: svc}
}

// silencesOf reads what one Alertmanager peer holds.
func silencesOf(t *testing.T, am *testenv.Alertmanager, comment string) int {
	t.Helper()
	c, err := alertmanager.New(alertmanager.Config{URLs: []string{am.URL}})
	if err != nil {
		t.Fatal(err)
	}
	sils, err := c.Silences(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range sils {
		if s.Comment != nil && *s.Comment == comment && s.Status != nil && *s.Status.State == "active" {
			n++
		}
	}
	return n
}

// TestTwoClustersOnRealServers: two Alertmanager clusters (one an HA pair)
// and two Prometheus servers. One merged list with every alert's cluster; a
// silence from the list goes to the selected alert's cluster only; killing
// one whole cluster leaves the other fully usable; ":ctx" switching changes
// what is fetched.
func TestTwoClustersOnRealServers(t *testing.T) {
	eu, us := startRealCluster(t, "prod-eu", 2), startRealCluster(t, "prod-us", 1)
	dir := t.TempDir()
	cfg := config.Defaults()
	cfg.CurrentContext = "prod-eu"
	cfg.Identity.User = "alice@bastion"
	cfg.Refresh = config.Duration(time.Hour) // the test refreshes with r
	cfg.Contexts = map[string]*config.Context{"prod-eu": {}, "prod-us": {}}
	m, d := startLive(t, Deps{Config: cfg, Clusters: []*Cluster{eu.cluster(t, dir), us.cluster(t, dir)}, Watch: []string{"prod-eu", "prod-us"}},
		Options{FetchTimeout: 2 * time.Second})
	named := func(cluster string) int {
		n := 0
		for _, a := range m.Alerts() {
			if a.Cluster == cluster && a.Name() == "TestAPIDown" && a.State == alerts.StateFiring {
				n++
			}
		}
		return n
	}
	refreshUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(45 * time.Second)
		for !cond() && time.Now().Before(deadline) {
			d.key("r")
			time.Sleep(500 * time.Millisecond)
			d.drain()
		}
		if !cond() {
			t.Fatalf("%s: not after 45s\n%s", what, plain(m.Render()))
		}
	}
	refreshUntil("TestAPIDown firing in both clusters", func() bool { return named("prod-eu") == 1 && named("prod-us") == 1 })
	out := plain(m.Render())
	for _, want := range []string{"prod-eu", "prod-us", "2 clusters"} {
		if !strings.Contains(out, want) {
			t.Errorf("the merged view lacks %q:\n%s", want, out)
		}
	}

	// A silence from the list goes to the selected alert's cluster only.
	d.key("/")
	typeText(m, `@cluster=prod-us alertname="TestAPIDown"`)
	d.key("enter")
	if a := m.Selected(); a == nil || a.Cluster != "prod-us" || a.Name() != "TestAPIDown" {
		t.Fatalf("selected %+v", a)
	}
	posts := eu.proxies[0].posts.Load() + eu.proxies[1].posts.Load()
	d.key("s")
	for range 2 {
		d.key("tab")
	}
	typeText(m, "two-cluster test")
	d.key("enter")
	d.until("the silence to be written", 15*time.Second, func() bool { return silencesOf(t, us.ams[0], "two-cluster test") == 1 })
	if n := silencesOf(t, eu.ams[0], "two-cluster test") + silencesOf(t, eu.ams[1], "two-cluster test"); n != 0 {
		t.Fatalf("the silence reached prod-eu too (%d)", n)
	}
	if got := eu.proxies[0].posts.Load() + eu.proxies[1].posts.Load(); got != posts {
		t.Fatalf("%d write requests reached prod-eu", got-posts)
	}

	// Killing one whole cluster leaves the other usable.
	for _, am := range eu.ams {
		am.Kill()
	}
	eu.prom.Kill()
	refreshUntil("prod-eu marked failing", func() bool {
		h := m.healthOf("prod-eu")[watch.SrcAM]
		return h.Err != "" && !h.InFlight
	})
	if named("prod-eu") != 1 {
		t.Fatal("prod-eu's last alerts were dropped when it failed")
	}
	if h := m.healthOf("prod-us")[watch.SrcAM]; !h.OK {
		t.Fatalf("prod-us unhealthy after prod-eu died: %+v", h)
	}
	if out := plain(m.Render()); !strings.Contains(out, "prod-eu ✗") || !strings.Contains(out, "prod-us ✓") {
		t.Fatalf("status bar:\n%s", out)
	}
	d.key("a") // ack the selected prod-us alert
	d.until("the ack in prod-us", 15*time.Second, func() bool {
		c, _ := alertmanager.New(alertmanager.Config{URLs: []string{us.ams[0].URL}})
		sils, err := c.Silences(t.Context(), nil)
		if err != nil {
			return false
		}
		for _, s := range sils {
			if s.Comment != nil && strings.HasPrefix(*s.Comment, "ACK! alice@bastion") {
				return true
			}
		}
		return false
	})

	// :ctx prod-us stops fetching prod-eu.
	d.key(":")
	typeText(m, "ctx prod-us")
	d.key("enter")
	if len(m.watched) != 1 || m.watched[0] != "prod-us" || named("prod-eu") != 0 {
		t.Fatalf("watched %v, %d prod-eu alerts left", m.watched, named("prod-eu"))
	}
	before := eu.reads()
	usBefore := us.reads()
	for range 3 {
		d.key("r")
		time.Sleep(1200 * time.Millisecond) // past the hub's refresh gap
		d.drain()
	}
	if got := eu.reads(); got != before {
		t.Errorf("%d reads reached prod-eu after :ctx prod-us", got-before)
	}
	if us.reads() == usBefore {
		t.Error("prod-us was not fetched after :ctx prod-us")
	}
}
