// Package amspy is for tests that prove what oncall's rails let through
// to a real Alertmanager: a counting reverse proxy (point oncall at Spy.URL
// and count the silence writes it forwarded), and readers of what
// Alertmanager holds afterwards through its own API (not oncall's client).
package amspy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Spy is a reverse proxy in front of one Alertmanager that records every
// request it forwards.
type Spy struct {
	// URL is the proxy's: give it to oncall as the Alertmanager.
	URL string

	mu  sync.Mutex
	log []string // "METHOD /path"
}

// Start puts a counting proxy in front of the Alertmanager at target; it
// closes with the test.
func Start(t testing.TB, target string) *Spy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	s := &Spy{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.log = append(s.log, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Requests lists every request forwarded so far ("GET /api/v2/alerts").
func (s *Spy) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Writes lists the silence writes forwarded so far: POST or DELETE to
// /api/v2/silence*.
func (s *Spy) Writes() []string {
	var out []string
	for _, l := range s.Requests() {
		method, path, _ := strings.Cut(l, " ")
		if (method == http.MethodPost || method == http.MethodDelete) && strings.HasPrefix(path, "/api/v2/silence") {
			out = append(out, l)
		}
	}
	return out
}

// WantWrites fails the test unless exactly n silence writes went through.
func (s *Spy) WantWrites(t testing.TB, n int) {
	t.Helper()
	if w := s.Writes(); len(w) != n {
		t.Fatalf("%d silence writes reached Alertmanager, want %d: %v", len(w), n, w)
	}
}

// PostAlerts sends alerts with these label sets straight to Alertmanager
// (not through a spy), started a minute ago and firing for two hours,
// and waits until it holds at least that many alerts.
func PostAlerts(t testing.TB, amURL string, sets ...map[string]string) {
	t.Helper()
	now := time.Now()
	body := make([]map[string]any, 0, len(sets))
	for _, ls := range sets {
		body = append(body, map[string]any{"labels": ls, "startsAt": now.Add(-time.Minute).UTC().Format(time.RFC3339),
			"endsAt": now.Add(2 * time.Hour).UTC().Format(time.RFC3339)})
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := do(http.MethodPost, amURL+"/api/v2/alerts", b, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		var list []json.RawMessage
		if err := do(http.MethodGet, amURL+"/api/v2/alerts", nil, &list); err == nil && len(list) >= len(sets) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Alertmanager does not hold the %d alerts posted", len(sets))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Silence is a silence as Alertmanager's own API returns it.
type Silence struct {
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
	StartsAt  time.Time `json:"startsAt"`
	EndsAt    time.Time `json:"endsAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// MatcherSet is the silence's matchers, sorted and joined by commas
// (`a="x",b=~"y"` as name op value without quotes: a=x,b=~y).
func (s Silence) MatcherSet() string {
	out := make([]string, 0, len(s.Matchers))
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

// Silences reads every silence Alertmanager holds (expired ones too).
func Silences(t testing.TB, amURL string) []Silence {
	t.Helper()
	var out []Silence
	if err := do(http.MethodGet, amURL+"/api/v2/silences", nil, &out); err != nil {
		t.Fatalf("GET silences: %v", err)
	}
	return out
}

// Active is the silences Alertmanager holds that are not expired.
func Active(t testing.TB, amURL string) []Silence {
	t.Helper()
	var out []Silence
	for _, s := range Silences(t, amURL) {
		if s.Status.State != "expired" {
			out = append(out, s)
		}
	}
	return out
}

// SilenceByID reads one silence.
func SilenceByID(t testing.TB, amURL, id string) Silence {
	t.Helper()
	var s Silence
	if err := do(http.MethodGet, amURL+"/api/v2/silence/"+id, nil, &s); err != nil {
		t.Fatalf("GET silence %s: %v", id, err)
	}
	return s
}

// PostSilence creates a silence straight in Alertmanager (another
// operator's, say) over the matchers (name → exact value) for d, and
// returns its ID.
func PostSilence(t testing.TB, amURL string, ms map[string]string, by, comment string, d time.Duration) string {
	t.Helper()
	var matchers []map[string]any
	for n, v := range ms {
		matchers = append(matchers, map[string]any{"name": n, "value": v, "isRegex": false, "isEqual": true})
	}
	now := time.Now().UTC()
	b, err := json.Marshal(map[string]any{"matchers": matchers, "startsAt": now.Format(time.RFC3339Nano),
		"endsAt": now.Add(d).Format(time.RFC3339Nano), "createdBy": by, "comment": comment})
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		ID string `json:"silenceID"`
	}
	if err := do(http.MethodPost, amURL+"/api/v2/silences", b, &out); err != nil {
		t.Fatalf("POST silence: %v", err)
	}
	return out.ID
}

// do sends one request with a timeout and decodes a 200 answer into v
// (when not nil).
func do(method, url string, body []byte, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, bytes.TrimSpace(data))
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(data, v)
}
