package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oncall/internal/testkit/testenv"
	"oncall/runbooks"
)

// rbCollection is a collection file whose sections differ from the shipped
// runbooks, so a match proves the file was read.
const rbCollection = `# Test collection

Intro text that belongs to no alert.

## APIDown

Marker: APIDown from the test collection.

` + "```promql\nup{job=\"{{ .Labels.job }}\"} == 0\n```" + `

### Checks

- one
- two

## HighErrorRate

Marker: HighErrorRate from the test collection.

## LowTraffic

Not used.
`

// rbApp is an App on a clean environment rooted in a temporary folder.
func rbApp(t *testing.T, env map[string]string) (*App, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	vars := map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "config"), "XDG_STATE_HOME": filepath.Join(dir, "state")}
	for k, v := range env {
		vars[k] = v
	}
	var stdout, stderr bytes.Buffer
	return &App{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return vars[k] }}, &stdout, &stderr
}

// rbRunCLI runs one oncall command line and returns its error.
func rbRunCLI(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	a, stdout, stderr := rbApp(t, env)
	root := a.Root()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	return stdout.String(), stderr.String(), err
}

// End to end against real servers: a Prometheus rule carries a file://
// runbook_url with an anchor (APIDown, never firing), another a relative
// one resolved against [runbooks] paths (HighErrorRate, firing into a real
// Alertmanager).
func TestRunbookCommandAgainstRealServers(t *testing.T) {
	dir := t.TempDir()
	coll := filepath.Join(dir, "RUNBOOKS.md")
	if err := os.WriteFile(coll, []byte(rbCollection), 0o644); err != nil {
		t.Fatal(err)
	}
	rules := fmt.Sprintf(`groups:
  - name: runbooks
    interval: 1s
    rules:
      - alert: APIDown
        expr: vector(1) == 2
        labels: {severity: critical}
        annotations:
          runbook_url: "file://%s#apidown"
      - alert: HighErrorRate
        expr: vector(1)
        labels: {severity: critical, service: crm}
        annotations:
          summary: "5xx everywhere"
          runbook_url: "RUNBOOKS.md#higherrorrate"
`, coll)
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	prom := testenv.StartPrometheus(t, testenv.PrometheusOptions{Rules: rules, AlertmanagerURLs: []string{am.URL}})
	cfgPath := filepath.Join(dir, "config.toml")
	cfgText := fmt.Sprintf("current_context = \"t\"\n[contexts.t.alertmanager]\nurls = [%q]\n[contexts.t.prometheus]\nurl = %q\n[runbooks]\npaths = [%q]\n", am.URL, prom.URL, dir)
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ONCALL_CONFIG": cfgPath}

	// Done-when: the rule's file:// URL with #apidown gives exactly that
	// section, byte for byte, with only Prometheus configured.
	want, ok := runbooks.Section(rbCollection, "apidown")
	if !ok {
		t.Fatal("no apidown section in the test collection")
	}
	out, stderr, err := rbRunCLI(t, nil, "runbook", "APIDown", "--raw", "--prometheus-url", prom.URL)
	if err != nil || out != want {
		t.Fatalf("runbook APIDown --raw: err %v, stderr %q\n--- got ---\n%s--- want ---\n%s", err, stderr, out, want)
	}
	// piped output (not a terminal) is the markdown too, without --raw
	if out, _, err := rbRunCLI(t, nil, "runbook", "APIDown", "--prometheus-url", prom.URL); err != nil || out != want {
		t.Errorf("piped output differs: %v\n%s", err, out)
	}

	// HighErrorRate fires; once Alertmanager has it, it is found there and
	// its relative runbook_url resolves against [runbooks] paths.
	var fp string
	testenv.WaitFor(t, 30*time.Second, "HighErrorRate reaches Alertmanager", func() bool {
		out, _, err := rbRunCLI(t, env, "alerts", "-o", "json")
		var as []struct {
			Fingerprint string            `json:"fingerprint"`
			Labels      map[string]string `json:"labels"`
			State       string            `json:"state"`
		}
		if err != nil || json.Unmarshal([]byte(out), &as) != nil {
			return false
		}
		for _, a := range as {
			if a.Labels["alertname"] == "HighErrorRate" && a.State == "firing" {
				fp = a.Fingerprint
				return true
			}
		}
		return false
	})
	wantHER, _ := runbooks.Section(rbCollection, "higherrorrate")
	if out, stderr, err := rbRunCLI(t, env, "runbook", "HighErrorRate", "--raw"); err != nil || out != wantHER {
		t.Errorf("runbook HighErrorRate --raw: %v %q\n%s", err, stderr, out)
	}
	out, _, err = rbRunCLI(t, env, "runbook", "--fingerprint", fp[:6], "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got runbookOut
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Alert != "HighErrorRate" || got.Markdown != wantHER || !strings.HasPrefix(got.Origin, "runbook_url ") ||
		!strings.Contains(got.Location, "#higherrorrate") || !strings.HasPrefix(got.Escalation, "unacked for ") {
		t.Errorf("json: %+v", got)
	}

	// the APIDown block is filled in with the rule's labels in JSON
	out, _, err = rbRunCLI(t, env, "runbook", "APIDown", "-o", "json")
	got = runbookOut{}
	if err != nil || json.Unmarshal([]byte(out), &got) != nil || len(got.Blocks) != 1 || got.Blocks[0].Query != "up{job=\"\"} == 0\n" || got.Escalation != "" {
		t.Errorf("APIDown json: %v %+v", err, got)
	}

	// unknown alert: a generated page, still exit 0
	if out, _, err := rbRunCLI(t, env, "runbook", "NoSuchAlert", "--raw"); err != nil || !strings.Contains(out, "NoSuchAlert") {
		t.Errorf("unknown alert: %v\n%s", err, out)
	}
	if _, _, err := rbRunCLI(t, env, "runbook", "--fingerprint", "ffffffffffff"); err == nil || !strings.Contains(err.Error(), "no alert with fingerprint") {
		t.Errorf("unknown fingerprint: %v", err)
	}
}

func TestRunbookCommandRefusesBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"runbook"}, "give an alert name or --fingerprint"},
		{[]string{"runbook", "APIDown", "--fingerprint", "ab"}, "give an alert name or --fingerprint"},
		{[]string{"runbook", "--fingerprint", "ab"}, "--fingerprint needs an Alertmanager"},
		{[]string{"runbook", "APIDown", "-o", "yaml"}, "unknown output format"},
	} {
		_, _, err := rbRunCLI(t, nil, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.args, err, c.want)
		}
	}
	// a bad rewrite is named in one line
	cfg := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(cfg, []byte("[runbooks]\nrewrites = [{ pattern = '(', replace = 'x' }]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := rbRunCLI(t, map[string]string{"ONCALL_CONFIG": cfg}, "runbook", "APIDown")
	if err == nil || !strings.Contains(err.Error(), "runbooks.rewrites[0]") || strings.Contains(err.Error(), "\n") {
		t.Errorf("bad rewrite: %v", err)
	}
}

// Without any server the shipped runbooks still answer.
func TestRunbookCommandOffline(t *testing.T) {
	out, _, err := rbRunCLI(t, nil, "runbook", "RedisDown")
	if err != nil || !strings.HasPrefix(out, "# RedisDown") {
		t.Errorf("offline RedisDown: %v\n%.80s", err, out)
	}
	cfg := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(cfg, []byte("[runbooks]\nembedded = false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err = rbRunCLI(t, map[string]string{"ONCALL_CONFIG": cfg}, "runbook", "RedisDown", "-o", "json")
	var got runbookOut
	if err != nil || json.Unmarshal([]byte(out), &got) != nil || got.Origin != "generated" {
		t.Errorf("embedded = false should generate a page: %v %+v", err, got.Origin)
	}
}

func TestNewRunbookFinderResolvesPaths(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "books"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "books", "Custom.md"), []byte("# Custom\n\nfrom a relative folder\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte("[runbooks]\npaths = [\"books\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := rbRunCLI(t, map[string]string{"ONCALL_CONFIG": cfgPath}, "runbook", "Custom", "--raw")
	if err != nil || !strings.Contains(out, "from a relative folder") {
		t.Errorf("relative [runbooks] paths should resolve against the config's folder: %v\n%s", err, out)
	}
}
