package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oncall/internal/testkit/testenv"
)

// TestAlertsAndSilencesOverTwoContexts: `oncall alerts --context a,b`
// merges two real clusters into one list where each alert names its
// cluster; `silence ls --all-contexts` lists each cluster's silences with
// its cluster; writes with several contexts watched need one named.
func TestAlertsAndSilencesOverTwoContexts(t *testing.T) {
	var urls [2]string
	for i := range urls {
		am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
		testenv.StartPrometheus(t, testenv.PrometheusOptions{Rules: testenv.FiringRules, AlertmanagerURLs: []string{am.URL}})
		urls[i] = am.URL
	}
	jpath := filepath.Join(t.TempDir(), "journal.jsonl")
	cfg := writeConfig(t, `current_context = "eu"
[journal]
path = "`+jpath+`"
[contexts.eu.alertmanager]
urls = ["`+urls[0]+`"]
[contexts.us.alertmanager]
urls = ["`+urls[1]+`"]
`)
	env := map[string]string{"ONCALL_CONFIG": cfg}
	type alert struct {
		Cluster string            `json:"cluster"`
		Labels  map[string]string `json:"labels"`
	}
	var list []alert
	testenv.WaitFor(t, 30*time.Second, "TestAPIDown in both clusters", func() bool {
		code, out, _ := run(t, env, "alerts", "--context", "eu,us", "-o", "json")
		list = nil
		if code != 0 || json.Unmarshal([]byte(out), &list) != nil {
			return false
		}
		n := map[string]int{}
		for _, a := range list {
			if a.Labels["alertname"] == "TestAPIDown" {
				n[a.Cluster]++
			}
		}
		return n["eu"] == 1 && n["us"] == 1
	})
	for _, a := range list {
		if a.Cluster != "eu" && a.Cluster != "us" {
			t.Fatalf("an alert without its cluster: %+v", a)
		}
	}
	code, out, errOut := run(t, env, "alerts", "--all-contexts")
	if code != 0 || !strings.Contains(out, "CLUSTER") || !strings.Contains(out, "us ") {
		t.Fatalf("table over every context: %d %s %s", code, out, errOut)
	}
	// One silence in us, none in eu.
	code, _, errOut = run(t, env, "--context", "us", "silence", "add", "--matcher", `alertname="TestInfo"`, "--comment", "batch is late on purpose", "--duration", "1h")
	if code != 0 {
		t.Fatalf("silence add in us: %s", errOut)
	}
	code, out, errOut = run(t, env, "silence", "ls", "--all-contexts", "-o", "json")
	var sils []struct {
		Cluster string `json:"cluster"`
		Comment string `json:"comment"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &sils) != nil {
		t.Fatalf("silence ls: %d %s %s", code, out, errOut)
	}
	if len(sils) != 1 || sils[0].Cluster != "us" {
		t.Fatalf("silences %+v, want one, in us", sils)
	}

	// The handoff covers both: each cluster's sections under its name,
	// the silence created in us only, every firing alert naming its cluster.
	code, md, errOut := run(t, env, "handoff", "--all-contexts")
	if code != 0 {
		t.Fatalf("handoff: %d %s", code, errOut)
	}
	eu, us := strings.Index(md, "## eu · Firing now"), strings.Index(md, "## us · Firing now")
	if eu < 0 || us < eu {
		t.Fatalf("handoff without both clusters' sections in order:\n%s", md)
	}
	if strings.Contains(md[eu:us], "batch is late on purpose") || !strings.Contains(md[us:], "batch is late on purpose") {
		t.Errorf("the silence created in us is not (only) under us:\n%s", md)
	}
	code, out, errOut = run(t, env, "handoff", "--all-contexts", "--format", "json")
	var sum struct {
		Context   string
		FiringNow []struct{ Alertname, Cluster string }
		Clusters  []struct{ Context string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &sum) != nil {
		t.Fatalf("handoff json: %d %s", code, errOut)
	}
	n := map[string]int{}
	for _, a := range sum.FiringNow {
		n[a.Cluster]++
	}
	if sum.Context != "eu, us" || len(sum.Clusters) != 2 || n["eu"] == 0 || n["us"] == 0 || len(n) != 2 {
		t.Errorf("handoff json: context %q, %d clusters, firing per cluster %v", sum.Context, len(sum.Clusters), n)
	}
	// Both exports were journaled for "eu, us": --since last starts at the
	// last one, for either cluster.
	code, out, errOut = run(t, env, "--context", "us", "handoff", "--since", "last", "--format", "json")
	if code != 0 || !strings.Contains(out, `"basis": "last-handoff"`) {
		t.Errorf("--since last in us after a handoff of both: %d %s %s", code, errOut, out[:min(len(out), 400)])
	}
}
