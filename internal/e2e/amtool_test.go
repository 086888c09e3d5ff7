package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"oncall/internal/testkit/testenv"
)

// The amtool comparison (docs/performance.md): `oncall alerts -o json`
// against an Alertmanager holding 10,000 alerts is no slower than
// `amtool alert query -o json` against the same server. The test fails
// only if oncall is grossly slower; the logged medians are the figures.
const (
	amtoolAlerts = 10000
	amtoolRuns   = 9   // runs of each command, alternating
	amtoolBound  = 2.0 // fail if oncall's median exceeds amtool's by this factor
)

// amtoolConfig has no inhibition rules, so every posted alert stays active
// (amtool's query shows only active alerts by default).
const amtoolConfig = `route:
  receiver: default
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: default
`

// postAlerts posts n alerts in batches of 1,000: 50 alert names over
// n/50 instances, each active for the next day.
func postAlerts(t *testing.T, amURL string, n int) {
	t.Helper()
	type alert struct {
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
		StartsAt     time.Time         `json:"startsAt"`
		EndsAt       time.Time         `json:"endsAt"`
		GeneratorURL string            `json:"generatorURL"`
	}
	now := time.Now().UTC()
	sevs := []string{"critical", "warning", "warning", "info"}
	for lo := 0; lo < n; lo += 1000 {
		var batch []alert
		for k := lo; k < min(lo+1000, n); k++ {
			name, inst := fmt.Sprintf("Alert%02dHigh", k%50), k/50
			batch = append(batch, alert{
				Labels: map[string]string{
					"alertname": name, "severity": sevs[k%len(sevs)], "instance": fmt.Sprintf("host-%03d:9100", inst),
					"service": fmt.Sprintf("svc-%02d", inst%20), "job": fmt.Sprintf("job-%02d", k%10), "cluster": "eu-west-1",
				},
				Annotations:  map[string]string{"summary": fmt.Sprintf("%s on host-%03d: error ratio above 1%%", name, inst)},
				StartsAt:     now.Add(-time.Duration(k%3600) * time.Second),
				EndsAt:       now.Add(24 * time.Hour),
				GeneratorURL: "http://prometheus.example:9090/graph?g0.expr=up",
			})
		}
		body, err := json.Marshal(batch)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, amURL+"/api/v2/alerts", bytes.NewReader(body))
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /api/v2/alerts: %s", resp.Status)
		}
	}
}

// activeAlerts counts the alerts Alertmanager reports active (processed,
// neither silenced nor inhibited), as amtool's default query sees them.
func activeAlerts(amURL string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, amURL+"/api/v2/alerts?active=true&silenced=false&inhibited=false&unprocessed=false", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var as []json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&as); err != nil {
		return 0, err
	}
	return len(as), nil
}

// timedRun runs a command and returns its wall time and stdout.
func timedRun(t *testing.T, env []string, name string, args ...string) (time.Duration, []byte) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, stderr.Bytes())
	}
	return d, stdout.Bytes()
}

// countJSONArray is the length of the JSON array out.
func countJSONArray(t *testing.T, what string, out []byte) int {
	t.Helper()
	var as []json.RawMessage
	if err := json.Unmarshal(out, &as); err != nil {
		t.Fatalf("%s: output is not a JSON array: %v (%q)", what, err, tailOf(string(out), 200))
	}
	return len(as)
}

func medianOf(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestAmtoolComparison times `oncall alerts -o json` and
// `amtool alert query -o json` side by side, alternating, against one real
// Alertmanager holding 10,000 active alerts.
func TestAmtoolComparison(t *testing.T) {
	amtool := testenv.Require(t, "amtool")
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{ConfigYAML: amtoolConfig})
	bin := buildOncall(t)
	postAlerts(t, am.URL, amtoolAlerts)
	testenv.WaitFor(t, 60*time.Second, fmt.Sprintf("%d active alerts", amtoolAlerts), func() bool {
		n, err := activeAlerts(am.URL)
		return err == nil && n == amtoolAlerts
	})

	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"ONCALL_CONFIG=" + cfg, "ONCALL_USER=bench@bastion", "HOME=" + dir,
		"XDG_STATE_HOME=" + filepath.Join(dir, "state"), "XDG_CONFIG_HOME=" + dir, "PATH=" + os.Getenv("PATH"),
	}
	oncallArgs := []string{"alerts", "-o", "json", "--alertmanager-url", am.URL}
	amtoolArgs := []string{"alert", "query", "-o", "json", "--alertmanager.url=" + am.URL}

	// One untimed run of each warms the page cache and Alertmanager.
	_, out := timedRun(t, env, bin, oncallArgs...)
	if n := countJSONArray(t, "oncall", out); n != amtoolAlerts {
		t.Fatalf("oncall listed %d alerts, want %d", n, amtoolAlerts)
	}
	_, out = timedRun(t, env, amtool, amtoolArgs...)
	if n := countJSONArray(t, "amtool", out); n != amtoolAlerts {
		t.Fatalf("amtool listed %d alerts, want %d", n, amtoolAlerts)
	}

	var ours, theirs []time.Duration
	for range amtoolRuns {
		d, out := timedRun(t, env, bin, oncallArgs...)
		if n := countJSONArray(t, "oncall", out); n != amtoolAlerts {
			t.Fatalf("oncall listed %d alerts, want %d", n, amtoolAlerts)
		}
		ours = append(ours, d)
		d, out = timedRun(t, env, amtool, amtoolArgs...)
		if n := countJSONArray(t, "amtool", out); n != amtoolAlerts {
			t.Fatalf("amtool listed %d alerts, want %d", n, amtoolAlerts)
		}
		theirs = append(theirs, d)
	}
	mo, ma := medianOf(ours), medianOf(theirs)
	t.Logf("%d alerts, %d alternating runs each: oncall alerts -o json median %s (min %s, max %s); amtool alert query -o json median %s (min %s, max %s); ratio %.2f",
		amtoolAlerts, amtoolRuns, mo.Round(time.Millisecond), slices.Min(ours).Round(time.Millisecond), slices.Max(ours).Round(time.Millisecond),
		ma.Round(time.Millisecond), slices.Min(theirs).Round(time.Millisecond), slices.Max(theirs).Round(time.Millisecond), float64(mo)/float64(ma))
	if float64(mo) > amtoolBound*float64(ma) {
		t.Errorf("oncall median %s is more than %.0f× amtool's %s", mo, amtoolBound, ma)
	}
}
