package actions_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"oncall/internal/actions"
	"oncall/internal/config"
	"oncall/internal/guard"
	"oncall/internal/journal"
	"oncall/internal/testkit/amspy"
	"oncall/internal/testkit/testenv"
)

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
	amspy.PostAlerts(t, amURL, sets...)
	testenv.WaitFor(t, 15*time.Second, "8 alerts in Alertmanager", func() bool {
		var list []json.RawMessage
		return getJSON(amURL, "/api/v2/alerts", &list) == nil && len(list) == 8
	})
}

// railService is a journaled service for user whose requests go through a
// fresh counting proxy, with the given guard.
func railService(t *testing.T, amURL, user string, g config.Guard) (*actions.Service, *amspy.Spy, *journal.Journal) {
	t.Helper()
	c := amspy.Start(t, amURL)
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
