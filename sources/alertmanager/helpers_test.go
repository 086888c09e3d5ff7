package alertmanager_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"

	"oncall/internal/httpx"
	"oncall/internal/testkit/testenv"
	"oncall/sources/alertmanager"
)

// rawSilence is a silence as Alertmanager's own API returns it, decoded
// without the client under test.
type rawSilence struct {
	ID     string `json:"id"`
	Status struct {
		State string `json:"state"`
	} `json:"status"`
	Comment   string    `json:"comment"`
	CreatedBy string    `json:"createdBy"`
	StartsAt  time.Time `json:"startsAt"`
	EndsAt    time.Time `json:"endsAt"`
	Matchers  []struct {
		Name    string `json:"name"`
		Value   string `json:"value"`
		IsRegex bool   `json:"isRegex"`
	} `json:"matchers"`
}

// newClient builds a client for the given peer URLs with a short timeout.
func newClient(t *testing.T, urls ...string) *alertmanager.Client {
	t.Helper()
	c, err := alertmanager.New(alertmanager.Config{URLs: urls, Client: httpx.ClientConfig{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatalf("alertmanager.New(%v): %v", urls, err)
	}
	return c
}

// testCtx is a context bounded well below the package test timeout.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// getJSON GETs baseURL+path with a plain HTTP client and decodes the body.
func getJSON(t *testing.T, baseURL, path string, v any) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// rawSilences lists every silence on one peer through Alertmanager's API.
func rawSilences(t *testing.T, baseURL string) []rawSilence {
	t.Helper()
	var out []rawSilence
	if err := getJSON(t, baseURL, "/api/v2/silences", &out); err != nil {
		t.Fatalf("listing silences of %s: %v", baseURL, err)
	}
	return out
}

// rawSilenceByID fetches one silence through Alertmanager's API.
func rawSilenceByID(t *testing.T, baseURL, id string) rawSilence {
	t.Helper()
	var out rawSilence
	if err := getJSON(t, baseURL, "/api/v2/silence/"+id, &out); err != nil {
		t.Fatalf("getting silence %s from %s: %v", id, baseURL, err)
	}
	return out
}

// withComment returns the silences (any state) whose comment is comment.
func withComment(sils []rawSilence, comment string) []rawSilence {
	var out []rawSilence
	for _, s := range sils {
		if s.Comment == comment {
			out = append(out, s)
		}
	}
	return out
}

// postable builds a silence on alertname=name from now for d.
func postable(name, createdBy, comment string, d time.Duration) *models.PostableSilence {
	start := time.Now().UTC()
	s, e := strfmt.DateTime(start), strfmt.DateTime(start.Add(d))
	n, v, f, tr := "alertname", name, false, true
	return &models.PostableSilence{Silence: models.Silence{
		Matchers:  models.Matchers{{Name: &n, Value: &v, IsRegex: &f, IsEqual: &tr}},
		StartsAt:  &s,
		EndsAt:    &e,
		CreatedBy: &createdBy,
		Comment:   &comment,
	}}
}

// stack is a real Prometheus evaluating testenv.FiringRules and sending the
// alerts to a real Alertmanager.
type stack struct {
	am   *testenv.Alertmanager
	prom *testenv.Prometheus
}

// startStack starts the stack and waits until Alertmanager holds the three
// firing alerts, TestHighLatency inhibited by TestAPIDown.
func startStack(t *testing.T) stack {
	t.Helper()
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	prom := testenv.StartPrometheus(t, testenv.PrometheusOptions{Rules: testenv.FiringRules, AlertmanagerURLs: []string{am.URL}})
	testenv.WaitFor(t, 30*time.Second, "Alertmanager holds the firing test alerts with TestHighLatency inhibited", func() bool {
		var list []struct {
			Labels map[string]string `json:"labels"`
			Status struct {
				InhibitedBy []string `json:"inhibitedBy"`
			} `json:"status"`
		}
		if err := getJSON(t, am.URL, "/api/v2/alerts", &list); err != nil {
			return false
		}
		seen := map[string]bool{}
		for _, a := range list {
			name := a.Labels["alertname"]
			seen[name] = name != "TestHighLatency" || len(a.Status.InhibitedBy) > 0
		}
		return seen["TestAPIDown"] && seen["TestHighLatency"] && seen["TestInfo"]
	})
	return stack{am: am, prom: prom}
}

// oneLineNaming fails the test unless err is a single line naming peer.
func oneLineNaming(t *testing.T, err error, peer string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans several lines: %q", msg)
	}
	if !strings.Contains(msg, peer) {
		t.Errorf("error %q does not name the peer %s", msg, peer)
	}
}
