package alerts

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/alertmanager/pkg/labels"
)

// apiSilence builds an Alertmanager API silence on the given matchers.
func apiSilence(id, state, createdBy, comment string, start, end time.Time, matchers string) *models.GettableSilence {
	ms, err := ParseMatchers(matchers)
	if err != nil {
		panic(err)
	}
	s, e, u := strfmt.DateTime(start), strfmt.DateTime(end), strfmt.DateTime(start)
	return &models.GettableSilence{
		ID:        &id,
		Status:    &models.SilenceStatus{State: &state},
		UpdatedAt: &u,
		Silence: models.Silence{
			Matchers: ToModelMatchers(ms), StartsAt: &s, EndsAt: &e, CreatedBy: &createdBy, Comment: &comment,
		},
	}
}

func mustMatchers(t *testing.T, s string) labels.Matchers {
	t.Helper()
	ms, err := ParseMatchers(s)
	if err != nil {
		t.Fatalf("ParseMatchers(%q): %v", s, err)
	}
	return ms
}

func TestAckCommentRoundTrip(t *testing.T) {
	cases := []struct {
		user, note, wantComment, wantNote string
	}{
		{"alice", "looking", "ACK! alice: looking", "looking"},
		{"alice@host", "  rolling back: v2 broke it  ", "ACK! alice@host: rolling back: v2 broke it", "rolling back: v2 broke it"},
		{"bob", "", "ACK! bob: acknowledged", "acknowledged"},
	}
	for _, tc := range cases {
		c := AckComment(tc.user, tc.note)
		if c != tc.wantComment {
			t.Errorf("AckComment(%q, %q) = %q, want %q", tc.user, tc.note, c, tc.wantComment)
		}
		by, note, ok := ParseAckComment(c)
		if !ok || by != tc.user || note != tc.wantNote {
			t.Errorf("ParseAckComment(%q) = %q, %q, %v; want %q, %q, true", c, by, note, ok, tc.user, tc.wantNote)
		}
	}
	if by, note, ok := ParseAckComment("ACK! carol:"); !ok || by != "carol" || note != "" {
		t.Errorf("bare ack = %q %q %v", by, note, ok)
	}
	for _, c := range []string{"maintenance window", "ack! lower case", "", "Deploy ACK! later"} {
		if _, _, ok := ParseAckComment(c); ok {
			t.Errorf("ParseAckComment(%q) took a plain comment for an ack", c)
		}
	}
}

func TestFromModelSilences(t *testing.T) {
	now := time.Now()
	as := []*Alert{
		alert(StateFiring, "alertname", "APIDown", "service", "api"),
		alert(StateSilenced, "alertname", "APISlow", "service", "api"),
		alert(StatePending, "alertname", "APIErr", "service", "api"),
	}
	in := models.GettableSilences{
		apiSilence("exp-old", "expired", "x", "old", now.Add(-3*time.Hour), now.Add(-2*time.Hour), `service="api"`),
		apiSilence("act-late", "active", "x", "ACK! x: hi", now.Add(-time.Hour), now.Add(2*time.Hour), `service="api"`),
		apiSilence("pend", "pending", "x", "later", now.Add(time.Hour), now.Add(3*time.Hour), `alertname="APIDown"`),
		apiSilence("act-soon", "active", "x", "soon", now.Add(-time.Hour), now.Add(time.Minute), `alertname=~"API.*"`),
		apiSilence("exp-new", "expired", "x", "new", now.Add(-2*time.Hour), now.Add(-time.Hour), `service="api"`),
		nil,
	}
	got := FromModelSilences(in, as)
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	// active (soonest end first), pending, expired (latest end first)
	if want := []string{"act-soon", "act-late", "pend", "exp-new", "exp-old"}; !slices.Equal(ids, want) {
		t.Fatalf("order = %v, want %v", ids, want)
	}
	late := got[1]
	if !late.Ack || late.Matching != 2 || !slices.Equal(late.Matchers, []string{`service="api"`}) || late.CreatedBy != "x" {
		t.Errorf("act-late = ack %v matching %d matchers %v", late.Ack, late.Matching, late.Matchers)
	}
	if got[0].Ack || got[0].Matching != 2 {
		t.Errorf("act-soon = ack %v matching %d, want false 2 (pending alerts not counted)", got[0].Ack, got[0].Matching)
	}
	if !got[2].Matches(as[0]) || got[2].Matches(as[1]) {
		t.Error("Matches disagrees with the matchers")
	}
}

func TestApplyAcks(t *testing.T) {
	now := time.Now()
	acked := alert(StateSilenced, "alertname", "APIDown")
	acked.SilencedBy = []string{"plain", "ack1"}
	plain := alert(StateSilenced, "alertname", "Plain")
	plain.SilencedBy = []string{"plain"}
	stale := alert(StateSilenced, "alertname", "Stale")
	stale.SilencedBy = []string{"ack-expired"}
	firing := alert(StateFiring, "alertname", "Firing")
	sils := FromModelSilences(models.GettableSilences{
		apiSilence("plain", "active", "x", "maintenance", now.Add(-time.Hour), now.Add(time.Hour), `alertname=~".+"`),
		apiSilence("ack1", "active", "alice", "ACK! alice: on it", now.Add(-time.Minute), now.Add(time.Hour), `alertname="APIDown"`),
		apiSilence("ack-expired", "expired", "bob", "ACK! bob: done", now.Add(-2*time.Hour), now.Add(-time.Hour), `alertname="Stale"`),
	}, nil)
	ApplyAcks([]*Alert{acked, plain, stale, firing}, sils)

	if acked.State != StateAcked || acked.Ack == nil {
		t.Fatalf("APIDown state %s ack %v, want acked", acked.State, acked.Ack)
	}
	if a := acked.Ack; a.By != "alice" || a.Note != "on it" || a.SilenceID != "ack1" || a.EndsAt.Sub(now.Add(time.Hour)).Abs() > time.Millisecond || a.At.Sub(now.Add(-time.Minute)).Abs() > time.Millisecond {
		t.Errorf("ack = %+v", a)
	}
	for _, a := range []*Alert{plain, stale, firing} {
		if a.Ack != nil || a.State == StateAcked {
			t.Errorf("%s marked acked (state %s)", a.Name(), a.State)
		}
	}
	if stale.State != StateSilenced || firing.State != StateFiring {
		t.Error("ApplyAcks changed the state of unacked alerts")
	}
}

func TestPlanKeepAlive(t *testing.T) {
	now := time.Now()
	lead, extend := 5*time.Minute, 30*time.Minute
	live := alert(StateAcked, "alertname", "APIDown", "service", "api")
	gone := alert(StateResolved, "alertname", "Resolved")
	pend := alert(StatePending, "alertname", "Pending")
	as := []*Alert{live, gone, pend}
	sils := FromModelSilences(models.GettableSilences{
		// mine, live alert, ends within lead: extend
		apiSilence("mine-soon", "active", "alice", "ACK! alice: on it", now.Add(-time.Hour), now.Add(2*time.Minute), `alertname="APIDown"`),
		// mine but ends beyond lead: leave
		apiSilence("mine-later", "active", "alice", "ACK! alice: on it", now.Add(-time.Hour), now.Add(time.Hour), `service="api"`),
		// another user's ack about to end: never touched
		apiSilence("bobs", "active", "bob", "ACK! bob: mine", now.Add(-time.Hour), now.Add(time.Minute), `alertname="APIDown"`),
		// created by alice but acked in bob's name: not alice's ack
		apiSilence("spoof", "active", "alice", "ACK! bob: hmm", now.Add(-time.Hour), now.Add(time.Minute), `alertname="APIDown"`),
		// mine, but its alert resolved or is only pending: left to expire
		apiSilence("mine-resolved", "active", "alice", "ACK! alice: ok", now.Add(-time.Hour), now.Add(time.Minute), `alertname="Resolved"`),
		apiSilence("mine-pending", "active", "alice", "ACK! alice: ok", now.Add(-time.Hour), now.Add(time.Minute), `alertname="Pending"`),
		// a plain silence of mine: not an ack
		apiSilence("plain", "active", "alice", "maintenance", now.Add(-time.Hour), now.Add(time.Minute), `alertname="APIDown"`),
		// an expired ack of mine
		apiSilence("mine-expired", "expired", "alice", "ACK! alice: old", now.Add(-time.Hour), now.Add(-time.Minute), `alertname="APIDown"`),
	}, as)

	plan := PlanKeepAlive(sils, as, "alice", now, lead, extend)
	if len(plan) != 1 {
		t.Fatalf("plan = %+v, want only mine-soon", plan)
	}
	if x := plan[0]; x.SilenceID != "mine-soon" || !x.NewEnd.Equal(now.Add(extend)) || x.Alert != "APIDown" {
		t.Errorf("extension = %+v", x)
	}
	bob := PlanKeepAlive(sils, as, "bob", now, lead, extend)
	if len(bob) != 1 || bob[0].SilenceID != "bobs" {
		t.Errorf("bob's plan = %+v, want only his own ack", bob)
	}
	if got := PlanKeepAlive(sils, as, "carol", now, lead, extend); len(got) != 0 {
		t.Errorf("carol has no acks but got %+v", got)
	}
	if got := PlanKeepAlive(sils, as, "alice", now, time.Hour+time.Minute, extend); len(got) != 2 {
		t.Errorf("with a longer lead, want mine-soon and mine-later, got %+v", got)
	}
}

func TestValidateSilence(t *testing.T) {
	now := time.Now()
	later := now.Add(time.Hour)
	cases := []struct {
		name       string
		matchers   string
		start, end time.Time
		by, c      string
		wantErr    string
	}{
		{"ok", `alertname="A"`, now, later, "alice", "why", ""},
		{"ok with one empty-matching matcher", `alertname="A",team=~".*"`, now, later, "alice", "why", ""},
		{"no matchers", "", now, later, "alice", "why", "at least one matcher"},
		{"all match empty", `team=~".*",env=""`, now, later, "alice", "why", "must not match the empty string"},
		{"not-equal matches empty", `team!="x"`, now, later, "alice", "why", "must not match the empty string"},
		{"end before start", `alertname="A"`, later, now, "alice", "why", "end after it starts"},
		{"end equals start", `alertname="A"`, now, now, "alice", "why", "end after it starts"},
		{"empty comment", `alertname="A"`, now, later, "alice", "  ", "comment is required"},
		{"empty author", `alertname="A"`, now, later, "", "why", "createdBy"},
	}
	for _, tc := range cases {
		var ms labels.Matchers
		if tc.matchers != "" {
			ms = mustMatchers(t, tc.matchers)
		}
		err := ValidateSilence(ms, tc.start, tc.end, tc.by, tc.c)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.wantErr)
		}
		ps, nerr := NewSilence(ms, tc.start, tc.end, tc.by, tc.c)
		if (nerr == nil) != (err == nil) || (nerr == nil) != (ps != nil) {
			t.Errorf("%s: NewSilence err %v disagrees with ValidateSilence err %v", tc.name, nerr, err)
		}
	}
}

func TestNewSilenceConvertsMatchers(t *testing.T) {
	now := time.Now()
	ms := mustMatchers(t, `a="1",b!="2",c=~"3.*",d!~"4"`)
	ps, err := NewSilence(ms, now, now.Add(time.Hour), "alice", "why")
	if err != nil {
		t.Fatal(err)
	}
	if *ps.CreatedBy != "alice" || *ps.Comment != "why" || !time.Time(*ps.EndsAt).Equal(now.Add(time.Hour).UTC()) {
		t.Errorf("silence = %+v", ps.Silence)
	}
	back := FromModelMatchers(ps.Matchers)
	if back.String() != ms.String() {
		t.Errorf("matchers round trip: %s -> %s", ms, back)
	}
	want := [][2]bool{{false, true}, {false, false}, {true, true}, {true, false}} // isRegex, isEqual
	for i, m := range ps.Matchers {
		if *m.IsRegex != want[i][0] || *m.IsEqual != want[i][1] {
			t.Errorf("matcher %d %s: isRegex %v isEqual %v, want %v", i, *m.Name, *m.IsRegex, *m.IsEqual, want[i])
		}
	}
}

func TestMatchersFor(t *testing.T) {
	a := alert(StateFiring, "alertname", "APIDown", "service", "api", "instance", "i-1", "empty", "")
	if got := MatchersFor(a, []string{"service", "missing", "alertname"}).String(); got != `{alertname="APIDown",service="api"}` {
		t.Errorf("MatchersFor(service, missing) = %s", got)
	}
	if got := MatchersFor(a, nil).String(); got != `{alertname="APIDown",instance="i-1",service="api"}` {
		t.Errorf("MatchersFor(all) = %s", got)
	}
	ms := MatchersFor(a, nil)
	if !ms.Matches(a.LabelSet()) {
		t.Error("the alert's own matchers do not match it")
	}
}

func TestFindAck(t *testing.T) {
	now := time.Now()
	sils := FromModelSilences(models.GettableSilences{
		apiSilence("bobs", "active", "bob", "ACK! bob: x", now, now.Add(time.Hour), `alertname="A"`),
		apiSilence("old", "expired", "alice", "ACK! alice: x", now.Add(-2*time.Hour), now.Add(-time.Hour), `alertname="A"`),
		apiSilence("mine", "active", "alice", "ACK! alice: x", now, now.Add(time.Hour), `service="api",alertname="A"`),
	}, nil)
	if s := FindAck(sils, "alice", mustMatchers(t, `alertname="A",service="api"`)); s == nil || s.ID != "mine" {
		t.Errorf("FindAck (matchers in another order) = %v, want mine", s)
	}
	if s := FindAck(sils, "alice", mustMatchers(t, `alertname="A"`)); s != nil {
		t.Errorf("FindAck found %s for different matchers", s.ID)
	}
	if s := FindAck(sils, "carol", mustMatchers(t, `alertname="A"`)); s != nil {
		t.Errorf("FindAck found %s of another user", s.ID)
	}
}
