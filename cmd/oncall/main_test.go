package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"oncall/internal/testkit/testenv"
)

// TestMain lets the test binary act as the oncall command: scripts run
// `oncall ...` as a separate process through the real main.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"oncall": main})
}

// TestScripts runs testdata/script/*.txtar against a real Prometheus
// evaluating testenv.FiringRules and a real Alertmanager it sends to.
// Read-only scripts (testdata/script/read) run first, then the scripts that
// write silences (testdata/script/write), so no ack changes what the
// read-only scripts see.
func TestScripts(t *testing.T) {
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	prom := testenv.StartPrometheus(t, testenv.PrometheusOptions{Rules: testenv.FiringRules, AlertmanagerURLs: []string{am.URL}})
	testenv.WaitFor(t, 30*time.Second, "Alertmanager holds TestAPIDown and TestInfo, TestHighLatency inhibited", func() bool {
		var list []struct {
			Labels map[string]string `json:"labels"`
			Status struct {
				InhibitedBy []string `json:"inhibitedBy"`
			} `json:"status"`
		}
		if err := getJSON(am.URL+"/api/v2/alerts", &list); err != nil {
			return false
		}
		seen := map[string]bool{}
		for _, a := range list {
			n := a.Labels["alertname"]
			seen[n] = n != "TestHighLatency" || len(a.Status.InhibitedBy) > 0
		}
		return seen["TestAPIDown"] && seen["TestHighLatency"] && seen["TestInfo"]
	})
	setup := func(env *testscript.Env) error {
		work := env.Getenv("WORK")
		env.Setenv("ONCALL_ALERTMANAGER_URL", am.URL)
		env.Setenv("ONCALL_PROMETHEUS_URL", prom.URL)
		env.Setenv("AM_URL", am.URL)
		env.Setenv("PROM_URL", prom.URL)
		env.Setenv("XDG_STATE_HOME", filepath.Join(work, "state"))
		env.Setenv("XDG_CONFIG_HOME", filepath.Join(work, "config"))
		env.Setenv("USER", "nobody")
		return nil
	}
	for _, phase := range []string{"read", "write"} {
		t.Run(phase, func(t *testing.T) {
			testscript.Run(t, testscript.Params{
				Dir:   filepath.Join("testdata", "script", phase),
				Setup: setup,
				Cmds:  scriptCmds(),
			})
		})
	}
}

// TestScriptsWithoutServers runs scripts that need no server (version,
// config errors).
func TestScriptsWithoutServers(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script", "offline"),
		Setup: func(env *testscript.Env) error {
			work := env.Getenv("WORK")
			env.Setenv("XDG_STATE_HOME", filepath.Join(work, "state"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(work, "config"))
			env.Setenv("USER", "nobody")
			return nil
		},
		Cmds: scriptCmds(),
	})
}

// getJSON GETs url and decodes the JSON body into v.
func getJSON(url string, v any) error {
	body, err := get(url)
	if err != nil {
		return err
	}
	return json.Unmarshal(body, v)
}

// get GETs url with a timeout and returns the body of a 200 answer.
func get(url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d: %s", url, resp.StatusCode, body)
	}
	return body, nil
}
