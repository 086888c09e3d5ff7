package actions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"oncall/internal/actions"
	"oncall/internal/config"
	"oncall/internal/guard"
	"oncall/internal/journal"
	"oncall/internal/testkit/testenv"
)

// counter is a reverse proxy in front of Alertmanager that records every
// request it forwards.
type counter struct {
	URL string
	mu  sync.Mutex
	log []string // "METHOD /path"
}

func countingProxy(t *testing.T, target string) *counter {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	c := &counter{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.log = append(c.log, r.Method+" "+r.URL.Path)
		c.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c.URL = srv.URL
	return c
}

// writes lists the silence writes (POST or DELETE to /api/v2/silence*).
func (c *counter) writes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, l := range c.log {
		method, path, _ := strings.Cut(l, " ")
		if (method == http.MethodPost || method == http.MethodDelete) && strings.HasPrefix(path, "/api/v2/silence") {
			out = append(out, l)
		}
	}
	return out
}

func (c *counter) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.log)
}

// wantWrites fails unless exactly n silence writes went through c.
func (c *counter) wantWrites(t *testing.T, n int) {
	t.Helper()
	if w := c.writes(); len(w) != n {
		t.Fatalf("%d silence writes reached Alertmanager, want %d: %v", len(w), n, w)
	}
}

// postAlerts sends alerts straight to Alertmanager (not through a proxy),
// firing for two hours.
func postAlerts(t *testing.T, amURL string, sets ...map[string]string) {
	t.Helper()
	now := time.Now()
	var body []map[string]any
	for _, ls := range sets {
		body = append(body, map[string]any{"labels": ls, "startsAt": now.Add(-time.Minute).UTC().Format(time.RFC3339),
			"endsAt": now.Add(2 * time.Hour).UTC().Format(time.RFC3339)})
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, amURL+"/api/v2/alerts", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v2/alerts: %s", resp.Status)
	}
}

// fleet is 8 firing alerts: 6 DiskFull warnings over clusters a and b, 2
// APIDown criticals on cluster a.
func fleet(t *testing.T, amURL string) {
	t.Helper()
	var sets []map[string]string
	for i := range 6 {
		c := []string{"a", "b"}[i%2]
		sets = append(sets, map[string]string{"alertname": "DiskFull", "severity": "warning", "cluster": c, "namespace": "ns-" + c, "instance": fmt.Sprintf("host-%d", i)})
	}
	for i := range 2 {
		sets = append(sets, map[string]string{"alertname": "APIDown", "severity": "critical", "cluster": "a", "namespace": "ns-a", "instance": fmt.Sprintf("api-%d", i)})
	}
	postAlerts(t, amURL, sets...)
	testenv.WaitFor(t, 15*time.Second, "8 alerts in Alertmanager", func() bool {
		var list []json.RawMessage
		return getJSON(amURL, "/api/v2/alerts", &list) == nil && len(list) == 8
	})
}

// amSilence is a silence as Alertmanager's own API returns it.
type amSilence struct {
	ID       string `json:"id"`
	Matchers []struct {
		Name    string `json:"name"`
		Value   string `json:"value"`
		IsRegex bool   `json:"isRegex"`
		IsEqual *bool  `json:"isEqual"`
	} `json:"matchers"`
	Status struct {
		State string `json:"state"`
	} `json:"status"`
	Comment   string    `json:"comment"`
	CreatedBy string    `json:"createdBy"`
	EndsAt    time.Time `json:"endsAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// matcherSet is the silence's matchers, sorted, for comparison.
func (s amSilence) matcherSet() string {
	var out []string
	for _, m := range s.Matchers {
		op := "="
		if m.IsRegex {
			op = "=~"
		}
		if m.IsEqual != nil && !*m.IsEqual {
			op = map[string]string{"=": "!=", "=~": "!~"}[op]
		}
		out = append(out, m.Name+op+m.Value)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

func amSilenceByID(t *testing.T, amURL, id string) amSilence {
	t.Helper()
	var s amSilence
	if err := getJSON(amURL, "/api/v2/silence/"+id, &s); err != nil {
		t.Fatalf("GET silence %s: %v", id, err)
	}
	return s
}

// railService is a journaled service for user whose requests go through a
// fresh counting proxy, with the given guard.
func railService(t *testing.T, amURL, user string, g config.Guard) (*actions.Service, *counter, *journal.Journal) {
	t.Helper()
	c := countingProxy(t, amURL)
	j := openJournal(t)
	s := service(t, j, user, c.URL)
	p, err := guard.New(g)
	if err != nil {
		t.Fatal(err)
	}
	s.Guard = p
	return s, c, j
}

// entries reads the whole journal.
func entries(t *testing.T, j *journal.Journal) []journal.Entry {
	t.Helper()
	res, err := j.Read(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Entries
}

func oneLine(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
}
