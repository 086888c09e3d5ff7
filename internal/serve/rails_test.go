package serve

import (
	"strings"
	"testing"
	"time"

	"oncall/internal/testkit/amspy"
	"oncall/internal/testkit/testenv"
)

// A viewer's write keys send nothing to a real Alertmanager (counted by a
// proxy in front of it), though the session builder handed the viewer a
// writable service: the server makes it read-only. A responder's ack on
// the same server goes through, so the count is not blind.
func TestViewerSendsNothingToARealAlertmanager(t *testing.T) {
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	amspy.PostAlerts(t, am.URL,
		map[string]string{"alertname": "APIDown", "severity": "critical", "service": "api"},
		map[string]string{"alertname": "DiskFull", "severity": "warning", "instance": "host-0"})
	theirs := amspy.PostSilence(t, am.URL, map[string]string{"alertname": "DiskFull"}, "carol", "carol's disk work", time.Hour)
	spy := amspy.Start(t, am.URL)
	h := startHarness(t, harnessOpts{am: spy.URL})

	x := h.open("bob", h.bob, termOpts{w: 200, h: 48})
	x.waitScreen("the alerts", hasAlerts)
	refused := func(s string) bool { return strings.Contains(s, "read-only: context demo is read-only (viewer)") }
	for _, keys := range []string{"s", "a", "Sx", "Se"} {
		x.keys("A")
		x.keys(keys)
		s := x.waitScreen("the refusal of "+keys, refused)
		if strings.Contains(s, "New silence") || strings.Contains(s, "Expire silence") || strings.Contains(s, "Extend silence") {
			t.Fatalf("%s opened a dialog for a viewer:\n%s", keys, s)
		}
		x.keys("\x1b") // esc
		time.Sleep(200 * time.Millisecond)
	}
	spy.WantWrites(t, 0)
	if strings.Contains(h.logs.String(), `msg="action start"`) {
		t.Fatalf("a viewer action was attempted:\n%s", h.logs.String())
	}
	if s := amspy.SilenceByID(t, am.URL, theirs); s.Status.State != "active" || len(amspy.Active(t, am.URL)) != 1 {
		t.Fatalf("Alertmanager's silences changed: %+v", amspy.Silences(t, am.URL))
	}

	y := h.open("alice", h.alice, termOpts{w: 200, h: 48})
	y.waitScreen("the alerts", hasAlerts)
	y.waitScreen("APIDown selected", func(s string) bool { return strings.Contains(s, "▌ CRIT  firing") })
	y.keys("a")
	y.waitScreen("the ack", func(s string) bool { return strings.Contains(s, "acked APIDown · silence ") })
	spy.WantWrites(t, 1)
	if n := len(amspy.Active(t, am.URL)); n != 2 {
		t.Fatalf("%d active silences after the responder's ack, want 2", n)
	}
}
