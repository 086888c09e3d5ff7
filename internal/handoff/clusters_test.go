package handoff

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"

	"oncall/internal/alerts"
)

// stagingAM is a second cluster: one warning firing, no silences.
func stagingAM() *fakeAM {
	labels := map[string]string{"alertname": "DiskSpaceLow", "severity": "warning", "service": "postgres"}
	fp := alerts.Fingerprint(labels)
	state := models.AlertStatusStateActive
	return &fakeAM{alerts: models.GettableAlerts{{
		Alert:       models.Alert{Labels: models.LabelSet(labels)},
		Annotations: models.LabelSet{"summary": "12% free on /var/lib/postgresql"},
		Fingerprint: &fp, StartsAt: dt(local(15, 5, 0)), EndsAt: dt(fixedNow.Add(4 * time.Minute)), UpdatedAt: dt(fixedNow),
		Status: &models.AlertStatus{State: &state, SilencedBy: []string{}, InhibitedBy: []string{}},
	}}}
}

func TestCollectClustersGroupsByCluster(t *testing.T) {
	j := journalFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := CollectClusters(ctx, []ClusterSources{
		{Name: "prod", Sources: Sources{Alertmanager: amFixture(), Journal: j, Budgets: &fakeBudgets{}}},
		{Name: "staging", Sources: Sources{Alertmanager: stagingAM(), Journal: j}},
	}, Options{User: "alice@bastion", Shift: shift, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if s.Context != "prod, staging" || len(s.Clusters) != 2 {
		t.Fatalf("context %q with %d clusters", s.Context, len(s.Clusters))
	}
	// Every firing alert names its cluster; staging's one is there.
	byCluster := map[string][]string{}
	for _, a := range s.FiringNow {
		byCluster[a.Cluster] = append(byCluster[a.Cluster], a.Alertname)
	}
	if len(byCluster["prod"]) != len(amFixture().alerts) || strings.Join(byCluster["staging"], ",") != "DiskSpaceLow" || len(byCluster) != 2 {
		t.Errorf("firing by cluster = %v", byCluster)
	}
	for _, b := range s.Budgets {
		if b.Cluster != "prod" {
			t.Errorf("budget %s names cluster %q", b.Name, b.Cluster)
		}
	}
	// The journal is shared: each cluster takes only its own entries, so the
	// notes (written in prod) appear once, not once per cluster.
	seen := map[string]int{}
	for _, n := range s.Notes {
		seen[n.ID]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("note %s listed %d times", id, n)
		}
	}
	if len(s.Notes) == 0 {
		t.Error("the fixture's notes are missing")
	}
	for _, c := range s.Clusters {
		if c.Context == "staging" && (len(c.Acks) != 0 || len(c.Silences.Created) != 0) {
			t.Errorf("staging took prod's journal: acks %v created %v", c.Acks, c.Silences.Created)
		}
	}

	// Markdown heads each cluster's sections with its name, prod first.
	md := Markdown(s)
	p, st := strings.Index(md, "## prod · "), strings.Index(md, "## staging · ")
	if p < 0 || st < 0 || st < p {
		t.Fatalf("cluster headings missing or out of order (prod %d, staging %d):\n%s", p, st, md)
	}
	staging := md[st:]
	staging = staging[:strings.Index(staging, "## Notes")]
	if !strings.Contains(staging, "DiskSpaceLow") || strings.Contains(staging, "APIDown") {
		t.Errorf("staging's sections hold another cluster's alerts:\n%s", staging)
	}
	// JSON keeps the flat lists (each item naming its cluster) and the
	// per-cluster summaries.
	js, err := JSON(s)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		FiringNow []struct{ Alertname, Cluster string }
		Clusters  []struct{ Context string }
	}
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Clusters) != 2 || back.Clusters[1].Context != "staging" || back.FiringNow[len(back.FiringNow)-1].Cluster != "staging" {
		t.Errorf("JSON clusters = %+v, last firing = %+v", back.Clusters, back.FiringNow[len(back.FiringNow)-1])
	}
}

// One cluster gives exactly the single-cluster handoff: no cluster names,
// no per-cluster summaries.
func TestCollectClustersOneIsPlain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := CollectClusters(ctx, []ClusterSources{{Name: "prod", Sources: Sources{Alertmanager: amFixture(), Journal: journalFixture(t)}}},
		Options{User: "alice@bastion", Shift: shift, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if s.Context != "prod" || len(s.Clusters) != 0 || strings.Contains(Markdown(s), "prod · ") {
		t.Errorf("one cluster rendered as several: context %q, %d clusters", s.Context, len(s.Clusters))
	}
	for _, a := range s.FiringNow {
		if a.Cluster != "" {
			t.Errorf("%s names cluster %q", a.Alertname, a.Cluster)
		}
	}
}
