package handoff

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oncall/internal/config"
	"oncall/internal/journal"
	"oncall/internal/testkit/amspy"
	"oncall/internal/testkit/testenv"
	"oncall/sources/alertmanager"
	"oncall/tui"
	"oncall/tui/tuitest"
)

// With two clusters watched, the handoff screen collects each from its own
// Alertmanager (two real ones) and groups the summary by cluster; its
// export is journaled for both.
func TestHandoffCoversEveryWatchedCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two Alertmanagers")
	}
	var clusters []*tui.Cluster
	cfg := tuitest.Config()
	cfg.CurrentContext = "eu"
	for _, c := range []struct{ name, alert string }{{"eu", "EUDiskFull"}, {"us", "USLatencyHigh"}} {
		am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
		amspy.PostAlerts(t, am.URL, map[string]string{"alertname": c.alert, "severity": "critical"})
		client, err := alertmanager.New(alertmanager.Config{URLs: []string{am.URL}})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Contexts[c.name] = &config.Context{Alertmanager: config.Alertmanager{URLs: []string{am.URL}}}
		clusters = append(clusters, &tui.Cluster{Name: c.name, AM: client})
	}
	jp := filepath.Join(t.TempDir(), "journal.jsonl")
	d := start(t, tuitest.Setup{Dark: true, Config: cfg, Fetch: true, Deps: tui.Deps{Clusters: clusters, Watch: []string{"eu", "us"}, Now: time.Now}}, Options{JournalPath: jp})
	d.Timeout = 20 * time.Second
	d.Until("both clusters' alerts", func() bool { return len(d.M.Alerts()) == 2 })
	d.Press("H")
	s := tuitest.ScreenAs[*screen](t, d, Name)
	d.Until("the handoff of both clusters", func() bool { return s.sum != nil && len(s.sum.Clusters) == 2 })
	if s.sum.Context != "eu, us" {
		t.Errorf("the handoff covers %q", s.sum.Context)
	}
	eu, us := strings.Index(s.md, "## eu · Firing now"), strings.Index(s.md, "## us · Firing now")
	if eu < 0 || us < eu || !strings.Contains(s.md[eu:us], "EUDiskFull") || !strings.Contains(s.md[us:], "USLatencyHigh") || strings.Contains(s.md[us:], "EUDiskFull") {
		t.Fatalf("the Markdown is not grouped by cluster:\n%s", s.md)
	}
	d.Press("c").UntilScreen("handoff copied to the clipboard")
	res, err := (&journal.Journal{Path: jp}).Read(time.Time{})
	if err != nil || len(res.Entries) != 1 || res.Entries[0].Context != "eu, us" {
		t.Fatalf("journal %+v %v", res.Entries, err)
	}
}
