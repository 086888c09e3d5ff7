package testenv

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

type promAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
}

type amAlert struct {
	Labels    map[string]string `json:"labels"`
	Receivers []struct {
		Name string `json:"name"`
	} `json:"receivers"`
	Status struct {
		State       string   `json:"state"`
		InhibitedBy []string `json:"inhibitedBy"`
	} `json:"status"`
}

func TestPrometheusSendsFiringRulesToAlertmanager(t *testing.T) {
	t.Parallel()
	am := StartAlertmanager(t, AlertmanagerOptions{})
	if am.ClusterAddr != "" {
		t.Errorf("non-clustered Alertmanager has ClusterAddr %q", am.ClusterAddr)
	}
	prom := StartPrometheus(t, PrometheusOptions{Rules: FiringRules, AlertmanagerURLs: []string{am.URL}})

	var promAlerts map[string]promAlert
	WaitFor(t, 15*time.Second, "Prometheus reports TestAPIDown firing and TestPending pending", func() bool {
		var resp struct {
			Status string `json:"status"`
			Data   struct {
				Alerts []promAlert `json:"alerts"`
			} `json:"data"`
		}
		if err := getJSON(prom.URL+"/api/v1/alerts", &resp); err != nil || resp.Status != "success" {
			return false
		}
		promAlerts = map[string]promAlert{}
		for _, a := range resp.Data.Alerts {
			promAlerts[a.Labels["alertname"]] = a
		}
		return promAlerts["TestAPIDown"].State == "firing" && promAlerts["TestPending"].State == "pending"
	})
	down := promAlerts["TestAPIDown"]
	if down.Labels["severity"] != "critical" || down.Labels["service"] != "api" {
		t.Errorf("TestAPIDown labels = %v", down.Labels)
	}
	for _, key := range []string{"summary", "description", "runbook_url"} {
		if down.Annotations[key] == "" {
			t.Errorf("TestAPIDown lacks annotation %s: %v", key, down.Annotations)
		}
	}
	for name, a := range promAlerts {
		if a.Labels["service"] == "" {
			t.Errorf("alert %s has no service label", name)
		}
	}

	var amAlerts map[string]amAlert
	WaitFor(t, 15*time.Second, "Alertmanager receives TestAPIDown, TestHighLatency and TestInfo", func() bool {
		var list []amAlert
		if err := getJSON(am.URL+"/api/v2/alerts", &list); err != nil {
			return false
		}
		amAlerts = map[string]amAlert{}
		for _, a := range list {
			amAlerts[a.Labels["alertname"]] = a
		}
		// inhibition is computed once the critical alert is known
		return amAlerts["TestAPIDown"].Status.State == "active" &&
			amAlerts["TestHighLatency"].Status.State == "suppressed" &&
			amAlerts["TestInfo"].Status.State == "active"
	})
	if _, ok := amAlerts["TestPending"]; ok {
		t.Errorf("pending alert TestPending reached Alertmanager")
	}
	for name, receiver := range map[string]string{"TestAPIDown": "critical", "TestHighLatency": "warning", "TestInfo": "info"} {
		var got []string
		for _, r := range amAlerts[name].Receivers {
			got = append(got, r.Name)
		}
		if !slices.Equal(got, []string{receiver}) {
			t.Errorf("%s routed to %v, want [%s]", name, got, receiver)
		}
	}
	if len(amAlerts["TestHighLatency"].Status.InhibitedBy) == 0 {
		t.Errorf("TestHighLatency is not inhibited by TestAPIDown: %+v", amAlerts["TestHighLatency"].Status)
	}
}

func TestAlertmanagerClusterReplicatesSilences(t *testing.T) {
	t.Parallel()
	ams := StartAlertmanagerCluster(t, 2)
	if ams[0].ClusterAddr == "" || ams[0].ClusterAddr == ams[1].ClusterAddr {
		t.Fatalf("bad cluster addresses %q and %q", ams[0].ClusterAddr, ams[1].ClusterAddr)
	}
	now := time.Now().UTC()
	body := fmt.Sprintf(`{"matchers":[{"name":"alertname","value":"TestAPIDown","isRegex":false,"isEqual":true}],`+
		`"startsAt":%q,"endsAt":%q,"createdBy":"testenv","comment":"replication check"}`,
		now.Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339))
	var created struct {
		SilenceID string `json:"silenceID"`
	}
	if err := postJSON(ams[0].URL+"/api/v2/silences", body, &created); err != nil {
		t.Fatal(err)
	}
	if created.SilenceID == "" {
		t.Fatal("Alertmanager returned no silenceID")
	}
	WaitFor(t, 5*time.Second, "silence created on peer 0 is visible on peer 1", func() bool {
		var silences []struct {
			ID      string `json:"id"`
			Comment string `json:"comment"`
		}
		if err := getJSON(ams[1].URL+"/api/v2/silences", &silences); err != nil {
			return false
		}
		for _, s := range silences {
			if s.ID == created.SilenceID && s.Comment == "replication check" {
				return true
			}
		}
		return false
	})
}

func TestBackfillThenQuery(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	t0 := time.Now().Add(-2 * time.Hour).Truncate(time.Minute).Unix()
	var om strings.Builder
	om.WriteString("# HELP oncall_backfill Requests seen by the backfill test.\n# TYPE oncall_backfill counter\n")
	for i := int64(0); i < 3; i++ {
		fmt.Fprintf(&om, "oncall_backfill_total{job=\"backfill\"} %d %d\n", i+1, t0+60*i)
	}
	Backfill(t, dataDir, om.String()) // "# EOF" is appended by Backfill
	prom := StartPrometheus(t, PrometheusOptions{DataDir: dataDir})
	if prom.DataDir != dataDir {
		t.Fatalf("DataDir = %s, want %s", prom.DataDir, dataDir)
	}
	var resp struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  []any             `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	url := prom.URL + "/api/v1/query?query=oncall_backfill_total&time=" + strconv.FormatInt(t0+120, 10)
	if err := getJSON(url, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Status != "success" || len(resp.Data.Result) != 1 {
		t.Fatalf("query returned %+v, want one series", resp)
	}
	r := resp.Data.Result[0]
	if r.Metric["job"] != "backfill" || len(r.Value) != 2 || r.Value[1] != "3" {
		t.Fatalf("backfilled series = %v %v, want job=backfill value 3", r.Metric, r.Value)
	}
}

func TestBackfillRejectsBadInput(t *testing.T) {
	t.Parallel()
	f := runFake(t, func(tb testing.TB) { Backfill(tb, t.TempDir(), "this is not openmetrics\n# EOF\n") })
	if !strings.Contains(f.fatal, "promtool") || strings.Contains(f.fatal, "\n") {
		t.Fatalf("want a one-line Fatalf naming promtool, got %q", f.fatal)
	}
}

func TestPrometheusStopAndKill(t *testing.T) {
	t.Parallel()
	prom := StartPrometheus(t, PrometheusOptions{Retention: "1h", ExtraFlags: []string{"--log.level=debug"}})
	var flags struct {
		Data map[string]string `json:"data"`
	}
	if err := getJSON(prom.URL+"/api/v1/status/flags", &flags); err != nil {
		t.Fatal(err)
	}
	if flags.Data["storage.tsdb.retention.time"] != "1h" || flags.Data["log.level"] != "debug" {
		t.Errorf("flags retention=%q log.level=%q", flags.Data["storage.tsdb.retention.time"], flags.Data["log.level"])
	}
	prom.Stop()
	if !prom.Exited() {
		t.Fatal("Prometheus still running after Stop")
	}
	if err := probe(&http.Client{Timeout: time.Second}, prom.URL+"/-/ready"); err == nil {
		t.Fatal("Prometheus still answers after Stop")
	}
	prom.Kill() // idempotent after exit
	prom.Stop()
}
