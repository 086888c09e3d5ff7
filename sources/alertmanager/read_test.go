package alertmanager_test

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"

	"oncall/internal/testkit/testenv"
)

// TestAgainstRealAlertmanager reads what a real Prometheus pushed into a real
// Alertmanager and writes silences to it. One stack is shared by the
// subtests; each uses its own alert names or comments.
func TestAgainstRealAlertmanager(t *testing.T) {
	t.Parallel()
	st := startStack(t)
	c := newClient(t, st.am.URL)

	t.Run("alerts", func(t *testing.T) {
		got, err := c.Alerts(testCtx(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]*models.GettableAlert{}
		for _, a := range got {
			byName[a.Labels["alertname"]] = a
		}
		if _, ok := byName["TestPending"]; ok {
			t.Error("pending alert TestPending is listed by Alertmanager")
		}
		down, lat, info := byName["TestAPIDown"], byName["TestHighLatency"], byName["TestInfo"]
		if down == nil || lat == nil || info == nil {
			t.Fatalf("want TestAPIDown, TestHighLatency and TestInfo, got %v", names(got))
		}
		if s := *down.Status.State; s != models.AlertStatusStateActive {
			t.Errorf("TestAPIDown state = %s, want active", s)
		}
		if down.Annotations["runbook_url"] == "" || down.Labels["service"] != "api" {
			t.Errorf("TestAPIDown lost labels or annotations: %v %v", down.Labels, down.Annotations)
		}
		if down.StartsAt == nil || time.Since(time.Time(*down.StartsAt)) > 5*time.Minute {
			t.Errorf("TestAPIDown startsAt = %v, want a recent time", down.StartsAt)
		}
		if s := *lat.Status.State; s != models.AlertStatusStateSuppressed {
			t.Errorf("TestHighLatency state = %s, want suppressed", s)
		}
		if !slices.Equal(lat.Status.InhibitedBy, []string{*down.Fingerprint}) {
			t.Errorf("TestHighLatency inhibitedBy = %v, want [%s] (TestAPIDown)", lat.Status.InhibitedBy, *down.Fingerprint)
		}
		for name, want := range map[string]string{"TestAPIDown": "critical", "TestHighLatency": "warning", "TestInfo": "info"} {
			var rs []string
			for _, r := range byName[name].Receivers {
				rs = append(rs, *r.Name)
			}
			if !slices.Equal(rs, []string{want}) {
				t.Errorf("%s receivers = %v, want [%s]", name, rs, want)
			}
		}
	})

	t.Run("filter is pushed down", func(t *testing.T) {
		cases := []struct {
			filter []string
			want   []string
		}{
			{[]string{`severity="critical"`}, []string{"TestAPIDown"}},
			{[]string{`service="api"`}, []string{"TestAPIDown", "TestHighLatency"}},
			{[]string{`service="api"`, `severity!="critical"`}, []string{"TestHighLatency"}},
			{[]string{`alertname=~"Test(Info|APIDown)"`}, []string{"TestAPIDown", "TestInfo"}},
			{[]string{`service=~"ap"`}, nil}, // regexes are anchored
			{[]string{`alertname="NoSuchAlert"`}, nil},
		}
		for _, tc := range cases {
			got, err := c.Alerts(testCtx(t), tc.filter)
			if err != nil {
				t.Fatalf("filter %v: %v", tc.filter, err)
			}
			if n := names(got); !slices.Equal(n, tc.want) {
				t.Errorf("filter %v: got %v, want %v", tc.filter, n, tc.want)
			}
		}
	})

	t.Run("bad filter is one line naming the peer", func(t *testing.T) {
		_, err := c.Alerts(testCtx(t), []string{`severity=~"("`})
		oneLineNaming(t, err, st.am.URL)
		if err != nil && !strings.Contains(err.Error(), "400") {
			t.Errorf("error %q does not say the request was bad (400)", err)
		}
	})

	t.Run("silence create, list, extend in place, expire", func(t *testing.T) {
		ctx := testCtx(t)
		comment := "integration: create-extend-expire"
		id, err := c.PostSilence(ctx, postable("TestInfo", "alice", comment, 10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if id == "" {
			t.Fatal("PostSilence returned an empty ID")
		}

		listed, err := c.Silences(ctx, []string{`alertname="TestInfo"`})
		if err != nil {
			t.Fatal(err)
		}
		var found *models.GettableSilence
		for _, s := range listed {
			if *s.ID == id {
				found = s
			}
		}
		if found == nil {
			t.Fatalf("Silences does not list the new silence %s", id)
		}
		if *found.CreatedBy != "alice" || *found.Comment != comment || *found.Status.State != models.SilenceStatusStateActive {
			t.Errorf("listed silence = createdBy %q comment %q state %q", *found.CreatedBy, *found.Comment, *found.Status.State)
		}
		other, err := c.Silences(ctx, []string{`alertname="TestAPIDown"`})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range other {
			if *s.ID == id {
				t.Errorf("silence filter alertname=TestAPIDown lists the TestInfo silence")
			}
		}

		// the silence mutes TestInfo in Alertmanager
		var silencedBy []string
		testenv.WaitFor(t, 10*time.Second, "TestInfo is silenced", func() bool {
			as, err := c.Alerts(ctx, []string{`alertname="TestInfo"`})
			if err != nil || len(as) != 1 {
				return false
			}
			silencedBy = as[0].Status.SilencedBy
			return len(silencedBy) == 1
		})
		if silencedBy[0] != id {
			t.Errorf("TestInfo silencedBy = %v, want [%s]", silencedBy, id)
		}

		before := rawSilenceByID(t, st.am.URL, id)
		newEnd := before.EndsAt.Add(30 * time.Minute)
		gotID, err := c.ExtendSilence(ctx, id, newEnd)
		if err != nil {
			t.Fatal(err)
		}
		if gotID != id {
			t.Fatalf("ExtendSilence returned ID %s, want the same ID %s", gotID, id)
		}
		after := rawSilenceByID(t, st.am.URL, id)
		if d := after.EndsAt.Sub(newEnd); d > time.Second || d < -time.Second {
			t.Errorf("endsAt after extend = %s, want %s", after.EndsAt, newEnd)
		}
		if after.Status.State != "active" {
			t.Errorf("extended silence state = %s, want active", after.Status.State)
		}
		if n := len(withComment(rawSilences(t, st.am.URL), comment)); n != 1 {
			t.Errorf("Alertmanager holds %d silences with the comment after extending, want 1 (extended in place)", n)
		}

		if err := c.ExpireSilence(ctx, id); err != nil {
			t.Fatal(err)
		}
		if s := rawSilenceByID(t, st.am.URL, id); s.Status.State != "expired" {
			t.Errorf("state after ExpireSilence = %s, want expired", s.Status.State)
		}
		if _, err := c.ExtendSilence(ctx, id, time.Now().Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "expired") {
			t.Errorf("extending an expired silence: err = %v, want one saying it expired", err)
		}
	})

	t.Run("bad silence is a one-line 400 naming the peer", func(t *testing.T) {
		s := postable("TestInfo", "alice", "ends before it starts", time.Hour)
		end := *s.StartsAt
		start := *s.EndsAt
		s.StartsAt, s.EndsAt = &start, &end
		_, err := c.PostSilence(testCtx(t), s)
		oneLineNaming(t, err, st.am.URL)
		if err != nil && !strings.Contains(err.Error(), "400") {
			t.Errorf("error %q does not carry the 400", err)
		}
		if n := len(withComment(rawSilences(t, st.am.URL), "ends before it starts")); n != 0 {
			t.Errorf("a rejected silence was stored %d times", n)
		}
	})

	t.Run("unknown and malformed silence IDs", func(t *testing.T) {
		_, err := c.Silence(testCtx(t), "0d0c1f0e-0000-4000-8000-000000000000")
		oneLineNaming(t, err, st.am.URL)
		if err != nil && !strings.Contains(err.Error(), "not found") {
			t.Errorf("unknown ID: error %q does not say not found", err)
		}
		if _, err := c.Silence(testCtx(t), "not-a-uuid"); err == nil || !strings.Contains(err.Error(), "not a UUID") {
			t.Errorf("malformed ID: err = %v, want 'not a UUID'", err)
		}
		if err := c.ExpireSilence(testCtx(t), "not-a-uuid"); err == nil {
			t.Error("ExpireSilence accepted a malformed ID")
		}
	})

	t.Run("status", func(t *testing.T) {
		s, err := c.Status(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if s.VersionInfo == nil || s.VersionInfo.Version == nil || *s.VersionInfo.Version == "" {
			t.Fatalf("status has no version: %+v", s.VersionInfo)
		}
		v, err := c.PeerStatus(testCtx(t), 0)
		if err != nil {
			t.Fatal(err)
		}
		if v != *s.VersionInfo.Version {
			t.Errorf("PeerStatus version %q != Status version %q", v, *s.VersionInfo.Version)
		}
	})
}

// names returns the sorted alertnames of alerts.
func names(as models.GettableAlerts) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Labels["alertname"])
	}
	sort.Strings(out)
	return out
}
